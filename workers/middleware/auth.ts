import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { constantTimeEqual, hashApiKey, parseApiKey, SCOPES, type Scope } from "../../src/api-keys.ts";
import { decide, type Action, type Policy, type Role, type Subject } from "../../src/policy/index.ts";
import type { AppEnv, Caller } from "../app-env.ts";
import { findSessionUser, listPolicies } from "../db/accounts.ts";
import { d1 } from "../db/d1.ts";
import { readConfig } from "../env.ts";
import { ApiError } from "../errors.ts";
import { verifySessionJwt } from "../keys.ts";

/** The session cookie: a short-lived ES256 JWT (see workers/sessions.ts). */
export const SESSION_COOKIE = "__Host-ayvlo_session";
/** Cookie-authenticated requests that change something must echo the session's CSRF token in this header. */
export const CSRF_HEADER = "x-csrf-token";

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

/** Each tenant's policies, per isolate; a change made here applies here at once, elsewhere within the TTL. */
export const POLICY_CACHE_TTL_MS = 30_000;
const policyCache = new Map<string, { policies: Policy[]; expiresAt: number }>();

export function forgetPolicies(tenantId: string): void {
  policyCache.delete(tenantId);
}

export async function tenantPolicies(c: Context<AppEnv>, tenantId: string): Promise<Policy[]> {
  const cached = policyCache.get(tenantId);
  if (cached && cached.expiresAt > Date.now()) return cached.policies;
  const policies = (await listPolicies(d1(c.env), tenantId)).map((row) => row.body as unknown as Policy);
  policyCache.set(tenantId, { policies, expiresAt: Date.now() + POLICY_CACHE_TTL_MS });
  return policies;
}

function bearer(header: string | undefined): string | null {
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match ? match[1]! : null;
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Who is calling: an API key (Authorization: Bearer) or a person (session cookie). Null when neither is presented. */
async function authenticate(c: Context<AppEnv>): Promise<Caller | null> {
  const presented = bearer(c.req.header("authorization"));
  if (presented) {
    const caller = await verifyKey(c.var.store, presented);
    if (!caller) throw new ApiError("UNAUTHORIZED", "the API key is not valid or has been revoked", { headers: { "www-authenticate": 'Bearer realm="ayvlo", error="invalid_token"' } });
    return caller;
  }
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) return null;
  const claims = await verifySessionJwt(c.env, token);
  if (!claims || typeof claims.sub !== "string" || typeof claims.sid !== "string") throw new ApiError("UNAUTHORIZED", "the session has expired or is not valid; log in again or refresh it (POST /v1/auth/refresh)");
  const found = await findSessionUser(d1(c.env), claims.sub, claims.sid);
  if (!found || !found.live || found.user.status !== "active" || found.user.sessionVersion !== claims.sv || found.tenant.id !== claims.tid) {
    throw new ApiError("UNAUTHORIZED", "the session has ended (logged out, or signed out everywhere); log in again");
  }
  // A cookie is sent by the browser on its own: a change must prove it comes from our page.
  if (UNSAFE.has(c.req.method)) {
    const echoed = c.req.header(CSRF_HEADER);
    if (!echoed || typeof claims.csrf !== "string" || !constantTimeEqual(echoed, claims.csrf)) throw new ApiError("FORBIDDEN", `a cookie-authenticated ${c.req.method} must carry the session's CSRF token in the ${CSRF_HEADER} header`);
  }
  const amr = Array.isArray(claims.amr) ? claims.amr.filter((m): m is string => typeof m === "string") : [];
  return {
    tenant: found.tenant,
    actor: `user:${found.user.id}`,
    keyId: null,
    userId: found.user.id,
    scopes: null,
    role: found.user.role,
    session: { familyId: claims.sid, amr },
  };
}

/** Requires a known caller; sets it. */
async function identify(c: Context<AppEnv>): Promise<Caller> {
  const caller = await authenticate(c);
  if (!caller) throw new ApiError("UNAUTHORIZED", "send an API key as 'Authorization: Bearer ayv_live_…' or log in for a session cookie", { headers: { "www-authenticate": 'Bearer realm="ayvlo"' } });
  c.set("caller", caller);
  c.set("idempotencyOwner", caller.tenant.id);
  return caller;
}

/** The policy engine's view of a person of the tenant. */
export function userSubject(tenantId: string, user: { id: string; role: string }, mfa = false): Subject {
  return { id: `user:${user.id}`, type: "user", tenant_id: tenantId, role: user.role as Role, user_id: user.id, mfa };
}

/** The policy engine's view of an API key of the tenant (unknown scopes are dropped). */
export function keySubject(tenantId: string, key: { id: string; scopes: readonly string[] }): Subject {
  return { id: `key:${key.id}`, type: "api_key", tenant_id: tenantId, scopes: key.scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)), key_id: key.id };
}

/** The policy engine's view of the caller. */
export function subjectOf(caller: Caller): Subject {
  const mfa = caller.session?.amr.some((m) => m !== "pwd") ?? false;
  return caller.userId ? userSubject(caller.tenant.id, { id: caller.userId, role: caller.role ?? "" }, mfa) : keySubject(caller.tenant.id, { id: caller.keyId!, scopes: caller.scopes ?? [] });
}

/** Facts about the request that policies may test. */
export function environmentOf(c: Context<AppEnv>): Record<string, unknown> & { now: number } {
  const cf = (c.req.raw as { cf?: { country?: string } }).cf;
  return { now: Date.now(), ip: c.req.header("cf-connecting-ip") ?? null, country: cf?.country ?? null, auth: c.var.caller?.userId ? "session" : "api_key" };
}

/**
 * Requires a caller allowed to do `action` (resource type = the action's
 * prefix; its id from the route parameter `idParam`, if given). Roles, API-key
 * scopes and the tenant's policies are weighed by one engine (src/policy).
 */
export function requireAccess(action: Action, idParam?: string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const caller = await identify(c);
    const type = action.slice(0, action.indexOf("."));
    const id = idParam ? c.req.param(idParam) : undefined;
    const decision = decide(
      { subject: subjectOf(caller), action, resource: { type, ...(id !== undefined ? { id } : {}), tenant_id: caller.tenant.id }, environment: environmentOf(c) },
      await tenantPolicies(c, caller.tenant.id),
    );
    if (!decision.allowed) throw new ApiError("FORBIDDEN", caller.keyId ? `this API key may not ${action}: ${decision.reason}` : `you may not ${action}: ${decision.reason}`);
    await next();
  });
}

/** Requires a person's session (not an API key): their own account settings. */
export function requireUser() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const caller = await identify(c);
    if (!caller.userId) throw new ApiError("FORBIDDEN", "this needs a person's session (log in), not an API key");
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
  const caller: Caller = { tenant: found.tenant, actor: `key:${found.key.id}`, keyId: found.key.id, userId: null, scopes: found.key.scopes as Scope[], role: null, session: null };
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
