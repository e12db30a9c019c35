import { Hono } from "hono";
import { validateBatch } from "../../src/ingest/points.ts";
import type { AppEnv } from "../app-env.ts";
import { ApiError } from "../errors.ts";
import { rateLimitHeaders, retryAfterSeconds } from "../rate-limit-headers.ts";
import { ingestPoints } from "../ingest.ts";
import { requireAccess } from "../middleware/auth.ts";
import { limitBody } from "../middleware/body-limit.ts";
import { idempotency } from "../middleware/idempotency.ts";
import { anomalyJson } from "../present.ts";
import { readJson } from "../read-json.ts";

export const MAX_INGEST_BYTES = 5 * 1024 * 1024;

export const ingestRoutes = new Hono<AppEnv>().post("/", requireAccess("metric.ingest"), limitBody(MAX_INGEST_BYTES), idempotency(), async (c) => {
  const now = Date.now();
  const batch = validateBatch(await readJson(c), now);
  if (!batch.ok) {
    throw new ApiError(batch.reason === "too_many" ? "PAYLOAD_TOO_LARGE" : "VALIDATION", batch.problems[0]!.message, { errors: batch.problems });
  }
  const partial = c.req.query("partial") === "1";
  if (batch.problems.length > 0 && (!partial || batch.points.length === 0)) {
    const invalid = new Set(batch.problems.map((p) => p.index)).size;
    throw new ApiError("VALIDATION", `${invalid} of ${invalid + batch.points.length} points are invalid; nothing was stored`, { errors: batch.problems });
  }
  if (c.req.query("dry_run") === "1") {
    return c.json({ accepted: batch.points.length, late: 0, anomalies: [], rejected: batch.problems, dry_run: true }, 200);
  }

  const outcome = await ingestPoints(c.env, c.var.caller.tenant, batch.points);
  if (!outcome.ok && outcome.code === "UNAVAILABLE") throw new ApiError("UNAVAILABLE", outcome.detail, { headers: { "retry-after": "1" } });
  const headers = rateLimitHeaders(outcome.gate);
  if (!outcome.ok) {
    const retryAfter = retryAfterSeconds(outcome.gate.retryAfterMs);
    throw new ApiError("RATE_LIMITED", `this tenant's ingest rate is exhausted; retry in ${retryAfter} s`, { headers: { ...headers, "retry-after": retryAfter } });
  }
  const rejected = [...batch.problems, ...outcome.rejected];
  return c.json(
    {
      accepted: outcome.accepted,
      late: outcome.late,
      duplicates: outcome.duplicates,
      anomalies: outcome.anomalies.map(anomalyJson),
      ...(rejected.length > 0 ? { rejected } : {}),
    },
    202,
    headers,
  );
});
