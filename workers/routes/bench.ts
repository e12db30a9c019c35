import { Hono } from "hono";
import { groupByMetric, validateBatch } from "../../src/ingest/points.ts";
import type { AppEnv } from "../app-env.ts";
import { ApiError } from "../errors.ts";
import { toSeriesBatch } from "../ingest.ts";
import { requireAccess } from "../middleware/auth.ts";
import { limitBody } from "../middleware/body-limit.ts";
import { readJson } from "../read-json.ts";
import { MAX_INGEST_BYTES } from "./ingest.ts";

/**
 * Baseline for `npm run bench:ingest`: the ingest path's authentication,
 * parsing and fan-out, but to Durable Objects that do nothing. Mounted only
 * when AYVLO_BENCH_ROUTES is "1".
 */
export const benchRoutes = new Hono<AppEnv>().post("/fanout", requireAccess("metric.ingest"), limitBody(MAX_INGEST_BYTES), async (c) => {
  const batch = validateBatch(await readJson(c), Date.now());
  if (!batch.ok || batch.problems.length > 0) throw new ApiError("VALIDATION", "invalid batch", { errors: batch.problems });
  const tenant = c.var.caller.tenant;
  const results = await Promise.all(
    [...groupByMetric(batch.points)].map(([metric, points]) =>
      c.env.NOOP.get(c.env.NOOP.idFromName(`${tenant.id}:${metric}`)).receive(toSeriesBatch(tenant.id, metric, 1, points)),
    ),
  );
  return c.json({ accepted: results.reduce((n, r) => n + r.accepted, 0) }, 202);
});
