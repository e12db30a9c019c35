/**
 * Provider order and fallback for LLM explanations, with the calls themselves
 * passed in (the caller owns the SDK clients and the timeout, e.g. with an
 * AbortSignal). Providers are tried in the given order; a call that throws or
 * an answer that fails validation moves on to the next; when none succeeds the
 * template's explanation is returned. Every attempt is reported, for logs.
 */
import type { ExplainContext } from "./context.ts";
import { parseLlmExplanation } from "./parse.ts";
import { buildPrompt, type Prompt } from "./prompt.ts";
import type { Explanation } from "./schema.ts";
import { explainWithTemplate } from "./template.ts";

export interface LlmProvider {
  source: "anthropic" | "openai";
  /** Sends the prompt and returns the model's text. May throw (network, timeout, refusal). */
  complete(prompt: Prompt): Promise<string>;
}

export interface ExplainAttempt {
  source: LlmProvider["source"];
  ok: boolean;
  reason?: string;
}

/** The first valid LLM explanation in provider order, else the template's. */
export async function explainWithFallback(ctx: ExplainContext, providers: readonly LlmProvider[]): Promise<{ explanation: Explanation; attempts: ExplainAttempt[] }> {
  const attempts: ExplainAttempt[] = [];
  if (providers.length > 0) {
    const prompt = buildPrompt(ctx);
    for (const provider of providers) {
      let text: string;
      try {
        text = await provider.complete(prompt);
      } catch (error) {
        attempts.push({ source: provider.source, ok: false, reason: `call failed: ${error instanceof Error ? error.message : String(error)}` });
        continue;
      }
      const parsed = parseLlmExplanation(text, provider.source);
      if (parsed.ok) {
        attempts.push({ source: provider.source, ok: true });
        return { explanation: parsed.explanation, attempts };
      }
      attempts.push({ source: provider.source, ok: false, reason: parsed.reason });
    }
  }
  return { explanation: explainWithTemplate(ctx), attempts };
}
