/**
 * PagerDuty Events API v2 (POST to `events_url`, default
 * https://events.pagerduty.com/v2/enqueue). A trigger carries the full payload;
 * a resolve carries only `routing_key`, `event_action` and `dedup_key`. The
 * dedup key is the episode id, so a repeat of the same episode updates one
 * incident and its resolve closes it.
 * Severity: ours critical → critical, warning → warning, info → info (PagerDuty's
 * `error` has no counterpart in our three levels).
 */
import { seriesLabel } from "../explain/format.ts";
import type { PagerDutyConfig } from "./config.ts";
import type { AlertEvent } from "./event.ts";
import { headline, truncate } from "./text.ts";

export type PagerDutySeverity = "critical" | "error" | "warning" | "info";

export interface PagerDutyTrigger {
  routing_key: string;
  event_action: "trigger";
  dedup_key: string;
  payload: {
    summary: string;
    severity: PagerDutySeverity;
    source: string;
    timestamp: string;
    component: string;
    group: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  client: string;
  client_url?: string;
  links: Array<{ href: string; text: string }>;
}

export interface PagerDutyResolve {
  routing_key: string;
  event_action: "resolve";
  dedup_key: string;
}

const SEVERITY: Record<AlertEvent["anomaly"]["severity"], PagerDutySeverity> = { critical: "critical", warning: "warning", info: "info" };

/** The event to POST for a triggered or resolved episode. */
export function buildPagerDutyEvent(event: AlertEvent, config: Pick<PagerDutyConfig, "routing_key">, options: { clientUrl?: string } = {}): PagerDutyTrigger | PagerDutyResolve {
  const a = event.anomaly;
  const dedup_key = truncate(a.id, 255);
  if (event.type === "anomaly.resolved") return { routing_key: config.routing_key, event_action: "resolve", dedup_key };
  const e = event.explanation;
  const trigger: PagerDutyTrigger = {
    routing_key: config.routing_key,
    event_action: "trigger",
    dedup_key,
    payload: {
      summary: truncate(headline(event), 1_024),
      severity: SEVERITY[a.severity],
      source: a.tags.host ?? a.tags.instance ?? a.tags.service ?? seriesLabel(a.metric, a.tags),
      timestamp: new Date(a.timestamp).toISOString(),
      component: a.metric,
      group: a.tags.service ?? a.tags.region ?? event.rule?.name ?? "ayvlo",
      class: a.direction === "down" ? "anomaly.drop" : a.direction === "up" ? "anomaly.spike" : "anomaly",
      custom_details: {
        episode_id: a.id,
        value: a.value,
        expected_low: a.expected.low,
        expected_high: a.expected.high,
        score: a.score,
        confidence: a.confidence,
        tags: a.tags,
        flagged_by: a.algorithms.filter((m) => m.flagged).map((m) => m.name),
        ...(e ? { explanation: e.summary, likely_causes: e.likely_causes.map((c) => `${c.cause} (${Math.round(c.confidence * 100)} %)`), immediate_actions: e.recommendations.immediate } : {}),
        ...(event.rule ? { rule: event.rule.name } : {}),
      },
    },
    client: "Ayvlo",
    links: event.links?.anomaly ? [{ href: event.links.anomaly, text: "Anomaly in Ayvlo" }] : [],
  };
  if (options.clientUrl) trigger.client_url = options.clientUrl;
  return trigger;
}
