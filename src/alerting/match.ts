/**
 * Rule matching: `{ metric, tags?, min_severity }`.
 * - `metric` is a glob: `*` any run of characters (dots included), `?` one character;
 *   everything else is literal and the whole name must match.
 * - `tags`: every listed tag must be present with exactly that value.
 * - `min_severity`: the alert's severity must be at least this (info < warning < critical).
 */
import { z } from "zod";
import { severityRank, type Alert } from "./labels.ts";

export const SeveritySchema = z.enum(["info", "warning", "critical"]);

export const RuleMatchSchema = z.object({
  metric: z.string().min(1).max(256),
  tags: z.record(z.string().min(1), z.string()).optional(),
  min_severity: SeveritySchema.default("info"),
});

export type RuleMatch = z.infer<typeof RuleMatchSchema>;

/** Compiles a metric glob to an anchored RegExp (`*` → any run, `?` → one character). */
export function globToRegExp(glob: string): RegExp {
  let source = "";
  for (const ch of glob) {
    if (ch === "*") source += "[\\s\\S]*";
    else if (ch === "?") source += "[\\s\\S]";
    else source += ch.replace(/[.+^${}()|[\]\\\-/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "u");
}

/** True when the alert satisfies the rule's match. */
export function matchesRule(match: RuleMatch, alert: Alert): boolean {
  if (severityRank(alert.severity) < severityRank(match.min_severity)) return false;
  if (!globToRegExp(match.metric).test(alert.metric)) return false;
  for (const [name, value] of Object.entries(match.tags ?? {})) {
    if (!Object.hasOwn(alert.tags, name) || alert.tags[name] !== value) return false;
  }
  return true;
}
