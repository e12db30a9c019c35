import { Hono } from "hono";
import { z } from "zod";
import { canonicalTagKey } from "../../src/ingest/points.ts";
import type { AppEnv } from "../app-env.ts";
import { ApiError } from "../errors.ts";
import { requireAccess } from "../middleware/auth.ts";
import { pageOf, pageQuery } from "../pagination.ts";
import { seriesJson } from "../present.ts";
import { metricParam, tagsFromQuery, timeParam } from "../query-params.ts";
import { seriesStub } from "../series-stub.ts";
import { parseOr400 } from "../validate.ts";

const ListSeries = z.object({ metric: metricParam.optional(), ...pageQuery });
const ReadPoints = z.object({
  metric: metricParam,
  from: timeParam("from").optional(),
  to: timeParam("to").optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  cursor: z.string().regex(/^\d+$/, "cursor is not one this API returned").optional(),
});

export const seriesRoutes = new Hono<AppEnv>()
  .use(requireAccess("metric.read"))
  .get("/", async (c) => {
    const q = parseOr400(ListSeries, c.req.query(), "query");
    const rows = await c.var.store.listSeries(c.var.caller.tenant.id, { limit: q.limit, after: q.cursor }, q.metric);
    return c.json(pageOf(rows, q, (s) => [s.metric, s.tagKey], seriesJson));
  })
  .get("/points", async (c) => {
    const query = c.req.query();
    const q = parseOr400(ReadPoints, query, "query");
    const tags = tagsFromQuery(query);
    // Points are read from the series' own Durable Object: its window is the source of truth.
    const from = Math.max(q.from ?? 0, q.cursor ? Number(q.cursor) + 1 : 0);
    const to = q.to ?? Number.MAX_SAFE_INTEGER;
    const { found, points } = await seriesStub(c.env, c.var.caller.tenant, q.metric).readPoints(canonicalTagKey(tags), from, to, q.limit + 1);
    if (!found) throw new ApiError("NOT_FOUND", `no series '${q.metric}' with tags ${JSON.stringify(tags)}`);
    const more = points.length > q.limit;
    const kept = more ? points.slice(0, q.limit) : points;
    return c.json({
      metric: q.metric,
      tags,
      data: kept.map((p) => ({ timestamp: new Date(p.timestamp).toISOString(), value: p.value, score: p.score, expected: p.expected })),
      next_cursor: more ? String(kept[kept.length - 1]!.timestamp) : null,
    });
  });

