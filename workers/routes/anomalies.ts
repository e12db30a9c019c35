import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import { ApiError } from "../errors.ts";
import { requireKey } from "../middleware/auth.ts";
import { pageOf, pageQuery } from "../pagination.ts";
import { anomalyJson } from "../present.ts";
import { metricParam, timeParam } from "../query-params.ts";
import { readJson } from "../read-json.ts";
import { seriesStub } from "../series-stub.ts";
import { parseOr400 } from "../validate.ts";
import type { MemberScore } from "../../src/detect/index.ts";

const ListAnomalies = z.object({
  metric: metricParam.optional(),
  from: timeParam("from").optional(),
  to: timeParam("to").optional(),
  severity: z.enum(["info", "warning", "critical"], { error: "severity must be info, warning or critical" }).optional(),
  status: z.enum(["open", "acknowledged", "resolved"], { error: "status must be open, acknowledged or resolved" }).optional(),
  ...pageQuery,
});

export const anomalyRoutes = new Hono<AppEnv>()
  .get("/", requireKey("read"), async (c) => {
    const q = parseOr400(ListAnomalies, c.req.query(), "query");
    const rows = await c.var.store.listAnomalies(c.var.caller.tenant.id, q, { limit: q.limit, after: q.cursor });
    return c.json(pageOf(rows, q, (a) => [a.timestamp, a.id], anomalyJson));
  })
  .post("/:id/feedback", requireKey("admin"), async (c) => {
    const { label } = parseOr400(z.strictObject({ label: z.enum(["true_positive", "false_positive"], { error: 'label must be "true_positive" or "false_positive"' }) }), await readJson(c), "body");
    const tenant = c.var.caller.tenant;
    const anomaly = await c.var.store.getAnomaly(tenant.id, c.req.param("id"));
    if (!anomaly) throw new ApiError("NOT_FOUND", `no anomaly '${c.req.param("id")}'`);
    // The metric's weights first (idempotent per anomaly), then the label: a retry after a failure redoes neither twice.
    const config = await seriesStub(c.env, tenant, anomaly.metric).feedback(tenant.id, anomaly.metric, anomaly.id, anomaly.algorithms as MemberScore[], label);
    await c.var.store.labelAnomaly(tenant.id, anomaly.id, label);
    return c.json({ id: anomaly.id, label, metric: anomaly.metric, weights: config.weights ?? null });
  })
  .get("/:id", requireKey("read"), async (c) => {
    const anomaly = await c.var.store.getAnomaly(c.var.caller.tenant.id, c.req.param("id"));
    if (!anomaly) throw new ApiError("NOT_FOUND", `no anomaly '${c.req.param("id")}'`);
    return c.json(anomalyJson(anomaly));
  });
