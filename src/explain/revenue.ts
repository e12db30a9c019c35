/**
 * Revenue impact of an anomaly on a money metric: the gap between the value
 * and the middle of the expected band, times the number of points the episode
 * spans at the metric's cadence. A rough estimate, and labelled as one.
 */
import type { ExplainContext } from "./context.ts";
import { formatDuration, formatNumber } from "./format.ts";

const MONEY_WORDS = new Set(["revenue", "revenues", "sales", "gmv", "mrr", "arr", "income", "bookings", "turnover", "tpv", "aov", "earnings"]);
const MONEY_PHRASES = ["orders_value", "order_value", "cart_value", "basket_value", "payment_volume", "transaction_value", "gross_merchandise"];

/** True when the metric name suggests money (revenue, sales, gmv, mrr, arr, orders_value…). */
export function isMoneyMetric(metric: string): boolean {
  const snake = metric.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
  const normalized = snake.replace(/[^a-z0-9]+/g, "_");
  if (MONEY_PHRASES.some((p) => normalized.includes(p))) return true;
  return normalized.split("_").some((word) => MONEY_WORDS.has(word));
}

export interface RevenueEstimate {
  amount: number;
  currency: string;
  basis: string;
}

/** The estimate for a money metric, or null for any other metric. */
export function estimateRevenueImpact(ctx: ExplainContext): RevenueEstimate | null {
  const { anomaly } = ctx;
  if (!isMoneyMetric(anomaly.metric)) return null;
  const midpoint = (anomaly.expected.low + anomaly.expected.high) / 2;
  const gap = Math.abs(anomaly.value - midpoint);
  const cadence = ctx.cadenceMs && ctx.cadenceMs > 0 ? ctx.cadenceMs : null;
  const duration = ctx.episodeDurationMs && ctx.episodeDurationMs > 0 ? ctx.episodeDurationMs : cadence;
  const points = cadence && duration ? Math.max(1, Math.round(duration / cadence)) : 1;
  const currency = ctx.currency ?? "USD";
  const amount = Math.round(gap * points * 100) / 100;
  const span = cadence && duration ? ` (${formatDuration(duration)} at a ${formatDuration(cadence)} cadence)` : " (one point; cadence unknown)";
  const basis = `Estimate: |${formatNumber(anomaly.value)} − ${formatNumber(midpoint)} expected| × ${points} point${points === 1 ? "" : "s"}${span}, ${currency}. Assumes every point of the episode was off by as much as this one.`;
  return { amount, currency, basis };
}
