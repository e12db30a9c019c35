import { Hono } from "hono";
import { z } from "zod";
import { generateApiKey, hashApiKey, SCOPES } from "../../src/api-keys.ts";
import type { AppEnv } from "../app-env.ts";
import { audited } from "../audit.ts";
import { ApiError } from "../errors.ts";
import { forgetKey, requireAccess } from "../middleware/auth.ts";
import { idempotency } from "../middleware/idempotency.ts";
import { pageOf, pageQuery } from "../pagination.ts";
import { apiKeyJson } from "../present.ts";
import { readJson } from "../read-json.ts";
import { parseOr400 } from "../validate.ts";

const CreateKey = z.strictObject({
  name: z.string().trim().min(1, "name must not be empty").max(100, "name must be at most 100 characters").default("unnamed"),
  scopes: z
    .array(z.enum(SCOPES, { error: `each scope must be one of ${SCOPES.join(", ")}` }), { error: "scopes must be an array" })
    .min(1, "give at least one scope")
    .transform((scopes) => [...new Set(scopes)]),
});

/** API keys of the caller's tenant; managing them needs the `admin` scope. */
export const apiKeyRoutes = new Hono<AppEnv>()
  .post("/", requireAccess("api_key.create"), idempotency(), async (c) => {
    const input = parseOr400(CreateKey, await readJson(c), "body");
    const tenantId = c.var.caller.tenant.id;
    const { id, key } = generateApiKey();
    const row = { id, tenantId, name: input.name, keyHash: await hashApiKey(key), scopes: input.scopes, createdAt: Date.now(), revokedAt: null };
    // The audit entry names the key and its scopes, never the secret.
    await audited(c.env, tenantId, { actor: c.var.caller.actor, action: "api_key.create", target: `api_key:${id}`, data: { name: row.name, scopes: row.scopes } }, [c.var.store.changes.insertApiKey(tenantId, row)]);
    // The secret is shown here once; only its hash is kept.
    return c.json({ ...apiKeyJson(row), key }, 201);
  })
  .get("/", requireAccess("api_key.read"), async (c) => {
    const page = parseOr400(z.object(pageQuery), c.req.query(), "query");
    const rows = await c.var.store.listApiKeys(c.var.caller.tenant.id, { limit: page.limit, after: page.cursor });
    return c.json(pageOf(rows, page, (k) => [k.createdAt, k.id], apiKeyJson));
  })
  .delete("/:id", requireAccess("api_key.revoke", "id"), async (c) => {
    const id = c.req.param("id");
    const tenantId = c.var.caller.tenant.id;
    const existing = await c.var.store.getApiKey(tenantId, id);
    if (!existing || existing.revokedAt !== null) throw new ApiError("NOT_FOUND", `no active API key '${id}'`);
    await audited(c.env, tenantId, { actor: c.var.caller.actor, action: "api_key.revoke", target: `api_key:${id}` }, [c.var.store.changes.revokeApiKey(tenantId, id, Date.now())]);
    forgetKey(id);
    return c.body(null, 204);
  });
