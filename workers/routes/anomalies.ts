import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import { audited } from "../audit.ts";
import { ApiError } from "../errors.ts";
import { requireAccess } from "../middleware/auth.ts";
import { pageOf, pageQuery } from "../pagination.ts";
import { anomalyJson } from "../present.ts";
import { metricParam, timeParam } from "../query-params.ts";
import { readJson } from "../read-json.ts";
import { routerStub, seriesStub } from "../series-stub.ts";
import { parseOr400 } from "../validate.ts";
import type { MemberScore } from "../../src/detect/index.ts";
import { resolvedEvent } from "../../src/series/events.ts";

const ListAnomalies = z.object({
  metric: metricParam.optional(),
  from: timeParam("from").optional(),
  to: timeParam("to").optional(),
  severity: z.enum(["info", "warning", "critical"], { error: "severity must be info, warning or critical" }).optional(),
  status: z.enum(["open", "acknowledged", "resolved"], { error: "status must be open, acknowledged or resolved" }).optional(),
  ...pageQuery,
});

export const anomalyRoutes = new Hono<AppEnv>()
  .get("/", requireAccess("anomaly.read"), async (c) => {
    const q = parseOr400(ListAnomalies, c.req.query(), "query");
    const rows = await c.var.store.listAnomalies(c.var.caller.tenant.id, q, { limit: q.limit, after: q.cursor });
    return c.json(pageOf(rows, q, (a) => [a.timestamp, a.id], anomalyJson));
  })
  .post("/:id/feedback", requireAccess("anomaly.feedback", "id"), async (c) => {
    const { label } = parseOr400(z.strictObject({ label: z.enum(["true_positive", "false_positive"], { error: 'label must be "true_positive" or "false_positive"' }) }), await readJson(c), "body");
    const tenant = c.var.caller.tenant;
    const anomaly = await c.var.store.getAnomaly(tenant.id, c.req.param("id"));
    if (!anomaly) throw new ApiError("NOT_FOUND", `no anomaly '${c.req.param("id")}'`);
    // The metric's weights first (idempotent per anomaly), then the label: a retry after a failure redoes neither twice.
    const config = await seriesStub(c.env, tenant, anomaly.metric).feedback(tenant.id, anomaly.metric, anomaly.id, anomaly.algorithms as MemberScore[], label);
    await audited(c.env, tenant.id, { actor: c.var.caller.actor, action: "anomaly.feedback", target: `anomaly:${anomaly.id}`, data: { label } }, [c.var.store.changes.labelAnomaly(tenant.id, anomaly.id, label)]);
    return c.json({ id: anomaly.id, label, metric: anomaly.metric, weights: config.weights ?? null });
  })
  .post("/:id/acknowledge", requireAccess("anomaly.acknowledge", "id"), async (c) => moveStatus(c, "acknowledged"))
  .post("/:id/resolve", requireAccess("anomaly.resolve", "id"), async (c) => moveStatus(c, "resolved"))
  .get("/:id", requireAccess("anomaly.read", "id"), async (c) => {
    const anomaly = await c.var.store.getAnomaly(c.var.caller.tenant.id, c.req.param("id"));
    if (!anomaly) throw new ApiError("NOT_FOUND", `no anomaly '${c.req.param("id")}'`);
    return c.json(anomalyJson(anomaly));
  });

/**
 * Acknowledge or resolve by hand. Resolving also closes the episode in alert
 * routing, with the same event id the series would use, so it is resolved once.
 */
async function moveStatus(c: Context<AppEnv>, status: "acknowledged" | "resolved") {
  const tenant = c.var.caller.tenant;
  const id = c.req.param("id")!;
  const now = Date.now();
  const existing = await c.var.store.getAnomaly(tenant.id, id);
  if (!existing) throw new ApiError("NOT_FOUND", `no anomaly '${id}'`);
  if (existing.status === status) return c.json(anomalyJson(existing));
  const movable = status === "acknowledged" ? existing.status === "open" : existing.status !== "resolved";
  if (!movable) throw new ApiError("CONFLICT", `anomaly '${id}' is ${existing.status}; it cannot become ${status}`);
  await audited(c.env, tenant.id, { actor: c.var.caller.actor, action: `anomaly.${status === "acknowledged" ? "acknowledge" : "resolve"}`, target: `anomaly:${id}`, data: { from: existing.status } }, [c.var.store.changes.setAnomalyStatus(tenant.id, id, status, now)]);
  const moved = (await c.var.store.getAnomaly(tenant.id, id)) ?? existing;
  if (status === "resolved") {
    const router = routerStub(c.env, tenant);
    await router.receive(tenant.id, [resolvedEvent(moved.id, moved.metric, moved.tagKey, moved.tags, now)]);
  }
  return c.json(anomalyJson(moved));
}
