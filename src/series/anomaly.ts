import type { Breakdown, MemberScore, Severity, Verdict } from "../detect/index.ts";
import { stableId } from "../ids.ts";

/** An anomaly as the Series Durable Object records it and the API returns it (times in epoch ms). */
export interface AnomalyRecord {
  id: string;
  metric: string;
  tagKey: string;
  tags: Record<string, string>;
  timestamp: number;
  value: number;
  score: number;
  severity: Severity;
  confidence: number;
  expected: { low: number; high: number };
  direction: "up" | "down" | null;
  algorithms: MemberScore[];
  breakdown: Breakdown | null;
  status: "open";
}

/** The id is derived from where the anomaly happened, so a retried flush cannot duplicate it. */
export function anomalyId(tenantId: string, metric: string, tagKey: string, timestamp: number): string {
  return stableId("anm", tenantId, metric, tagKey, timestamp);
}

export function anomalyFromVerdict(
  tenantId: string,
  metric: string,
  tagKey: string,
  tags: Record<string, string>,
  timestamp: number,
  value: number,
  verdict: Verdict,
): AnomalyRecord {
  return {
    id: anomalyId(tenantId, metric, tagKey, timestamp),
    metric,
    tagKey,
    tags,
    timestamp,
    value,
    score: verdict.score,
    severity: verdict.severity,
    confidence: verdict.confidence,
    expected: verdict.expected,
    direction: verdict.direction,
    algorithms: verdict.algorithms,
    breakdown: verdict.breakdown ?? null,
    status: "open",
  };
}
