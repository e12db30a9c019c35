/**
 * The detector's public interface. The Series Durable Object and the offline
 * scorer (`npm run score`) use only what this file exports, so the ensemble
 * behind it can change without touching them.
 */
export type Sensitivity = "low" | "medium" | "high" | "adaptive";
export type Seasonality = "auto" | "none" | "hourly" | "daily" | "weekly";
export type Direction = "up" | "down" | "both";
export type Severity = "info" | "warning" | "critical";

export interface DetectorConfig {
  sensitivity: Sensitivity;
  seasonality: Seasonality;
  direction: Direction;
  /** No alert is raised before this many points have been seen. */
  minPoints: number;
  /** Names of the members to run; all when absent (see MEMBER_NAMES). */
  algorithms?: string[];
  /** Values kept in the sliding window (default 1024). */
  window?: number;
  /** Per-member weight multipliers learned from feedback (see applyFeedback); used by `adaptive`. */
  weights?: Partial<Record<string, number>>;
  /** Magnitude floor: changes smaller than max(abs, rel × |expected|) never alert. */
  minDelta?: { abs?: number; rel?: number };
  /** Seed of the detector's PRNG (Isolation Forest sampling). */
  seed?: number;
}

export const DEFAULT_DETECTOR_CONFIG: DetectorConfig = {
  sensitivity: "medium",
  seasonality: "auto",
  direction: "both",
  minPoints: 30,
};

export interface MemberScore {
  name: string;
  score: number;
  flagged: boolean;
  weight: number;
}

export interface Verdict {
  /** Probability-like anomaly score in [0, 1]. */
  score: number;
  /** True when this point opens a new anomaly episode (one alert per episode). */
  anomalous: boolean;
  severity: Severity;
  confidence: number;
  expected: { low: number; high: number };
  direction: "up" | "down" | null;
  /** Deviation from the expected value in robust units (MAD-scaled). */
  deviation: number;
  /** True while fewer than `minPoints` points have been seen. */
  warmingUp: boolean;
  algorithms: MemberScore[];
  /** What the ensemble saw; null for a point that was skipped (non-finite value or time). */
  breakdown?: Breakdown | null;
}

export interface Breakdown {
  value: number;
  /** Seasonal baseline: level + daily/weekly components. */
  expected: number;
  /** The seasonal part of `expected` (0 when no seasonality is detected). */
  seasonal: number;
  /** Sigma-equivalent scale of the residual. */
  scale: number;
  /** Robust z of the value against the window (median/MAD). */
  robustZ: number;
  /** Combined evidence, −ln p, before the one-alert-per-episode gate. */
  evidence: number;
  /** The point's own anomaly probability, before the gate (`score` is after it). */
  pointScore: number;
  /** Set when the change-point member confirms a level shift on this point. */
  levelShift: { direction: "up" | "down"; onsetPointsAgo: number } | null;
  /** True when the change was under the magnitude floor. */
  belowFloor: boolean;
}

/** JSON-serializable detector state. */
export type DetectorSnapshot = { v: number } & Record<string, unknown>;

export interface Detector {
  /** Scores one point from the past alone, then learns from it. */
  update(timestamp: number, value: number): Verdict;
  snapshot(): DetectorSnapshot;
}

export { createDetector } from "./create.ts";
export { applyFeedback, initialWeights, type FeedbackLabel, type MemberWeights } from "./feedback.ts";
export { MEMBER_NAMES, type MemberName } from "./member.ts";
