/**
 * The one input every channel payload is built from: an anomaly episode that
 * was triggered or resolved, with its explanation when there is one. The
 * episode id is the anomaly's id, and it travels unchanged through every channel
 * (webhook `episode_id`, PagerDuty `dedup_key`, Slack and email footers).
 */
import type { GroupNotification } from "../alerting/group.ts";
import type { Explanation } from "../explain/schema.ts";
import { stableId } from "../ids.ts";
import type { AnomalyRecord } from "../series/anomaly.ts";

export type AlertEventType = "anomaly.triggered" | "anomaly.resolved";

export interface AlertEvent {
  type: AlertEventType;
  anomaly: AnomalyRecord;
  explanation?: Explanation | null;
  /** When this event happened (the notification time), epoch ms. */
  occurredAt: number;
  /** For resolved events: when the episode ended. */
  resolvedAt?: number | null;
  rule?: { id: string; name: string } | null;
  /** Absolute links for people, e.g. the anomaly's page in the dashboard. */
  links?: { anomaly?: string } | null;
}

/** The episode id of an event (the opening anomaly's id). */
export function episodeId(event: AlertEvent): string {
  return event.anomaly.id;
}

/** One event per alert of a grouping notification: triggered for firing alerts, resolved for resolved ones. */
export function eventsOfNotification(notification: GroupNotification<AnomalyRecord>, rule: { id: string; name: string } | null = null): AlertEvent[] {
  return [
    ...notification.firing.map((f): AlertEvent => ({ type: "anomaly.triggered", anomaly: f.alert, occurredAt: notification.at, rule })),
    ...notification.resolved.map((r): AlertEvent => ({ type: "anomaly.resolved", anomaly: r.alert, occurredAt: notification.at, resolvedAt: r.resolvedAt, rule })),
  ];
}

/** The delivery's message id (`webhook-id`): the same for every retry of one message to one channel, different otherwise. */
export function deliveryMessageId(notificationId: string, channelId: string, event: Pick<AlertEvent, "type" | "anomaly">): string {
  return stableId("msg", notificationId, channelId, event.type, event.anomaly.id);
}
