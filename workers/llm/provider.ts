import type { LlmProvider } from "../../src/explain/index.ts";

/** What a provider needs: its key, an optional endpoint (tests point it at a local server), a model and a time limit. */
export interface LlmSettings {
  apiKey: string;
  baseURL: string | undefined;
  model: string;
  timeoutMs: number;
}

/** A provider as src/explain's fallback runs it (one attempt that throws on failure), plus its model for the logs. */
export type ConfiguredProvider = LlmProvider & { model: string };
