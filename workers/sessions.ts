import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { sha256Hex } from "../src/hash.ts";
import { randomId } from "../src/ids.ts";
import { base64UrlEncode } from "../src/audit/index.ts";
import type { AppEnv } from "./app-env.ts";
import type { UserRow } from "./db/accounts.ts";
import { findRefreshToken, insertRefreshToken, revokeFamilyQuery, revokeUserTokensQuery, spendRefreshToken } from "./db/refresh-tokens.ts";
import { d1 } from "./db/d1.ts";
import { signSessionJwt } from "./keys.ts";
import { SESSION_COOKIE } from "./middleware/auth.ts";

// A session: a short-lived access JWT (cookie, ES256, kid) and a rotating
// refresh token (cookie; stored hashed, one family per login). Presenting a
// refresh token that was already rotated means it was stolen or replayed: the
// whole family is revoked.

export const ACCESS_TTL_S = 15 * 60;
export const REFRESH_TTL_MS = 30 * 86_400_000;
export const REFRESH_COOKIE = "__Host-ayvlo_refresh";
/** Readable by the page (not HttpOnly): it echoes it in the x-csrf-token header. */
export const CSRF_COOKIE = "__Host-ayvlo_csrf";

const randomToken = (bytes = 32) => base64UrlEncode(crypto.getRandomValues(new Uint8Array(bytes)));

const cookieBase = { path: "/", secure: true, httpOnly: true } as const;

/** What a new session tells the client (besides its cookies). */
export interface SessionIssued {
  family_id: string;
  csrf_token: string;
  expires_at: string;
}

async function issueAccess(c: Context<AppEnv>, user: UserRow, familyId: string, amr: string[]): Promise<SessionIssued> {
  const csrf = randomToken(18);
  const jwt = await signSessionJwt(c.env, { sub: user.id, tid: user.tenantId, sv: user.sessionVersion, sid: familyId, amr, csrf }, ACCESS_TTL_S);
  setCookie(c, SESSION_COOKIE, jwt, { ...cookieBase, sameSite: "Lax", maxAge: ACCESS_TTL_S });
  setCookie(c, CSRF_COOKIE, csrf, { path: "/", secure: true, httpOnly: false, sameSite: "Strict", maxAge: ACCESS_TTL_S });
  return { family_id: familyId, csrf_token: csrf, expires_at: new Date(Date.now() + ACCESS_TTL_S * 1000).toISOString() };
}

async function issueRefresh(c: Context<AppEnv>, user: UserRow, familyId: string, amr: string[], now: number): Promise<void> {
  const secret = randomToken();
  const id = randomId("rft");
  await insertRefreshToken(d1(c.env), { id, tenantId: user.tenantId, userId: user.id, familyId, tokenHash: await sha256Hex(secret), amr, createdAt: now, expiresAt: now + REFRESH_TTL_MS, rotatedAt: null, revokedAt: null });
  setCookie(c, REFRESH_COOKIE, secret, { ...cookieBase, sameSite: "Strict", maxAge: REFRESH_TTL_MS / 1000 });
}

/** Starts a session for `user` proven by `amr` (`pwd`, `otp`, `recovery`, `webauthn`, `email`): sets the cookies. */
export async function startSession(c: Context<AppEnv>, user: UserRow, amr: string[]): Promise<SessionIssued> {
  const familyId = randomId("ses");
  await issueRefresh(c, user, familyId, amr, Date.now());
  return issueAccess(c, user, familyId, amr);
}

export type RefreshOutcome = { ok: true; issued: SessionIssued; userId: string; tenantId: string } | { ok: false; reason: "missing" | "unknown" | "expired" | "revoked" | "reused"; userId?: string; tenantId?: string; familyId?: string };

/**
 * Rotates the presented refresh token: the old one is spent, a new one and a
 * new access token are issued. Replaying a spent token revokes its family.
 * `loadUser` returns the (active) user, or null.
 */
export async function refreshSession(c: Context<AppEnv>, loadUser: (tenantId: string, userId: string) => Promise<UserRow | null>): Promise<RefreshOutcome> {
  const presented = getCookie(c, REFRESH_COOKIE);
  if (!presented) return { ok: false, reason: "missing" };
  const secret = presented;
  const db = d1(c.env);
  const now = Date.now();
  const row = await findRefreshToken(db, await sha256Hex(secret));
  if (!row) return { ok: false, reason: "unknown" };
  const who = { userId: row.userId, tenantId: row.tenantId, familyId: row.familyId };
  if (row.revokedAt !== null) return { ok: false, reason: "revoked", ...who };
  if (row.rotatedAt !== null) {
    await revokeFamily(c.env, row.tenantId, row.familyId, now);
    return { ok: false, reason: "reused", ...who };
  }
  if (row.expiresAt <= now) return { ok: false, reason: "expired", ...who };
  const user = await loadUser(row.tenantId, row.userId);
  if (!user || user.status !== "active") return { ok: false, reason: "revoked", ...who };
  // Spend it; only one concurrent refresh can win the row.
  if (!(await spendRefreshToken(db, row.tenantId, row.id, now))) {
    await revokeFamily(c.env, row.tenantId, row.familyId, now);
    return { ok: false, reason: "reused", ...who };
  }
  await issueRefresh(c, user, row.familyId, row.amr, now);
  return { ok: true, issued: await issueAccess(c, user, row.familyId, row.amr), userId: user.id, tenantId: user.tenantId };
}

/** Ends one session family (logout on this device). */
export async function revokeFamily(env: Env, tenantId: string, familyId: string, now = Date.now()): Promise<void> {
  await revokeFamilyQuery(d1(env), tenantId, familyId, now);
}

/** The statement that ends every session of a user (logout everywhere, erasure); run it with the audit entry. */
export function revokeAllSessions(env: Env, tenantId: string, userId: string, now = Date.now()) {
  return revokeUserTokensQuery(d1(env), tenantId, userId, now);
}

export function clearSessionCookies(c: Context<AppEnv>): void {
  for (const name of [SESSION_COOKIE, REFRESH_COOKIE, CSRF_COOKIE]) deleteCookie(c, name, { path: "/", secure: true });
}
