import { Hono } from "hono";
import { z } from "zod";
import { RuleSchema } from "../../src/alerting/index.ts";
import { checkWorkflowUrls } from "../../src/workflows/index.ts";
import { randomId } from "../../src/ids.ts";
import type { AppEnv } from "../app-env.ts";
import { audited } from "../audit.ts";
import type { RuleRow } from "../db/store.ts";
import { readConfig } from "../env.ts";
import { ApiError } from "../errors.ts";
import { requireAccess } from "../middleware/auth.ts";
import { idempotency } from "../middleware/idempotency.ts";
import { pageOf, pageQuery } from "../pagination.ts";
import { readJson } from "../read-json.ts";
import { routerStub } from "../series-stub.ts";
import { parseOr400 } from "../validate.ts";

function ruleJson(r: RuleRow) {
  return { id: r.id, ...r.definition, created_at: new Date(r.createdAt).toISOString() };
}

/** Alert rules: which anomalies go to which channels, grouped how (API.md, Alerting). */
export const ruleRoutes = new Hono<AppEnv>()
  .post("/", requireAccess("rule.create"), idempotency(), async (c) => {
    const definition = parseOr400(RuleSchema.strict(), await readJson(c), "body");
    const tenantId = c.var.caller.tenant.id;
    const stepChannels = (definition.steps ?? []).flatMap((step) => ("channel" in step ? [step.channel] : []));
    const channels = [...new Set(definition.channels)];
    const urls = checkWorkflowUrls(definition.steps ?? [], { production: readConfig(c.env).ENVIRONMENT === "production" });
    if (!urls.ok) throw new ApiError("VALIDATION", urls.reason, { errors: [{ path: "body.steps", message: urls.reason }] });
    const referenced = [...new Set([...channels, ...stepChannels])];
    if ((await c.var.store.countChannels(tenantId, referenced)) !== referenced.length) {
      throw new ApiError("VALIDATION", "every channel must be one of this tenant's channels", { errors: [{ path: "body.channels", message: "unknown channel id" }] });
    }
    const row: RuleRow = { id: randomId("rul"), tenantId, name: definition.name, definition: { ...definition, channels }, createdAt: Date.now() };
    await audited(c.env, tenantId, { actor: c.var.caller.actor, action: "rule.create", target: `rule:${row.id}`, data: { name: row.name, channels } }, [c.var.store.changes.insertRule(tenantId, row)]);
    return c.json(ruleJson(row), 201);
  })
  .get("/", requireAccess("rule.read"), async (c) => {
    const page = parseOr400(z.object(pageQuery), c.req.query(), "query");
    const rows = await c.var.store.listRules(c.var.caller.tenant.id, { limit: page.limit, after: page.cursor });
    return c.json(pageOf(rows, page, (r) => [r.createdAt, r.id], ruleJson));
  })
  .get("/:id/stats", requireAccess("rule.read", "id"), async (c) => {
    const rule = await c.var.store.getRule(c.var.caller.tenant.id, c.req.param("id"));
    if (!rule) throw new ApiError("NOT_FOUND", `no rule '${c.req.param("id")}'`);
    const router = routerStub(c.env, c.var.caller.tenant);
    const stats = await router.ruleStats(rule.id);
    return c.json({
      rule_id: rule.id,
      steps: stats.steps.map((s) => ({ step_index: s.step_index, attempts: s.attempts, successes: s.successes, failures: s.failures, success_rate: s.successRate, p50_ms: s.p50Ms, p95_ms: s.p95Ms })),
      runs: stats.runs,
    });
  })
  .get("/:id", requireAccess("rule.read", "id"), async (c) => {
    const rule = await c.var.store.getRule(c.var.caller.tenant.id, c.req.param("id"));
    if (!rule) throw new ApiError("NOT_FOUND", `no rule '${c.req.param("id")}'`);
    return c.json(ruleJson(rule));
  })
  .delete("/:id", requireAccess("rule.delete", "id"), async (c) => {
    const rule = await c.var.store.getRule(c.var.caller.tenant.id, c.req.param("id"));
    if (!rule) throw new ApiError("NOT_FOUND", `no rule '${c.req.param("id")}'`);
    await audited(c.env, rule.tenantId, { actor: c.var.caller.actor, action: "rule.delete", target: `rule:${rule.id}` }, [c.var.store.changes.deleteRule(rule.tenantId, rule.id)]);
    return c.body(null, 204);
  });
