/**
 * The LLM prompt: a system message that fixes the output format (one JSON
 * object matching ExplanationSchema, minus `source`) and the rules (cite the
 * numbers given, invent nothing), and a user message holding the facts as JSON.
 * The template's revenue estimate is passed in so the model does not redo
 * arithmetic it may get wrong.
 */
import type { ExplainContext } from "./context.ts";
import { estimateRevenueImpact } from "./revenue.ts";
import { anomalyFacts } from "./template.ts";

export interface Prompt {
  system: string;
  user: string;
}

const OUTPUT_SHAPE = `{
  "summary": string,                       // one or two sentences citing value, expected band and deviation
  "likely_causes": [{ "cause": string, "confidence": number between 0 and 1 }],   // at most 5, most likely first
  "business_impact": {
    "summary": string,
    "revenue_estimate"?: { "amount": number >= 0, "currency": "ISO 4217 code", "basis": string }   // only if given in the facts
  },
  "recommendations": { "immediate": [string], "short_term": [string], "long_term": [string] },      // at most 5 each
  "views": { "technical": string, "business": string, "executive": string }                        // executive: one line
}`;

/** System and user messages asking for an explanation as JSON. */
export function buildPrompt(ctx: ExplainContext): Prompt {
  const a = ctx.anomaly;
  const facts = anomalyFacts(ctx);
  const revenue = estimateRevenueImpact(ctx);
  const system = [
    "You are Ayvlo's incident analyst. You explain one metric anomaly to the people who must act on it.",
    "Reply with exactly one JSON object and nothing else (no prose, no code fence), of this shape:",
    OUTPUT_SHAPE,
    "Rules:",
    "- Use only the facts provided. Cite their numbers; do not invent events, deploys, customers or figures.",
    "- Confidence values are probabilities between 0 and 1 and should reflect the evidence given.",
    "- Include business_impact.revenue_estimate only when the facts contain revenue_estimate; copy its amount and currency and keep 'estimate' in the basis.",
    "- technical: for engineers (detectors, deviation, seasonality, level shift). business: plain language. executive: one sentence.",
  ].join("\n");
  const user = JSON.stringify(
    {
      anomaly: {
        id: a.id,
        series: facts.series,
        metric: a.metric,
        tags: a.tags,
        at: facts.at,
        value: a.value,
        expected_band: { low: a.expected.low, high: a.expected.high },
        expected_value: facts.expected,
        position: facts.side,
        deviation_robust_sigma: facts.deviation,
        direction: a.direction,
        severity: a.severity,
        score: a.score,
        confidence: a.confidence,
      },
      detectors: a.algorithms.map((m) => ({ name: m.name, score: m.score, flagged: m.flagged })),
      seasonal_component: facts.seasonal,
      level_shift: facts.levelShift,
      related_movements_same_window: facts.related,
      cadence_ms: ctx.cadenceMs ?? null,
      episode_duration_ms: ctx.episodeDurationMs ?? null,
      revenue_estimate: revenue,
    },
    null,
    2,
  );
  return { system, user: `Explain this anomaly.\n\nFacts:\n${user}` };
}
