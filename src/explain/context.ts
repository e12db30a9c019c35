/** What an explainer is told about an anomaly. Everything is data; nothing is fetched. */
import type { AnomalyRecord } from "../series/anomaly.ts";

export interface RelatedMovement {
  metric: string;
  tags?: Record<string, string>;
  /** Relative change over the same window, in percent (+12.5 = up 12.5 %). */
  changePct: number;
  /** Set when the movement was itself an anomaly. */
  anomalyId?: string;
}

export interface ExplainContext {
  anomaly: AnomalyRecord;
  /** Typical spacing between the metric's points, in ms (for the revenue estimate). */
  cadenceMs?: number | null;
  /** How long the episode has lasted, in ms; one cadence when unknown. */
  episodeDurationMs?: number | null;
  /** Other metrics of the tenant that moved in the same window. */
  related?: RelatedMovement[];
  /** ISO 4217 currency of money metrics (default USD). */
  currency?: string;
}
