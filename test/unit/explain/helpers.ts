import type { AnomalyRecord } from "../../../src/series/anomaly.ts";

export const T = Date.UTC(2025, 2, 3, 14, 0);

/** A revenue drop with a full breakdown; override what a test needs. */
export function anomaly(over: Partial<AnomalyRecord> = {}): AnomalyRecord {
  return {
    id: "anm_test",
    metric: "checkout.revenue",
    tagKey: "region=eu",
    tags: { region: "eu" },
    timestamp: T,
    value: 400,
    score: 0.97,
    severity: "critical",
    confidence: 0.9,
    expected: { low: 900, high: 1_100 },
    direction: "down",
    algorithms: [
      { name: "robust_z", score: 0.99, flagged: true, weight: 1 },
      { name: "seasonal", score: 0.95, flagged: true, weight: 1 },
      { name: "iforest", score: 0.4, flagged: false, weight: 1 },
    ],
    breakdown: { value: 400, expected: 1_000, seasonal: 150, scale: 50, robustZ: -9.5, evidence: 14.2, pointScore: 0.97, levelShift: { direction: "down", onsetPointsAgo: 3 }, belowFloor: false },
    status: "open",
    ...over,
  };
}
