/**
 * The template explainer: always available, no network, and every sentence
 * cites the numbers it rests on — value against the expected band, deviation
 * in robust units, the members that flagged, the seasonal baseline, a recent
 * level shift, and other metrics of the tenant that moved in the same window.
 */
import type { ExplainContext, RelatedMovement } from "./context.ts";
import { formatNumber as n, seriesLabel } from "./format.ts";
import { estimateRevenueImpact } from "./revenue.ts";
import type { Explanation } from "./schema.ts";

/** Facts both explainers use, computed once. */
export interface AnomalyFacts {
  series: string;
  at: string;
  value: number;
  low: number;
  high: number;
  expected: number;
  /** Signed distance from the expected value in robust units (sigma-equivalent), or null without a breakdown. */
  deviation: number | null;
  side: "above" | "below" | "inside";
  flagged: Array<{ name: string; score: number }>;
  seasonal: number;
  levelShift: { direction: "up" | "down"; onsetPointsAgo: number } | null;
  related: RelatedMovement[];
}

/** The numbers an explanation cites, from the anomaly and its breakdown. */
export function anomalyFacts(ctx: ExplainContext): AnomalyFacts {
  const a = ctx.anomaly;
  const b = a.breakdown;
  const expected = b?.expected ?? (a.expected.low + a.expected.high) / 2;
  const deviation = b && b.scale > 0 ? (a.value - expected) / b.scale : null;
  return {
    series: seriesLabel(a.metric, a.tags),
    at: new Date(a.timestamp).toISOString(),
    value: a.value,
    low: a.expected.low,
    high: a.expected.high,
    expected,
    deviation,
    side: a.value > a.expected.high ? "above" : a.value < a.expected.low ? "below" : "inside",
    flagged: a.algorithms.filter((m) => m.flagged).map((m) => ({ name: m.name, score: m.score })),
    seasonal: b?.seasonal ?? 0,
    levelShift: b?.levelShift ?? null,
    related: [...(ctx.related ?? [])].sort((x, y) => Math.abs(y.changePct) - Math.abs(x.changePct)).slice(0, 5),
  };
}

/** A complete explanation from the anomaly's own numbers; never fails. */
export function explainWithTemplate(ctx: ExplainContext): Explanation {
  const a = ctx.anomaly;
  const f = anomalyFacts(ctx);
  const pct = f.expected !== 0 ? ((f.value - f.expected) / Math.abs(f.expected)) * 100 : null;
  const where = f.side === "inside" ? `inside the expected ${n(f.low)}–${n(f.high)}` : `${f.side} the expected ${n(f.low)}–${n(f.high)}`;
  const dev = f.deviation !== null ? `, ${n(Math.abs(f.deviation))} robust σ ${f.deviation >= 0 ? "above" : "below"} the expected ${n(f.expected)}` : "";
  const summary = `${f.series} was ${n(f.value)} at ${f.at}, ${where}${dev}${pct !== null ? ` (${pct >= 0 ? "+" : ""}${n(pct)} %)` : ""}. Severity ${a.severity}, confidence ${n(a.confidence * 100)} %.`;

  const members = f.flagged.length > 0 ? `${f.flagged.length} of ${a.algorithms.length} detectors flagged it: ${f.flagged.map((m) => `${m.name} (${n(m.score)})`).join(", ")}.` : `No single detector flagged it on its own; the combined score was ${n(a.score)}.`;
  const seasonal = f.seasonal !== 0 ? `The baseline for this time includes a seasonal component of ${f.seasonal >= 0 ? "+" : ""}${n(f.seasonal)} over a level of ${n(f.expected - f.seasonal)}, so the usual pattern for this hour/day is already accounted for.` : null;
  const shift = f.levelShift ? `A level shift ${f.levelShift.direction} began about ${f.levelShift.onsetPointsAgo} point${f.levelShift.onsetPointsAgo === 1 ? "" : "s"} ago: this looks like a new level rather than a one-off spike.` : null;
  const related = f.related.length > 0 ? `In the same window: ${f.related.map((r) => `${seriesLabel(r.metric, r.tags)} ${r.changePct >= 0 ? "+" : ""}${n(r.changePct)} %`).join(", ")}.` : null;

  const likely_causes: Explanation["likely_causes"] = [];
  if (f.levelShift) likely_causes.push({ cause: `A step change ${f.levelShift.direction} about ${f.levelShift.onsetPointsAgo} points ago — typically a deploy, a configuration or pricing change, or a partial outage.`, confidence: 0.6 });
  if (f.related.length > 0) {
    const top = f.related[0]!;
    likely_causes.push({ cause: `A shared cause with ${seriesLabel(top.metric, top.tags)}, which moved ${top.changePct >= 0 ? "+" : ""}${n(top.changePct)} % in the same window.`, confidence: Math.min(0.7, 0.3 + 0.1 * f.related.length) });
  }
  if (!f.levelShift) likely_causes.push({ cause: `A transient ${a.direction === "down" ? "drop" : "spike"} — a burst of traffic, a batch job, a retry storm or a data-collection glitch.`, confidence: f.flagged.length >= 3 ? 0.35 : 0.45 });
  if (f.seasonal !== 0) likely_causes.push({ cause: "A departure from the usual seasonal pattern (a holiday, campaign or schedule change).", confidence: 0.25 });

  const revenue = estimateRevenueImpact(ctx);
  const impactSummary = revenue
    ? `If the gap persisted for the whole episode, about ${n(revenue.amount)} ${revenue.currency} ${f.side === "below" ? "missing" : "above plan"} (estimate).`
    : `${f.series} is ${f.side === "inside" ? "unusual for its recent behaviour" : `${f.side} its normal range`}; the impact depends on what depends on it.`;

  const technical = [summary, members, f.deviation !== null && a.breakdown ? `Robust z against the window ${n(a.breakdown.robustZ)}, residual scale ${n(a.breakdown.scale)}, evidence ${n(a.breakdown.evidence)}.` : null, seasonal, shift, related].filter(Boolean).join(" ");
  const business = [`${f.series} ${f.side === "below" ? "fell to" : f.side === "above" ? "rose to" : "reached"} ${n(f.value)} where about ${n(f.expected)} was expected.`, shift ? "It looks like a lasting change." : "It may be a one-off.", revenue ? impactSummary : null, related].filter(Boolean).join(" ");
  const executive = `${a.severity === "critical" ? "Critical: " : ""}${a.metric} ${f.side === "below" ? "down" : f.side === "above" ? "up" : "unusual"}${pct !== null ? ` ${n(Math.abs(pct))} %` : ""} vs expected${revenue ? `; est. impact ${n(revenue.amount)} ${revenue.currency}` : ""}.`;

  return {
    summary,
    likely_causes,
    business_impact: revenue ? { summary: impactSummary, revenue_estimate: revenue } : { summary: impactSummary },
    recommendations: {
      immediate: [
        `Check deploys, configuration and feature-flag changes around ${f.at}${f.levelShift ? ` and ${f.levelShift.onsetPointsAgo} points before it` : ""}.`,
        ...(f.related.length > 0 ? [`Look at ${f.related.map((r) => r.metric).join(", ")} together with ${a.metric}.`] : []),
        "Confirm the data itself: a collector or pipeline fault looks like an anomaly too.",
      ],
      short_term: ["Label this anomaly (true or false alarm) so the detector's weights adapt.", shift ? "If the new level is expected, let the baseline settle or adjust the metric's sensitivity." : "Watch whether it recurs at the same time of day or week."],
      long_term: ["Add the likely cause to the runbook for this metric.", "Review the alert rule's grouping and severity threshold if this was noise."],
    },
    views: { technical, business, executive },
    source: "template",
  };
}
