import Anthropic from "@anthropic-ai/sdk";
import type { ConfiguredProvider, LlmSettings } from "./provider.ts";

/** Enough for the explanation JSON (a few hundred words); a longer answer is cut and then fails validation. */
const MAX_TOKENS = 2_048;

/** Claude through the Messages API (`POST {baseURL}/v1/messages`); throws on an HTTP error, a timeout or an empty answer. */
export function anthropicProvider(settings: LlmSettings): ConfiguredProvider {
  return {
    source: "anthropic",
    model: settings.model,
    async complete(prompt) {
      // maxRetries 0: falling back to the next provider is the retry, and it keeps the timeout a bound.
      // baseURL null (not undefined) so the SDK does not read ANTHROPIC_BASE_URL from process.env itself.
      const client = new Anthropic({ apiKey: settings.apiKey, baseURL: settings.baseURL ?? null, timeout: settings.timeoutMs, maxRetries: 0 });
      const message = await client.messages.create({
        model: settings.model,
        max_tokens: MAX_TOKENS,
        system: prompt.system,
        messages: [{ role: "user", content: prompt.user }],
      });
      const text = message.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
      if (text.trim() === "") throw new Error(`no text in the answer (stop_reason ${message.stop_reason})`);
      return text;
    },
  };
}
