import { Hono } from "hono";
import { z } from "zod";
import { generateApiKey, hashApiKey, SCOPES } from "../../src/api-keys.ts";
import { randomId } from "../../src/ids.ts";
import { PLAN_NAMES } from "../../src/plans.ts";
import type { AppEnv } from "../app-env.ts";
import { audited } from "../audit.ts";
import { requireOperator } from "../middleware/auth.ts";
import { idempotency } from "../middleware/idempotency.ts";
import { tenantJson } from "../present.ts";
import { readJson } from "../read-json.ts";
import { parseOr400 } from "../validate.ts";

const CreateTenant = z.strictObject({
  name: z.string({ error: "name is required" }).trim().min(1, "name must not be empty").max(200, "name must be at most 200 characters"),
  region: z.enum(["us", "eu"], { error: 'region must be "us" or "eu"' }).default("us"),
  plan: z.enum(PLAN_NAMES as ["free", "pro", "enterprise"], { error: `plan must be one of ${PLAN_NAMES.join(", ")}` }).default("free"),
});

/** Operator routes: take the AYVLO_ADMIN_TOKEN, not an API key. */
export const adminRoutes = new Hono<AppEnv>().post("/tenants", requireOperator(), idempotency(), async (c) => {
  const input = parseOr400(CreateTenant, await readJson(c), "body");
  const now = Date.now();
  const tenant = { id: randomId("ten"), name: input.name, region: input.region, plan: input.plan, createdAt: now };
  const { id, key } = generateApiKey();
  const firstKey = { id, tenantId: tenant.id, name: "default", keyHash: await hashApiKey(key), scopes: [...SCOPES], createdAt: now, revokedAt: null };
  await audited(
    c.env,
    tenant.id,
    { actor: "operator", action: "tenant.create", target: `tenant:${tenant.id}`, data: { region: tenant.region, plan: tenant.plan, api_key_id: id, scopes: [...SCOPES] } },
    [...c.var.store.changes.createTenant(tenant, firstKey)],
  );
  return c.json({ tenant: tenantJson(tenant), api_key: key, api_key_id: id, scopes: [...SCOPES] }, 201);
});
