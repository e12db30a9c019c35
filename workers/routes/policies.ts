import { Hono } from "hono";
import { z } from "zod";
import { AccessRequestSchema, ACTIONS, anyGlobMatch, baselineGrant, decide, PolicySchema, PolicySetSchema, ROLES, simulate, whoMay, type Policy, type Subject } from "../../src/policy/index.ts";
import type { AppEnv } from "../app-env.ts";
import { d1 } from "../db/d1.ts";
import { audited } from "../audit.ts";
import { getUser, listPolicies } from "../db/accounts.ts";
import { deletePolicy, getPolicy, insertPolicy, updatePolicy } from "../db/policies.ts";
import { getLiveApiKey, listUsers, liveApiKeys } from "../db/users.ts";
import { ApiError } from "../errors.ts";
import { environmentOf, forgetPolicies, keySubject, requireAccess, subjectOf, tenantPolicies, userSubject } from "../middleware/auth.ts";
import type { Caller } from "../app-env.ts";
import { iso } from "../present.ts";
import { readJson } from "../read-json.ts";
import { parseOr400 } from "../validate.ts";

const policyJson = (row: { body: Record<string, unknown>; createdAt: number; updatedAt: number }) => ({ ...row.body, created_at: iso(row.createdAt), updated_at: iso(row.updatedAt) });

// A subject named by reference is loaded from this tenant: the real role or scopes.
const SubjectRef = z.union([
  z.strictObject({ user_id: z.string().min(1) }),
  z.strictObject({ api_key_id: z.string().min(1) }),
  AccessRequestSchema.shape.subject,
]);
const Simulate = z.strictObject({
  subject: SubjectRef,
  action: AccessRequestSchema.shape.action,
  resource: AccessRequestSchema.shape.resource,
  environment: z.record(z.string(), z.unknown()).optional(),
  policies: PolicySetSchema.optional(),
});
const Who = z.strictObject({ action: AccessRequestSchema.shape.action, resource: AccessRequestSchema.shape.resource, environment: z.record(z.string(), z.unknown()).optional() });

/**
 * An allow may not hand out what its author does not hold: otherwise an admin
 * could grant anyone (themselves included) owner-only actions such as erasure.
 */
function refuseEscalation(caller: Caller, policy: Policy): void {
  if (policy.effect !== "allow") return;
  const subject = subjectOf(caller);
  const beyond = ACTIONS.filter((action) => anyGlobMatch(policy.actions, action) && !baselineGrant({ subject, action, resource: { type: action.slice(0, action.indexOf(".")) }, environment: {} }));
  if (beyond.length > 0) throw new ApiError("FORBIDDEN", `this policy would allow what you may not do yourself: ${beyond.join(", ")}; narrow its actions`);
}

/**
 * A change may not lock its author out of policies: with the new set, the
 * caller must still be able to change and delete this policy, so every change
 * can be undone by whoever made it.
 */
function refuseLockout(c: { var: AppEnv["Variables"] } & Parameters<typeof environmentOf>[0], set: readonly Policy[], id: string): void {
  const caller = c.var.caller;
  for (const action of ["policy.update", "policy.delete"]) {
    const decision = decide({ subject: subjectOf(caller), action, resource: { type: "policy", id, tenant_id: caller.tenant.id }, environment: environmentOf(c) }, set);
    if (!decision.allowed) throw new ApiError("CONFLICT", `this policy would take away your own ${action} (${decision.reason}); you could not undo it`);
  }
}

/** Attribute-based access policies of the caller's tenant, and the simulator that explains decisions. */
export const policyRoutes = new Hono<AppEnv>()
  .post("/simulate", requireAccess("policy.simulate"), async (c) => {
    const input = parseOr400(Simulate, await readJson(c), "body");
    const tenantId = c.var.caller.tenant.id;
    const db = d1(c.env);
    let subject: Subject;
    const ref = input.subject as { user_id?: string; api_key_id?: string };
    if (typeof ref.user_id === "string") {
      const user = await getUser(db, tenantId, ref.user_id);
      if (!user || user.status !== "active") throw new ApiError("NOT_FOUND", `no user '${ref.user_id}'`);
      subject = userSubject(tenantId, user);
    } else if (typeof ref.api_key_id === "string") {
      const key = await getLiveApiKey(db, tenantId, ref.api_key_id);
      if (!key) throw new ApiError("NOT_FOUND", `no active API key '${ref.api_key_id}'`);
      subject = keySubject(tenantId, key);
    } else subject = { ...input.subject, tenant_id: tenantId } as Subject;
    const environment = { ...environmentOf(c), ...input.environment };
    const resource = { ...input.resource, tenant_id: tenantId };
    const set = (input.policies as Policy[] | undefined) ?? (await tenantPolicies(c, tenantId));
    const result = simulate({ subject, action: input.action, resource, environment }, set);
    return c.json({ subject, draft: input.policies !== undefined, ...result });
  })
  .post("/who", requireAccess("policy.simulate"), async (c) => {
    const input = parseOr400(Who, await readJson(c), "body");
    const tenantId = c.var.caller.tenant.id;
    const db = d1(c.env);
    const people = (await listUsers(db, tenantId)).filter((u) => u.status === "active");
    const keys = await liveApiKeys(db, tenantId);
    const subjects = [...people.map((u) => userSubject(tenantId, u)), ...keys.map((k) => keySubject(tenantId, k))];
    const allowed = new Set(whoMay(input.action, { ...input.resource, tenant_id: tenantId }, subjects, await tenantPolicies(c, tenantId), { environment: { ...environmentOf(c), ...input.environment } }).map((s) => s.id));
    return c.json({
      action: input.action,
      users: people.filter((u) => allowed.has(`user:${u.id}`)).map((u) => ({ id: u.id, email: u.email, role: u.role })),
      api_keys: keys.filter((k) => allowed.has(`key:${k.id}`)).map((k) => ({ id: k.id, name: k.name, scopes: k.scopes })),
    });
  })
  .post("/", requireAccess("policy.create"), async (c) => {
    const policy = parseOr400(PolicySchema, await readJson(c), "body");
    refuseEscalation(c.var.caller, policy);
    const tenantId = c.var.caller.tenant.id;
    const db = d1(c.env);
    refuseLockout(c, [...(await tenantPolicies(c, tenantId)), policy], policy.id);
    if (await getPolicy(db, tenantId, policy.id)) throw new ApiError("CONFLICT", `a policy '${policy.id}' already exists; PUT /v1/policies/${policy.id} changes it`);
    const now = Date.now();
    try {
      await audited(c.env, tenantId, { actor: c.var.caller.actor, action: "policy.create", target: `policy:${policy.id}`, data: { policy: policy as never } }, [insertPolicy(db, tenantId, policy, now)]);
    } catch (error) {
      if (String(error).includes("UNIQUE")) throw new ApiError("CONFLICT", `a policy '${policy.id}' already exists`);
      throw error;
    }
    forgetPolicies(tenantId);
    return c.json(policyJson({ body: policy as unknown as Record<string, unknown>, createdAt: now, updatedAt: now }), 201);
  })
  .get("/", requireAccess("policy.read"), async (c) => {
    const rows = await listPolicies(d1(c.env), c.var.caller.tenant.id);
    return c.json({ data: rows.map(policyJson), roles: ROLES });
  })
  .get("/:id", requireAccess("policy.read", "id"), async (c) => {
    const row = await getPolicy(d1(c.env), c.var.caller.tenant.id, c.req.param("id"));
    if (!row) throw new ApiError("NOT_FOUND", `no policy '${c.req.param("id")}'`);
    return c.json(policyJson(row));
  })
  .put("/:id", requireAccess("policy.update", "id"), async (c) => {
    const id = c.req.param("id");
    const body = await readJson(c);
    const policy = parseOr400(PolicySchema, body && typeof body === "object" && !Array.isArray(body) ? { id, ...body } : body, "body");
    if (policy.id !== id) throw new ApiError("VALIDATION", "the body's id must match the path", { errors: [{ path: "body.id", message: `must be '${id}'` }] });
    refuseEscalation(c.var.caller, policy);
    const tenantId = c.var.caller.tenant.id;
    const db = d1(c.env);
    const existing = await getPolicy(db, tenantId, id);
    if (!existing) throw new ApiError("NOT_FOUND", `no policy '${id}'`);
    refuseLockout(c, [...(await tenantPolicies(c, tenantId)).filter((p) => p.id !== id), policy], id);
    const now = Date.now();
    await audited(c.env, tenantId, { actor: c.var.caller.actor, action: "policy.update", target: `policy:${id}`, data: { policy: policy as never } }, [updatePolicy(db, tenantId, policy, now)]);
    forgetPolicies(tenantId);
    return c.json(policyJson({ body: policy as unknown as Record<string, unknown>, createdAt: existing.createdAt, updatedAt: now }));
  })
  .delete("/:id", requireAccess("policy.delete", "id"), async (c) => {
    const id = c.req.param("id");
    const tenantId = c.var.caller.tenant.id;
    const db = d1(c.env);
    if (!(await getPolicy(db, tenantId, id))) throw new ApiError("NOT_FOUND", `no policy '${id}'`);
    await audited(c.env, tenantId, { actor: c.var.caller.actor, action: "policy.delete", target: `policy:${id}` }, [deletePolicy(db, tenantId, id)]);
    forgetPolicies(tenantId);
    return c.body(null, 204);
  });
