import { createMiddleware } from "hono/factory";
import { constantTimeEqual, hasScope, hashApiKey, parseApiKey, type Scope } from "../../src/api-keys.ts";
import type { AppEnv, Caller } from "../app-env.ts";
import { readConfig } from "../env.ts";
import { ApiError } from "../errors.ts";

/**
 * Recently verified keys, per isolate, keyed by the key's hash. A revoked key
 * stops working in this isolate at once and in others within KEY_CACHE_TTL_MS.
 */
export const KEY_CACHE_TTL_MS = 30_000;
const keyCache = new Map<string, { caller: Caller; expiresAt: number }>();

/** Forgets a key in this isolate (used when it is revoked here). */
export function forgetKey(keyId: string): void {
  for (const [hash, entry] of keyCache) if (entry.caller.keyId === keyId) keyCache.delete(hash);
}

function bearer(header: string | undefined): string | null {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match ? match[1]! : null;
}

/** Requires an API key that carries `scope`; sets the caller. */
export function requireKey(scope: Scope) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const presented = bearer(c.req.header("authorization"));
    if (!presented) throw new ApiError("UNAUTHORIZED", "send an API key as 'Authorization: Bearer ayv_live_…'", { headers: { "www-authenticate": 'Bearer realm="ayvlo"' } });
    const caller = await verifyKey(c.var.store, presented);
    if (!caller) throw new ApiError("UNAUTHORIZED", "the API key is not valid or has been revoked", { headers: { "www-authenticate": 'Bearer realm="ayvlo", error="invalid_token"' } });
    if (!hasScope(caller.scopes, scope)) throw new ApiError("FORBIDDEN", `this API key lacks the '${scope}' scope`);
    c.set("caller", caller);
    c.set("idempotencyOwner", caller.tenant.id);
    await next();
  });
}

async function verifyKey(store: AppEnv["Variables"]["store"], presented: string): Promise<Caller | null> {
  const parsed = parseApiKey(presented);
  if (!parsed) return null;
  const hash = await hashApiKey(parsed.key);
  const now = Date.now();
  const cached = keyCache.get(hash);
  if (cached && cached.expiresAt > now) return cached.caller;
  keyCache.delete(hash);
  const found = await store.findKeyForAuth(parsed.id);
  if (!found || found.key.revokedAt !== null || !constantTimeEqual(found.key.keyHash, hash)) return null;
  const caller: Caller = { tenant: found.tenant, keyId: found.key.id, scopes: found.key.scopes as Scope[] };
  keyCache.set(hash, { caller, expiresAt: now + KEY_CACHE_TTL_MS });
  return caller;
}

/** Requires the operator token (AYVLO_ADMIN_TOKEN), for /v1/admin. */
export function requireOperator() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const presented = bearer(c.req.header("authorization"));
    if (!presented) throw new ApiError("UNAUTHORIZED", "send the operator token as 'Authorization: Bearer <AYVLO_ADMIN_TOKEN>'");
    if (!constantTimeEqual(presented, readConfig(c.env).AYVLO_ADMIN_TOKEN)) throw new ApiError("UNAUTHORIZED", "the operator token is not valid");
    c.set("idempotencyOwner", "operator");
    await next();
  });
}
