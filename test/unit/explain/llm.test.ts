import { describe, expect, it } from "vitest";
import { explainWithFallback, explainWithTemplate, type LlmProvider } from "../../../src/explain/index.ts";
import { anomaly } from "./helpers.ts";

const answer = () => {
  const { source: _s, ...rest } = explainWithTemplate({ anomaly: anomaly() });
  return JSON.stringify({ ...rest, summary: "From the model: revenue fell to 400." });
};

describe("LLM explainer fallback", () => {
  it("uses the first provider that answers validly", async () => {
    const calls: string[] = [];
    const providers: LlmProvider[] = [
      { source: "anthropic", complete: async (p) => (calls.push(`anthropic:${p.system.length > 0}`), "```json\n" + answer() + "\n```") },
      { source: "openai", complete: async () => (calls.push("openai"), answer()) },
    ];
    const r = await explainWithFallback({ anomaly: anomaly() }, providers);
    expect(r.explanation).toMatchObject({ source: "anthropic", summary: "From the model: revenue fell to 400." });
    expect(calls).toEqual(["anthropic:true"]);
    expect(r.attempts).toEqual([{ source: "anthropic", ok: true }]);
  });

  it("moves on after a failed call or an invalid answer, in order", async () => {
    const providers: LlmProvider[] = [
      { source: "anthropic", complete: async () => { throw new Error("timeout"); } },
      { source: "openai", complete: async () => "Sorry, no JSON today." },
    ];
    const r = await explainWithFallback({ anomaly: anomaly() }, providers);
    expect(r.explanation.source).toBe("template");
    expect(r.attempts).toEqual([
      { source: "anthropic", ok: false, reason: "call failed: timeout" },
      { source: "openai", ok: false, reason: "no JSON object in the response" },
    ]);
  });

  it("falls back to the template with no providers", async () => {
    const r = await explainWithFallback({ anomaly: anomaly() }, []);
    expect(r).toEqual({ explanation: explainWithTemplate({ anomaly: anomaly() }), attempts: [] });
  });

  it("the second provider wins when the first answers invalid JSON", async () => {
    const r = await explainWithFallback({ anomaly: anomaly() }, [
      { source: "anthropic", complete: async () => '{"summary": 1}' },
      { source: "openai", complete: async () => answer() },
    ]);
    expect(r.explanation.source).toBe("openai");
    expect(r.attempts.map((a) => a.ok)).toEqual([false, true]);
  });
});
