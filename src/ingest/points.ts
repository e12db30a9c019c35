import { z } from "zod";

/**
 * Validation of ingest batches (API.md, "Ingest"). Pure: the caller passes the
 * clock. Every problem is reported with the point's index and the field's path,
 * so a client can fix all of them in one go.
 */
export const MAX_POINTS = 10_000;
export const MAX_TAGS = 16;
export const NAME_PATTERN = /^[A-Za-z0-9_.:/-]+$/;
/** Earliest timestamp we accept: 2000-01-01T00:00:00Z. */
export const MIN_TIMESTAMP = 946_684_800_000;
/** How far ahead of the server clock a point may be (clock skew). */
export const MAX_FUTURE_MS = 10 * 60_000;

export interface PointProblem {
  index?: number;
  path: string;
  message: string;
}

export interface ParsedPoint {
  index: number;
  metric: string;
  tags: Record<string, string>;
  /** Canonical form of the tag set: identifies the series within its metric. */
  tagKey: string;
  timestamp: number;
  value: number;
}

export type BatchResult =
  | { ok: true; points: ParsedPoint[]; problems: PointProblem[] }
  | { ok: false; reason: "empty" | "too_many" | "shape"; problems: PointProblem[] };

const nameSchema = (what: string, max: number) =>
  z
    .string({ error: `${what} must be a string` })
    .min(1, { message: `${what} must not be empty`, abort: true })
    .max(max, `${what} must be at most ${max} characters`)
    .regex(NAME_PATTERN, `${what} may contain only letters, digits and _ . : / -`);

const pointSchema = z.object({
  metric: nameSchema("metric", 200),
  value: z.number({ error: "value must be a finite number" }).finite("value must be a finite number"),
  timestamp: z
    .union([z.number(), z.string()], { error: "timestamp must be an ISO-8601 string or epoch milliseconds" })
    .optional(),
  tags: z
    .record(nameSchema("tag name", 64), z.string({ error: "tag value must be a string" }).min(1, "tag value must not be empty").max(256, "tag value must be at most 256 characters"))
    .refine((tags) => Object.keys(tags).length <= MAX_TAGS, `at most ${MAX_TAGS} tags per point`)
    .optional(),
});

/** Accepts `[...]` or `{ "points": [...] }`. */
export function extractPoints(body: unknown): unknown[] | null {
  if (Array.isArray(body)) return body;
  if (body && typeof body === "object" && Array.isArray((body as { points?: unknown }).points)) {
    return (body as { points: unknown[] }).points;
  }
  return null;
}

/** Validates a whole batch: the valid points, and every problem with the others. */
export function validateBatch(body: unknown, now: number): BatchResult {
  const raw = extractPoints(body);
  if (!raw) {
    return { ok: false, reason: "shape", problems: [{ path: "", message: 'body must be an array of points or { "points": [...] }' }] };
  }
  if (raw.length === 0) return { ok: false, reason: "empty", problems: [{ path: "", message: "the batch has no points" }] };
  if (raw.length > MAX_POINTS) {
    return { ok: false, reason: "too_many", problems: [{ path: "", message: `at most ${MAX_POINTS} points per request, got ${raw.length}` }] };
  }

  const points: ParsedPoint[] = [];
  const problems: PointProblem[] = [];
  // metric → tag key → timestamp → index of the first point there (nested maps: no string building per point).
  const seen = new Map<string, Map<string, Map<number, number>>>();
  raw.forEach((item, index) => {
    const parsed = pointSchema.safeParse(item);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push({ index, path: pathOf(issue.path), message: issue.message });
      return;
    }
    const timestamp = parseTimestamp(parsed.data.timestamp, now);
    if (typeof timestamp === "string") {
      problems.push({ index, path: "timestamp", message: timestamp });
      return;
    }
    const tags = parsed.data.tags ?? {};
    const tagKey = canonicalTagKey(tags);
    let byTags = seen.get(parsed.data.metric);
    if (!byTags) seen.set(parsed.data.metric, (byTags = new Map()));
    let byTime = byTags.get(tagKey);
    if (!byTime) byTags.set(tagKey, (byTime = new Map()));
    const first = byTime.get(timestamp);
    if (first !== undefined) {
      problems.push({ index, path: "timestamp", message: `duplicate timestamp for this series (same as point ${first})` });
      return;
    }
    byTime.set(timestamp, index);
    points.push({ index, metric: parsed.data.metric, tags, tagKey, timestamp, value: parsed.data.value });
  });
  return { ok: true, points, problems };
}

/** Epoch milliseconds, or a message saying why the timestamp is not acceptable. */
export function parseTimestamp(input: number | string | undefined, now: number): number | string {
  if (input === undefined) return now;
  let ms: number;
  if (typeof input === "number") {
    if (!Number.isFinite(input)) return "timestamp must be a finite number";
    ms = Math.trunc(input);
    if (ms > 0 && ms < 100_000_000_000) {
      return `timestamp ${input} looks like seconds; send epoch milliseconds or an ISO-8601 string`;
    }
  } else {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(input)) {
      return "timestamp must be ISO-8601 with a time zone (e.g. 2026-01-31T12:00:00Z) or epoch milliseconds";
    }
    ms = Date.parse(input);
    if (Number.isNaN(ms)) return "timestamp is not a valid date";
  }
  if (ms < MIN_TIMESTAMP) return "timestamp is before 2000-01-01";
  if (ms > now + MAX_FUTURE_MS) return "timestamp is more than 10 minutes in the future";
  return ms;
}

/** Tags sorted by name, as JSON: the same tag set always gives the same key. */
export function canonicalTagKey(tags: Record<string, string>): string {
  const names = Object.keys(tags);
  if (names.length === 0) return "{}";
  if (names.length > 1) names.sort();
  return JSON.stringify(Object.fromEntries(names.map((name) => [name, tags[name]])));
}

/** Points grouped by metric, each group in arrival order. */
export function groupByMetric(points: ParsedPoint[]): Map<string, ParsedPoint[]> {
  const groups = new Map<string, ParsedPoint[]>();
  for (const point of points) {
    const group = groups.get(point.metric);
    if (group) group.push(point);
    else groups.set(point.metric, [point]);
  }
  return groups;
}

function pathOf(path: PropertyKey[]): string {
  return path.map(String).join(".");
}
