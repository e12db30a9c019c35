/**
 * The webhook payload, in the Standard Webhooks envelope
 * `{ type, timestamp, data }`. The body string returned by `webhookBody` is the
 * exact text to sign and send.
 */
import type { AlertEvent } from "./event.ts";

export interface WebhookPayload {
  type: AlertEvent["type"];
  timestamp: string;
  data: {
    episode_id: string;
    anomaly: {
      id: string;
      metric: string;
      tags: Record<string, string>;
      timestamp: string;
      value: number;
      expected: { low: number; high: number };
      direction: "up" | "down" | null;
      severity: string;
      score: number;
      confidence: number;
      algorithms: Array<{ name: string; score: number; flagged: boolean }>;
    };
    resolved_at: string | null;
    explanation: { summary: string; likely_causes: Array<{ cause: string; confidence: number }>; source: string } | null;
    rule: { id: string; name: string } | null;
    links: { anomaly?: string };
  };
}

/** The JSON payload for a webhook delivery. */
export function buildWebhookPayload(event: AlertEvent): WebhookPayload {
  const a = event.anomaly;
  const e = event.explanation;
  return {
    type: event.type,
    timestamp: new Date(event.occurredAt).toISOString(),
    data: {
      episode_id: a.id,
      anomaly: {
        id: a.id,
        metric: a.metric,
        tags: a.tags,
        timestamp: new Date(a.timestamp).toISOString(),
        value: a.value,
        expected: a.expected,
        direction: a.direction,
        severity: a.severity,
        score: a.score,
        confidence: a.confidence,
        algorithms: a.algorithms.map((m) => ({ name: m.name, score: m.score, flagged: m.flagged })),
      },
      resolved_at: event.type === "anomaly.resolved" && event.resolvedAt != null ? new Date(event.resolvedAt).toISOString() : null,
      explanation: e ? { summary: e.summary, likely_causes: e.likely_causes, source: e.source } : null,
      rule: event.rule ?? null,
      links: event.links ?? {},
    },
  };
}

/** The body to sign and POST (`content-type: application/json`). */
export function webhookBody(event: AlertEvent): string {
  return JSON.stringify(buildWebhookPayload(event));
}
