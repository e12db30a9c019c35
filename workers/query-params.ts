import { z } from "zod";
import { NAME_PATTERN } from "../src/ingest/points.ts";

/** A time in a query string: epoch milliseconds or an ISO-8601 date. */
export const timeParam = (name: string) =>
  z.string().transform((value, ctx) => {
    const ms = /^-?\d+$/.test(value) ? Number(value) : Date.parse(value);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: "custom", message: `${name} must be epoch milliseconds or an ISO-8601 date` });
      return z.NEVER;
    }
    return ms;
  });

export const metricParam = z
  .string({ error: "metric is required" })
  .min(1, "metric must not be empty")
  .max(200, "metric must be at most 200 characters")
  .regex(NAME_PATTERN, "metric may contain only letters, digits and _ . : / -");

/** `?tags[region]=eu&tags[host]=a` → { region: "eu", host: "a" }. */
export function tagsFromQuery(query: Record<string, string>): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) {
    const match = /^tags\[(.+)\]$/.exec(name);
    if (match) tags[match[1]!] = value;
  }
  return tags;
}
