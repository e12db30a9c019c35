import type { Config } from "../env.ts";
import { anthropicProvider } from "./anthropic.ts";
import { openaiProvider } from "./openai.ts";
import type { ConfiguredProvider } from "./provider.ts";

export type { ConfiguredProvider } from "./provider.ts";

/** The providers to try, in AYVLO_LLM_ORDER, keeping only those with a key. None: the template alone. */
export function configuredProviders(config: Config): ConfiguredProvider[] {
  const timeoutMs = config.AYVLO_LLM_TIMEOUT_MS;
  return config.AYVLO_LLM_ORDER.flatMap((name): ConfiguredProvider[] => {
    if (name === "anthropic" && config.ANTHROPIC_API_KEY) {
      return [anthropicProvider({ apiKey: config.ANTHROPIC_API_KEY, baseURL: config.ANTHROPIC_BASE_URL, model: config.ANTHROPIC_MODEL, timeoutMs })];
    }
    if (name === "openai" && config.OPENAI_API_KEY) {
      return [openaiProvider({ apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL, model: config.OPENAI_MODEL, timeoutMs })];
    }
    return [];
  });
}
