import { describe, expect, it } from "vitest";
import { buildPrompt, estimateRevenueImpact, explainWithTemplate, ExplanationSchema, extractJsonObject, isMoneyMetric, parseLlmExplanation } from "../../../src/explain/index.ts";
import { anomaly } from "./helpers.ts";

const FIVE_MIN = 300_000;

describe("template explainer", () => {
  it("produces a valid explanation citing value, band, deviation and members", () => {
    const e = explainWithTemplate({ anomaly: anomaly(), cadenceMs: FIVE_MIN, episodeDurationMs: 12 * FIVE_MIN });
    expect(ExplanationSchema.parse(e)).toEqual(e);
    expect(e.source).toBe("template");
    expect(e.summary).toContain('checkout.revenue{region="eu"} was 400');
    expect(e.summary).toContain("below the expected 900–1,100");
    expect(e.summary).toContain("12 robust σ below the expected 1,000");
    expect(e.summary).toContain("-60 %");
    expect(e.views.technical).toContain("2 of 3 detectors flagged it: robust_z (0.99), seasonal (0.95)");
  });

  it("cites the seasonal baseline and a recent level shift", () => {
    const e = explainWithTemplate({ anomaly: anomaly() });
    expect(e.views.technical).toContain("seasonal component of +150 over a level of 850");
    expect(e.views.technical).toContain("level shift down began about 3 points ago");
    expect(e.likely_causes[0]?.cause).toContain("step change down about 3 points ago");
  });

  it("names other metrics that moved in the same window, biggest first", () => {
    const e = explainWithTemplate({ anomaly: anomaly(), related: [{ metric: "checkout.errors", changePct: 35 }, { metric: "payments.latency_ms", tags: { psp: "x" }, changePct: 240.5 }] });
    expect(e.views.technical).toContain('In the same window: payments.latency_ms{psp="x"} +240.5 %, checkout.errors +35 %.');
    expect(e.likely_causes.some((c) => c.cause.includes("payments.latency_ms"))).toBe(true);
  });

  it("estimates revenue impact for money metrics, labelled as an estimate", () => {
    const e = explainWithTemplate({ anomaly: anomaly(), cadenceMs: FIVE_MIN, episodeDurationMs: 60 * 60_000, currency: "EUR" });
    expect(e.business_impact.revenue_estimate).toMatchObject({ amount: 7_200, currency: "EUR" });
    expect(e.business_impact.revenue_estimate?.basis).toMatch(/^Estimate: \|400 − 1,000 expected\| × 12 points \(1 h at a 5 min cadence\)/);
    expect(e.business_impact.summary).toContain("(estimate)");
  });

  it("gives no revenue estimate for other metrics", () => {
    const e = explainWithTemplate({ anomaly: anomaly({ metric: "api.latency_ms", direction: "up", value: 900, expected: { low: 100, high: 200 }, breakdown: null }) });
    expect(e.business_impact.revenue_estimate).toBeUndefined();
    expect(e.summary).toContain("above the expected 100–200");
    expect(e.likely_causes.some((c) => c.cause.includes("transient spike"))).toBe(true);
  });

  it("works without a breakdown or flagged members", () => {
    const a = anomaly({ breakdown: null, algorithms: [{ name: "esd", score: 0.3, flagged: false, weight: 1 }] });
    const e = explainWithTemplate({ anomaly: a });
    expect(ExplanationSchema.safeParse(e).success).toBe(true);
    expect(e.views.technical).toContain("No single detector flagged it");
    expect(e.summary).not.toContain("robust σ");
  });

  it("never fails on odd numbers (zero expected, negative, huge)", () => {
    for (const [value, low, high] of [[0, 0, 0], [-5, -1, 1], [1e12, 1, 2], [0.0001, 0.001, 0.002]] as const) {
      const e = explainWithTemplate({ anomaly: anomaly({ value, expected: { low, high }, breakdown: null }) });
      expect(ExplanationSchema.safeParse(e).success).toBe(true);
    }
  });
});

describe("revenue metrics", () => {
  it.each([
    ["revenue", true], ["checkout.revenue", true], ["daily_sales", true], ["gmv", true], ["MRR", true], ["arr_usd", true],
    ["orders_value", true], ["shop.order_value.eur", true], ["totalRevenue", true],
    ["arrivals", false], ["latency_ms", false], ["orders_count", false], ["error_rate", false], ["array_size", false],
  ])("%s → %s", (metric, money) => expect(isMoneyMetric(metric)).toBe(money));

  it("uses one point when cadence is unknown", () => {
    expect(estimateRevenueImpact({ anomaly: anomaly() })).toMatchObject({ amount: 600, currency: "USD" });
  });
  it("rounds the episode to whole points, at least one", () => {
    expect(estimateRevenueImpact({ anomaly: anomaly(), cadenceMs: FIVE_MIN, episodeDurationMs: 1_000 })?.amount).toBe(600);
    expect(estimateRevenueImpact({ anomaly: anomaly(), cadenceMs: FIVE_MIN, episodeDurationMs: 7.4 * FIVE_MIN })?.amount).toBe(4_200);
  });
});

describe("LLM prompt", () => {
  it("asks for JSON and carries the facts", () => {
    const p = buildPrompt({ anomaly: anomaly(), cadenceMs: FIVE_MIN, episodeDurationMs: FIVE_MIN, related: [{ metric: "checkout.errors", changePct: 35 }] });
    expect(p.system).toContain("exactly one JSON object");
    expect(p.system).toContain('"likely_causes"');
    const facts = JSON.parse(p.user.slice(p.user.indexOf("{")));
    expect(facts.anomaly).toMatchObject({ value: 400, expected_band: { low: 900, high: 1_100 }, deviation_robust_sigma: -12, severity: "critical" });
    expect(facts.detectors).toHaveLength(3);
    expect(facts.related_movements_same_window).toEqual([{ metric: "checkout.errors", changePct: 35 }]);
    expect(facts.revenue_estimate.amount).toBe(600);
    expect(facts.level_shift).toEqual({ direction: "down", onsetPointsAgo: 3 });
  });
});

describe("parsing an LLM answer", () => {
  const valid = () => {
    const { source: _source, ...rest } = explainWithTemplate({ anomaly: anomaly() });
    return rest;
  };

  it("accepts a bare object, a fenced one, and one inside prose, and stamps the provider", () => {
    const json = JSON.stringify(valid());
    for (const text of [json, "```json\n" + json + "\n```", `Here you go: {not json} ${json} Thanks!`]) {
      const r = parseLlmExplanation(text, "anthropic");
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.explanation.source).toBe("anthropic");
    }
  });

  it("overrides a source the model claims", () => {
    const r = parseLlmExplanation(JSON.stringify({ ...valid(), source: "template" }), "openai");
    expect(r.ok && r.explanation.source).toBe("openai");
  });

  it("keeps braces inside strings intact", () => {
    const text = JSON.stringify({ ...valid(), summary: "value } was { odd \" here" });
    const r = parseLlmExplanation(text, "openai");
    expect(r.ok && r.explanation.summary).toBe('value } was { odd " here');
  });

  it("refuses text without JSON and objects that break the schema", () => {
    expect(parseLlmExplanation("I cannot help with that.", "openai")).toEqual({ ok: false, reason: "no JSON object in the response" });
    const bad = parseLlmExplanation(JSON.stringify({ ...valid(), likely_causes: [{ cause: "x", confidence: 85 }] }), "openai");
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.reason).toContain("likely_causes");
    expect(parseLlmExplanation(JSON.stringify({ summary: "only" }), "anthropic").ok).toBe(false);
    expect(parseLlmExplanation("{" + "x".repeat(100_001), "anthropic")).toEqual({ ok: false, reason: "response too long" });
  });

  it("extracts only objects", () => {
    expect(extractJsonObject('[1,2] {"a":1}')).toEqual({ a: 1 });
    expect(extractJsonObject("{ unbalanced")).toBeUndefined();
    expect(extractJsonObject('{ "outer": {"a":1}')).toEqual({ a: 1 });
  });
});
