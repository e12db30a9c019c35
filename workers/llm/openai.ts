import OpenAI from "openai";
import type { ConfiguredProvider, LlmSettings } from "./provider.ts";

/** Enough for the explanation JSON (a few hundred words); a longer answer is cut and then fails validation. */
const MAX_TOKENS = 2_048;

/**
 * OpenAI (or a compatible server) through Chat Completions (`POST {baseURL}/chat/completions`,
 * the base URL ending in /v1); throws on an HTTP error, a timeout, a refusal or an empty answer.
 */
export function openaiProvider(settings: LlmSettings): ConfiguredProvider {
  return {
    source: "openai",
    model: settings.model,
    async complete(prompt) {
      // maxRetries 0: falling back to the next provider is the retry, and it keeps the timeout a bound.
      // baseURL null (not undefined) so the SDK does not read OPENAI_BASE_URL from process.env itself.
      const client = new OpenAI({ apiKey: settings.apiKey, baseURL: settings.baseURL ?? null, timeout: settings.timeoutMs, maxRetries: 0 });
      const completion = await client.chat.completions.create({
        model: settings.model,
        messages: [
          { role: "system", content: prompt.system },
          { role: "user", content: prompt.user },
        ],
        response_format: { type: "json_object" },
        max_completion_tokens: MAX_TOKENS,
      });
      const choice = completion.choices[0];
      if (choice?.message.refusal) throw new Error(`refused: ${choice.message.refusal.slice(0, 200)}`);
      const text = choice?.message.content ?? "";
      if (text.trim() === "") throw new Error(`no text in the answer (finish_reason ${choice?.finish_reason ?? "none"})`);
      return text;
    },
  };
}
