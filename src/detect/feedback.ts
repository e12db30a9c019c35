import { MEMBER_NAMES, type MemberName } from "./member.ts";
import type { MemberScore } from "./index.ts";

/**
 * Labelled feedback on a past anomaly moves the per-metric member weights
 * used by the `adaptive` sensitivity: members that flagged a true anomaly
 * gain weight, members that flagged a false one lose it (multiplicative,
 * like Hedge), then weights are renormalised to mean 1 and kept in
 * [MIN_WEIGHT, MAX_WEIGHT] so no member is ever silenced for good.
 */
export type FeedbackLabel = "true_positive" | "false_positive";
export type MemberWeights = Record<MemberName, number>;

export const FEEDBACK_RATE = 0.25;
export const MIN_WEIGHT = 0.1;
export const MAX_WEIGHT = 4;

/** Weights of a metric that has had no feedback yet. */
export function initialWeights(): MemberWeights {
  const w = {} as MemberWeights;
  for (const m of MEMBER_NAMES) w[m] = 1;
  return w;
}

/**
 * Applies one label to the weights, given the anomaly's per-member breakdown
 * (`Verdict.algorithms`). Pure: returns new weights. Unknown member names in
 * the breakdown are ignored; missing weights start at 1.
 */
export function applyFeedback(weights: Partial<Record<string, number>> | null | undefined, breakdown: readonly Pick<MemberScore, "name" | "score" | "flagged">[], label: FeedbackLabel): MemberWeights {
  const w = initialWeights();
  for (const m of MEMBER_NAMES) {
    const v = weights?.[m];
    if (typeof v === "number" && Number.isFinite(v) && v > 0) w[m] = v;
  }
  const sign = label === "true_positive" ? 1 : -1;
  for (const b of breakdown) {
    if (!(MEMBER_NAMES as readonly string[]).includes(b.name)) continue;
    const m = b.name as MemberName;
    // A member's vote is its score; a flag counts fully.
    const vote = b.flagged ? 1 : Math.max(0, Math.min(1, b.score)) ** 4;
    w[m] *= Math.exp(sign * FEEDBACK_RATE * vote);
  }
  const mean = MEMBER_NAMES.reduce((s, m) => s + w[m], 0) / MEMBER_NAMES.length;
  for (const m of MEMBER_NAMES) w[m] = Math.min(MAX_WEIGHT, Math.max(MIN_WEIGHT, w[m] / mean));
  return w;
}
