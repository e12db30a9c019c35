import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import { ApiError } from "../errors.ts";
import { requireKey } from "../middleware/auth.ts";
import { pageOf, pageQuery } from "../pagination.ts";
import { anomalyJson } from "../present.ts";
import { metricParam, timeParam } from "../query-params.ts";
import { parseOr400 } from "../validate.ts";

const ListAnomalies = z.object({
  metric: metricParam.optional(),
  from: timeParam("from").optional(),
  to: timeParam("to").optional(),
  severity: z.enum(["info", "warning", "critical"], { error: "severity must be info, warning or critical" }).optional(),
  status: z.enum(["open", "acknowledged", "resolved"], { error: "status must be open, acknowledged or resolved" }).optional(),
  ...pageQuery,
});

export const anomalyRoutes = new Hono<AppEnv>()
  .use(requireKey("read"))
  .get("/", async (c) => {
    const q = parseOr400(ListAnomalies, c.req.query(), "query");
    const rows = await c.var.store.listAnomalies(c.var.caller.tenant.id, q, { limit: q.limit, after: q.cursor });
    return c.json(pageOf(rows, q, (a) => [a.timestamp, a.id], anomalyJson));
  })
  .get("/:id", async (c) => {
    const anomaly = await c.var.store.getAnomaly(c.var.caller.tenant.id, c.req.param("id"));
    if (!anomaly) throw new ApiError("NOT_FOUND", `no anomaly '${c.req.param("id")}'`);
    return c.json(anomalyJson(anomaly));
  });
