import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import type { Breakdown, MemberScore } from "../src/detect/index.ts";
import type { Explanation } from "../src/explain/index.ts";
import type { AnomalyRecord } from "../src/series/anomaly.ts";
import { createStore, type AnomalyRow } from "../workers/db/store.ts";
import { readConfig } from "../workers/env.ts";
import { explainAnomaly } from "../workers/explain.ts";
import { ingest, newTenant, steadyPoints, T0 } from "./helpers.ts";
import type { LlmBehaviour } from "./receiver/llm.ts";

// The LLM explainer with the real @anthropic-ai/sdk and openai clients, inside
// workerd, against the local receiver speaking the Messages and Chat
// Completions protocols. The LLM settings are env bindings, so each test calls
// the explainer with the real env plus settings pointing at its own receiver names.

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
}

const store = createStore(env.DB);
const receiver = (path: string) => `${env.RECEIVER_URL}${path}`;

/** Fresh receiver names for both providers, each answering as `behaviour` says. */
async function llmServers(anthropic: LlmBehaviour["mode"] | LlmBehaviour = "ok", openai: LlmBehaviour["mode"] | LlmBehaviour = "ok") {
  const names = { anthropic: `a-${crypto.randomUUID()}`, openai: `o-${crypto.randomUUID()}` };
  for (const [name, b] of [
    [names.anthropic, anthropic],
    [names.openai, openai],
  ] as const) {
    const res = await fetch(receiver(`/_config/${name}`), { method: "POST", body: JSON.stringify(typeof b === "string" ? { mode: b } : b) });
    expect(res.status).toBe(204);
  }
  return {
    ...names,
    received: async (name: string) => (await (await fetch(receiver(`/_received/${name}`))).json()) as Received[],
    /** The real env plus keys and base URLs for both providers (override with `extra`). */
    env: (extra: Partial<Env> = {}): Env => ({
      ...env,
      ANTHROPIC_API_KEY: "sk-ant-test-key",
      ANTHROPIC_BASE_URL: receiver(`/anthropic/${names.anthropic}`),
      ANTHROPIC_MODEL: "claude-test-model",
      OPENAI_API_KEY: "sk-openai-test-key",
      OPENAI_BASE_URL: receiver(`/openai/${names.openai}/v1`),
      OPENAI_MODEL: "gpt-test-model",
      AYVLO_LLM_TIMEOUT_MS: "5000",
      ...extra,
    }),
  };
}

/**
 * A real anomaly row in D1 (a spike ingested and flushed by the Series object),
 * with no explanation yet: the queue consumer explains it first (template, as
 * the test env has no keys), so wait for that and clear it.
 */
async function freshAnomaly(): Promise<{ tenantId: string; anomaly: AnomalyRecord }> {
  const t = await newTenant();
  await ingest(t.key, steadyPoints("checkout.latency_ms", 200));
  const res = await ingest(t.key, [{ metric: "checkout.latency_ms", value: 1e6, timestamp: T0 + 200 * 60_000 }]);
  const [spike] = (await res.json<{ anomalies: Array<{ id: string }> }>()).anomalies;
  expect(spike).toBeDefined();
  let row: AnomalyRow | undefined;
  for (let i = 0; i < 200 && !row?.explanation; i++) {
    [row] = await store.getAnomaliesByIds(t.id, [spike!.id]);
    if (!row?.explanation) await new Promise((r) => setTimeout(r, 50));
  }
  expect(row?.explanation).toMatchObject({ source: "template" });
  await store.setExplanation(t.id, spike!.id, null);
  return { tenantId: t.id, anomaly: recordOf(row!) };
}

function recordOf(row: AnomalyRow): AnomalyRecord {
  return {
    id: row.id,
    metric: row.metric,
    tagKey: row.tagKey,
    tags: row.tags,
    timestamp: row.timestamp,
    value: row.value,
    score: row.score,
    severity: row.severity,
    confidence: row.confidence,
    expected: { low: row.expectedLow, high: row.expectedHigh },
    direction: row.direction as AnomalyRecord["direction"],
    algorithms: row.algorithms as MemberScore[],
    breakdown: row.breakdown as Breakdown | null,
    status: "open",
  };
}

async function storedExplanation(tenantId: string, id: string): Promise<Explanation | null> {
  const [row] = await store.getAnomaliesByIds(tenantId, [id]);
  return (row?.explanation ?? null) as Explanation | null;
}

let warn: MockInstance<typeof console.warn>;
beforeEach(() => {
  warn = vi.spyOn(console, "warn");
});
afterEach(() => {
  warn.mockRestore();
});

/** The `explain.fallback` warnings logged during the test, parsed. */
function fallbacks(): Array<{ anomaly_id: string; provider: string; reason: string; next: string }> {
  return warn.mock.calls.flatMap(([line]) => {
    const entry = typeof line === "string" && line.startsWith("{") ? (JSON.parse(line) as { event?: string }) : null;
    return entry?.event === "explain.fallback" ? [entry as never] : [];
  });
}

describe("LLM explainer (real SDKs against the local receiver)", () => {
  it("uses Anthropic's answer when it is valid, and the SDK sent a well-formed Messages request", async () => {
    const llm = await llmServers("ok", "ok");
    const { tenantId, anomaly } = await freshAnomaly();

    const explanation = await explainAnomaly(llm.env(), store, tenantId, anomaly);

    expect(explanation.source).toBe("anthropic");
    // The canned answer quotes the anomaly id it found in the prompt: the facts reached the model.
    expect(explanation.summary).toBe(`Explained by anthropic: anomaly ${anomaly.id} is far above its expected band.`);
    expect(await storedExplanation(tenantId, anomaly.id)).toEqual(explanation);
    const [request, ...more] = await llm.received(llm.anthropic);
    expect(more).toEqual([]);
    expect(request!.path).toBe(`/anthropic/${llm.anthropic}/v1/messages`);
    expect(request!.status).toBe(200);
    // SDK 1.x sends the API key as a bearer token, with the API version header.
    expect(request!.headers.authorization).toBe("Bearer sk-ant-test-key");
    expect(request!.headers["anthropic-version"]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const body = JSON.parse(request!.body) as { model: string; max_tokens: number; system: string; messages: Array<{ role: string; content: string }> };
    expect(body.model).toBe("claude-test-model");
    expect(body.max_tokens).toBeGreaterThan(0);
    expect(body.system).toContain("Reply with exactly one JSON object");
    expect(body.messages).toHaveLength(1);
    expect(body.messages[0]!.role).toBe("user");
    expect(body.messages[0]!.content).toContain(anomaly.id);
    expect(body.messages[0]!.content).toContain("checkout.latency_ms");
    expect(await llm.received(llm.openai)).toEqual([]);
    expect(fallbacks()).toEqual([]);
  });

  it("falls back to OpenAI when Anthropic answers an error status, without retrying it", async () => {
    const llm = await llmServers({ mode: "error", status: 529 }, "ok");
    const { tenantId, anomaly } = await freshAnomaly();

    const explanation = await explainAnomaly(llm.env(), store, tenantId, anomaly);

    expect(explanation.source).toBe("openai");
    expect(explanation.summary).toBe(`Explained by openai: anomaly ${anomaly.id} is far above its expected band.`);
    expect(await storedExplanation(tenantId, anomaly.id)).toEqual(explanation);
    expect((await llm.received(llm.anthropic)).map((r) => r.status)).toEqual([529]);
    const [request, ...more] = await llm.received(llm.openai);
    expect(more).toEqual([]);
    expect(request!.path).toBe(`/openai/${llm.openai}/v1/chat/completions`);
    expect(request!.headers.authorization).toBe("Bearer sk-openai-test-key");
    const body = JSON.parse(request!.body) as { model: string; messages: Array<{ role: string; content: string }>; response_format: { type: string } };
    expect(body.model).toBe("gpt-test-model");
    expect(body.messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(body.messages[0]!.content).toContain("Reply with exactly one JSON object");
    expect(body.messages[1]!.content).toContain(anomaly.id);
    expect(body.response_format).toEqual({ type: "json_object" });
    expect(fallbacks()).toEqual([expect.objectContaining({ anomaly_id: anomaly.id, provider: "anthropic", next: "openai", reason: expect.stringContaining("529") })]);
  });

  it("uses the template when both providers fail, and logs each fallback", async () => {
    const llm = await llmServers({ mode: "error", status: 500 }, { mode: "error", status: 503 });
    const { tenantId, anomaly } = await freshAnomaly();

    const explanation = await explainAnomaly(llm.env(), store, tenantId, anomaly);

    expect(explanation.source).toBe("template");
    expect(explanation.summary).toContain("checkout.latency_ms");
    expect(await storedExplanation(tenantId, anomaly.id)).toEqual(explanation);
    expect((await llm.received(llm.anthropic)).map((r) => r.status)).toEqual([500]);
    expect((await llm.received(llm.openai)).map((r) => r.status)).toEqual([503]);
    expect(fallbacks().map((f) => [f.provider, f.next])).toEqual([
      ["anthropic", "openai"],
      ["openai", "template"],
    ]);
    // The reason is logged, the key is not.
    expect(JSON.stringify(warn.mock.calls)).not.toContain("sk-ant-test-key");
  });

  it("falls back when the answer is not JSON", async () => {
    const llm = await llmServers("invalid", "ok");
    const { tenantId, anomaly } = await freshAnomaly();

    const explanation = await explainAnomaly(llm.env(), store, tenantId, anomaly);

    expect(explanation.source).toBe("openai");
    expect((await llm.received(llm.anthropic)).map((r) => r.status)).toEqual([200]);
    expect(fallbacks()).toEqual([expect.objectContaining({ provider: "anthropic", next: "openai", reason: "no JSON object in the response" })]);
  });

  it("rejects JSON that is not an explanation (zod) and, with OpenAI alone in the order, uses the template", async () => {
    const llm = await llmServers("ok", "wrong-shape");
    const { tenantId, anomaly } = await freshAnomaly();

    const explanation = await explainAnomaly(llm.env({ AYVLO_LLM_ORDER: "openai" }), store, tenantId, anomaly);

    expect(explanation.source).toBe("template");
    expect(await llm.received(llm.anthropic)).toEqual([]);
    expect(await llm.received(llm.openai)).toHaveLength(1);
    expect(fallbacks()).toEqual([expect.objectContaining({ provider: "openai", next: "template", reason: expect.stringContaining("invalid explanation") })]);
  });

  it("follows AYVLO_LLM_ORDER: OpenAI first, Anthropic never asked", async () => {
    const llm = await llmServers("ok", "ok");
    const { tenantId, anomaly } = await freshAnomaly();

    const explanation = await explainAnomaly(llm.env({ AYVLO_LLM_ORDER: "openai,anthropic" }), store, tenantId, anomaly);

    expect(explanation.source).toBe("openai");
    expect(await llm.received(llm.anthropic)).toEqual([]);
    expect(await llm.received(llm.openai)).toHaveLength(1);
  });

  it("gives up on a slow provider after AYVLO_LLM_TIMEOUT_MS and falls back", async () => {
    const llm = await llmServers({ mode: "slow", delayMs: 10_000 }, "ok");
    const { tenantId, anomaly } = await freshAnomaly();

    const started = Date.now();
    const explanation = await explainAnomaly(llm.env({ AYVLO_LLM_TIMEOUT_MS: "300" }), store, tenantId, anomaly);
    const elapsed = Date.now() - started;

    expect(explanation.source).toBe("openai");
    expect(elapsed).toBeLessThan(5_000);
    expect(await llm.received(llm.anthropic)).toHaveLength(1);
    expect(fallbacks()).toEqual([expect.objectContaining({ provider: "anthropic", next: "openai", reason: expect.stringMatching(/timed out/i) })]);
  });

  it("with no keys uses the template and sends nothing", async () => {
    const llm = await llmServers("ok", "ok");
    const { tenantId, anomaly } = await freshAnomaly();

    const explanation = await explainAnomaly(llm.env({ ANTHROPIC_API_KEY: "", OPENAI_API_KEY: "" }), store, tenantId, anomaly);

    expect(explanation.source).toBe("template");
    expect(await storedExplanation(tenantId, anomaly.id)).toEqual(explanation);
    expect(await llm.received(llm.anthropic)).toEqual([]);
    expect(await llm.received(llm.openai)).toEqual([]);
    expect(fallbacks()).toEqual([]);
  });

  it("returns the cached explanation without asking any provider again", async () => {
    const llm = await llmServers("ok", "ok");
    const { tenantId, anomaly } = await freshAnomaly();
    const first = await explainAnomaly(llm.env(), store, tenantId, anomaly);
    expect(first.source).toBe("anthropic");

    // Now Anthropic would fail and OpenAI would answer: a recomputation would say "openai".
    await fetch(receiver(`/_config/${llm.anthropic}`), { method: "POST", body: JSON.stringify({ mode: "error" }) });
    const again = await explainAnomaly(llm.env(), store, tenantId, anomaly);

    expect(again).toEqual(first);
    expect(await llm.received(llm.anthropic)).toEqual([]); // reset by the re-configuration: nothing arrived since
    expect(await llm.received(llm.openai)).toEqual([]);
  });

  it("refuses LLM settings that make no sense when the env is read", () => {
    expect(() => readConfig({ ...env, AYVLO_LLM_ORDER: "anthropic,gemini" })).toThrow();
    expect(() => readConfig({ ...env, AYVLO_LLM_ORDER: "openai,openai" })).toThrow(/twice/);
    expect(() => readConfig({ ...env, ANTHROPIC_BASE_URL: "not a url" })).toThrow();
    expect(() => readConfig({ ...env, AYVLO_LLM_TIMEOUT_MS: "soon" })).toThrow();
    const config = readConfig({ ...env, AYVLO_LLM_ORDER: " openai , anthropic ", ANTHROPIC_API_KEY: "  " });
    expect(config.AYVLO_LLM_ORDER).toEqual(["openai", "anthropic"]);
    expect(config.ANTHROPIC_API_KEY).toBeUndefined();
    expect(config.AYVLO_LLM_TIMEOUT_MS).toBe(8_000);
  });
});
