/**
 * Silences, as in Alertmanager: a set of matchers and a time window. While a
 * silence is active (starts_at ≤ now < ends_at) every alert that satisfies all
 * of its matchers is muted.
 *
 * A matcher is `{ name, value, is_regex?, is_equal? }`:
 * - `name` is `metric`, `severity` or a tag name (a missing tag reads as "");
 * - `is_regex` makes `value` a regular expression anchored at both ends;
 * - `is_equal: false` negates the matcher (`!=`, `!~`).
 *
 * `parseSilence` validates input (times as epoch ms or ISO 8601) and compiles the
 * regexes once; an invalid regex, an empty window or a silence that would match
 * every alert is an `{ ok: false, reason }`, not an exception.
 */
import { z } from "zod";
import { labelValue, type Alert } from "./labels.ts";
import { unsafeRegexReason } from "./regex-safety.ts";

const MAX_REGEX_LENGTH = 512;

const InstantSchema = z.union([z.number().int().nonnegative(), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))]);

export const SilenceMatcherSchema = z.object({
  name: z.string().min(1).max(128),
  value: z.string().max(MAX_REGEX_LENGTH),
  is_regex: z.boolean().default(false),
  is_equal: z.boolean().default(true),
});

export const SilenceInputSchema = z.object({
  matchers: z.array(SilenceMatcherSchema).min(1).max(32),
  starts_at: InstantSchema,
  ends_at: InstantSchema,
  comment: z.string().min(1).max(1024),
  created_by: z.string().min(1).max(256),
});

/** A silence with its times as epoch milliseconds. */
export type Silence = z.output<typeof SilenceInputSchema>;
export type SilenceMatcher = Silence["matchers"][number];

export type SilenceResult = { ok: true; silence: Silence } | { ok: false; reason: string };

/** Validates a silence: schema, each regex compiles, ends after it starts, does not match everything. */
export function parseSilence(input: unknown): SilenceResult {
  const parsed = SilenceInputSchema.safeParse(input);
  if (!parsed.success) return { ok: false, reason: z.prettifyError(parsed.error) };
  const silence = parsed.data;
  if (silence.ends_at <= silence.starts_at) return { ok: false, reason: "ends_at must be after starts_at" };
  for (const [i, m] of silence.matchers.entries()) {
    if (m.is_regex && compileMatcherRegex(m.value) === null) return { ok: false, reason: `matchers[${i}].value is not a valid regular expression` };
    const unsafe = m.is_regex ? unsafeRegexReason(m.value) : null;
    if (unsafe) return { ok: false, reason: `matchers[${i}].value: ${unsafe}` };
  }
  // Alertmanager's rule: a silence needs one matcher that the empty label set fails, or it mutes everything.
  const everything = silence.matchers.every((m) => matchesValue(m, ""));
  if (everything) return { ok: false, reason: "at least one matcher must not match the empty string" };
  return { ok: true, silence };
}

// Compiled regexes keyed by source: silences are evaluated on every flush, and
// compiling a RegExp costs far more than matching it.
const regexCache = new Map<string, RegExp | null>();

function compileMatcherRegex(source: string): RegExp | null {
  const cached = regexCache.get(source);
  if (cached !== undefined) return cached;
  let re: RegExp | null;
  try {
    re = new RegExp(`^(?:${source})$`, "u");
  } catch {
    re = null;
  }
  if (regexCache.size > 1_000) regexCache.clear();
  regexCache.set(source, re);
  return re;
}

/** One matcher against one alert; a regex that does not compile matches nothing. */
export function matcherMatches(matcher: SilenceMatcher, alert: Alert): boolean {
  return matchesValue(matcher, labelValue(alert, matcher.name));
}

function matchesValue(matcher: SilenceMatcher, actual: string): boolean {
  let hit: boolean;
  if (matcher.is_regex) {
    const re = compileMatcherRegex(matcher.value);
    if (re === null) return false;
    hit = re.test(actual);
  } else {
    hit = actual === matcher.value;
  }
  return matcher.is_equal ? hit : !hit;
}

/** True while `now` is inside [starts_at, ends_at). */
export function isSilenceActive(silence: Pick<Silence, "starts_at" | "ends_at">, now: number): boolean {
  return silence.starts_at <= now && now < silence.ends_at;
}

/** True when the silence is active at `now` and every matcher matches the alert. */
export function silences(silence: Silence, alert: Alert, now: number): boolean {
  return isSilenceActive(silence, now) && silence.matchers.every((m) => matcherMatches(m, alert));
}

/** Indexes (into `list`) of the silences muting `alert` at `now`. */
export function silencingIndexes(list: readonly Silence[], alert: Alert, now: number): number[] {
  const out: number[] = [];
  list.forEach((s, i) => {
    if (silences(s, alert, now)) out.push(i);
  });
  return out;
}

/** True when any silence in `list` mutes the alert at `now`. */
export function isSilenced(list: readonly Silence[], alert: Alert, now: number): boolean {
  return list.some((s) => silences(s, alert, now));
}
