/** Explanations: the schema, the template explainer, and the pure half of the LLM explainer. */
export { ExplanationSchema, type Explanation, type ExplanationSource } from "./schema.ts";
export type { ExplainContext, RelatedMovement } from "./context.ts";
export { anomalyFacts, explainWithTemplate, type AnomalyFacts } from "./template.ts";
export { estimateRevenueImpact, isMoneyMetric, type RevenueEstimate } from "./revenue.ts";
export { buildPrompt, type Prompt } from "./prompt.ts";
export { extractJsonObject, parseLlmExplanation, type ParsedExplanation } from "./parse.ts";
export { formatDuration, formatNumber, seriesLabel } from "./format.ts";
export { explainWithFallback, type ExplainAttempt, type LlmProvider } from "./llm.ts";
