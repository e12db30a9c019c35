/**
 * Reading an LLM's answer: take the first JSON object in the text (the model
 * may wrap it in a code fence or a sentence), validate it with
 * ExplanationSchema, and stamp the provider as `source` (a model does not get
 * to say who wrote it). Anything else is `{ ok: false, reason }`, and the
 * caller falls back to the template.
 */
import { z } from "zod";
import { ExplanationSchema, type Explanation, type ExplanationSource } from "./schema.ts";

export type ParsedExplanation = { ok: true; explanation: Explanation } | { ok: false; reason: string };

const MAX_TEXT = 100_000;

/** Extracts, validates and stamps an LLM explanation. */
export function parseLlmExplanation(text: string, source: Exclude<ExplanationSource, "template">): ParsedExplanation {
  if (text.length > MAX_TEXT) return { ok: false, reason: "response too long" };
  const json = extractJsonObject(text);
  if (json === undefined) return { ok: false, reason: "no JSON object in the response" };
  const parsed = ExplanationSchema.safeParse({ ...(json as Record<string, unknown>), source });
  if (!parsed.success) return { ok: false, reason: `invalid explanation: ${z.prettifyError(parsed.error)}` };
  return { ok: true, explanation: parsed.data };
}

/** The first balanced `{…}` in the text that parses as a JSON object, or undefined. */
export function extractJsonObject(text: string): unknown {
  // Bounded number of candidates: a pathological answer full of braces stays cheap.
  let tries = 0;
  for (let start = text.indexOf("{"); start >= 0 && tries < 20; start = text.indexOf("{", start + 1), tries++) {
    const end = matchingBrace(text, start);
    if (end < 0) continue;
    try {
      const value: unknown = JSON.parse(text.slice(start, end + 1));
      if (value !== null && typeof value === "object" && !Array.isArray(value)) return value;
    } catch {
      // Not JSON (e.g. a brace in prose): try the next opening brace.
    }
  }
  return undefined;
}

/** Index of the brace closing the one at `start`, skipping strings; -1 if unbalanced. */
function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "{") depth++;
    else if (ch === "}" && --depth === 0) return i;
  }
  return -1;
}
