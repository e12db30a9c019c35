import type { Context } from "hono";
import { z } from "zod";
import { checkLockout, hashPassword, verifyPassword, verifyRecoveryCode, verifyTotp } from "../../src/auth/index.ts";
import { sha256Hex } from "../../src/hash.ts";
import type { AppEnv } from "../app-env.ts";
import { audited, type AuditRecord } from "../audit.ts";
import { findUserByEmail, getUser, type UserRow } from "../db/accounts.ts";
import { countFailure, countPasskeys, failureRecords } from "../db/logins.ts";
import { revokeFamilyQuery } from "../db/refresh-tokens.ts";
import { bumpSessionVersion, setPasswordHash, spendRecoveryCode, spendTotpStep, type Db } from "../db/account-security.ts";
import { d1 } from "../db/d1.ts";
import { ApiError } from "../errors.ts";
import { log } from "../log.ts";
import { clientPersonal, completeLogin, loginClient, loginRisk, riskData, type LoginRisk } from "../login-risk.ts";
import { tenantJson, userJson } from "../present.ts";
import { readJson } from "../read-json.ts";
import { clearSessionCookies, refreshSession, revokeAllSessions } from "../sessions.ts";
import { parseOr400 } from "../validate.ts";

// Password login with a second factor when the account has one or the risk
// calls for one; lockout with backoff per account and per IP; every decision
// audited in the user's tenant. Refresh, logout (here or everywhere), me.

const Login = z.strictObject({
  email: z.string({ error: "email is required" }).trim().min(1, "email is required").max(254, "email must be at most 254 characters").transform((e) => e.toLowerCase()),
  password: z.string({ error: "password is required" }).min(1, "password is required").max(256, "password must be at most 256 characters"),
  totp: z.string().max(16, "totp must be at most 16 characters").optional(),
  recovery_code: z.string().max(32, "recovery_code must be at most 32 characters").optional(),
});

const Logout = z.strictObject({ everywhere: z.boolean({ error: "everywhere must be true or false" }).optional() });

const BAD_CREDENTIALS = "the email or password is not correct";

// Unknown emails still pay for one password hash, so timing does not reveal which accounts exist.
let decoyHash: Promise<string> | null = null;
const decoy = () => (decoyHash ??= hashPassword("ayvlo decoy password", new Uint8Array(16)));

/** The factors this user can complete a login with. */
function methodsOf(user: UserRow, passkeys: number): string[] {
  const methods: string[] = [];
  if (user.totpEnabled) methods.push("totp");
  if (user.totpEnabled && user.recoveryHashes.length > 0) methods.push("recovery_code");
  if (passkeys > 0) methods.push("webauthn");
  if (methods.length === 0) methods.push("magic_link");
  return methods;
}

export async function login(c: Context<AppEnv>): Promise<Response> {
  const input = parseOr400(Login, await readJson(c), "body");
  const db = d1(c.env);
  const now = Date.now();
  const client = await loginClient(c);
  const found = await findUserByEmail(db, input.email);
  const user = found && found.user.status === "active" ? found.user : null;
  // Unknown emails get an account key of their own so the answers (401, then 429) match a real account's.
  const accountKey = user ? `account:${user.id}` : `account:unknown:${await sha256Hex(input.email)}`;
  const ipKey = client.ip ? `ip:${client.ip}` : null;
  const records = await failureRecords(db, ipKey ? [accountKey, ipKey] : [accountKey]);
  const account = records[accountKey]!;
  const lock = checkLockout({ account, ip: ipKey ? records[ipKey]! : { failures: 0, lastFailureAt: null } }, now);
  const personal = user ? { subject: `user:${user.id}`, fields: clientPersonal(client) } : undefined;
  const entry = (action: string, data: Record<string, unknown>): AuditRecord => ({ actor: `user:${user!.id}`, action, target: `user:${user!.id}`, data: data as never, personal });

  if (!lock.ok) {
    const seconds = Math.max(1, Math.ceil(lock.retryAfterMs / 1000));
    if (user) await audited(c.env, user.tenantId, entry("auth.locked_out", { scope: lock.scope, retry_after_s: seconds, failures: lock.scope === "account" ? account.failures : null }));
    else log("warn", "auth.locked_out", { scope: lock.scope, retry_after_s: seconds, known_account: false });
    throw new ApiError("RATE_LIMITED", `too many failed logins from this ${lock.scope === "account" ? "account" : "address"}; try again in ${seconds} s`, { headers: { "retry-after": String(seconds) } });
  }

  const failed = async (reason: string, risk?: LoginRisk) => {
    const counts = [countFailure(db, accountKey, now), ...(ipKey ? [countFailure(db, ipKey, now)] : [])];
    if (user) await audited(c.env, user.tenantId, entry("auth.login_failed", { reason, failures: account.failures + 1, ...(risk ? riskData(risk) : {}) }), counts);
    else {
      await db.batch(counts as [typeof counts[0], ...typeof counts]);
      log("warn", "auth.login_failed", { reason, known_account: false });
    }
  };

  const checked = user?.passwordHash ? await verifyPassword(input.password, user.passwordHash) : (await verifyPassword(input.password, await decoy()), { ok: false as const });
  if (!user || !checked.ok) {
    await failed(user ? "bad_password" : "unknown_email");
    throw new ApiError("UNAUTHORIZED", BAD_CREDENTIALS);
  }

  const risk = await loginRisk(db, user, client, account, now);
  if (risk.action === "block") {
    await audited(c.env, user.tenantId, entry("auth.login_blocked", riskData(risk)));
    throw new ApiError("FORBIDDEN", "this login looks too risky to allow (new device, impossible travel, repeated failures); try again from a known device or contact your administrator");
  }

  const passkeys = await countPasskeys(db, user.tenantId, user.id);
  const needsSecond = user.totpEnabled || passkeys > 0 || risk.action === "mfa";
  const amr = ["pwd"];
  if (needsSecond) {
    const methods = methodsOf(user, passkeys);
    const second = await secondFactor(db, user, input, now);
    if (second === "missing") {
      await audited(c.env, user.tenantId, entry("auth.mfa_required", { methods, ...riskData(risk) }));
      throw new ApiError("MFA_REQUIRED", `a second factor is required: ${methods.join(", ")}`, { extensions: { methods } });
    }
    if (second === "wrong") {
      await failed("bad_second_factor", risk);
      throw new ApiError("MFA_REQUIRED", `the second factor is not correct (or was already used); use one of: ${methods.join(", ")}`, { extensions: { methods } });
    }
    amr.push(second);
  }

  const rehash = checked.needsRehash ? [setPasswordHash(db, user.tenantId, user.id, await hashPassword(input.password))] : [];
  const session = await completeLogin(c, user, client, risk, amr, rehash);
  return c.json({ user: userJson(user), tenant: tenantJson(found!.tenant), session, risk: { score: risk.score, reasons: risk.reasons.map((r) => r.code) } });
}

/**
 * Checks the TOTP code or recovery code of a login and spends it: a TOTP step
 * is claimed (totp_last_step only moves forward), a recovery code's hash is
 * removed (compare-and-swap on the list), so each is good once even under races.
 */
async function secondFactor(db: Db, user: UserRow, input: { totp?: string | undefined; recovery_code?: string | undefined }, now: number): Promise<"missing" | "wrong" | "otp" | "recovery"> {
  if (input.totp === undefined && input.recovery_code === undefined) return "missing";
  if (!user.totpEnabled || !user.totpSecret) return "wrong";
  if (input.totp !== undefined) {
    const v = await verifyTotp(user.totpSecret, input.totp, now, { lastUsedStep: user.totpLastStep });
    return v.ok && (await spendTotpStep(db, user.tenantId, user.id, v.step)) ? "otp" : "wrong";
  }
  const v = await verifyRecoveryCode(input.recovery_code!, user.recoveryHashes);
  if (!v.ok) return "wrong";
  const left = user.recoveryHashes.filter((_, i) => i !== v.index);
  return (await spendRecoveryCode(db, user.tenantId, user.id, user.recoveryHashes, left)) ? "recovery" : "wrong";
}

export async function refresh(c: Context<AppEnv>): Promise<Response> {
  const db = d1(c.env);
  const outcome = await refreshSession(c, (tenantId, userId) => getUser(db, tenantId, userId));
  if (outcome.ok) return c.json({ session: outcome.issued });
  clearSessionCookies(c);
  if (outcome.reason === "reused" && outcome.tenantId) {
    await audited(c.env, outcome.tenantId, { actor: "system", action: "auth.refresh_reused", target: `user:${outcome.userId}`, data: { family_id: outcome.familyId ?? null } });
    throw new ApiError("UNAUTHORIZED", "this refresh token was already used: the session was ended on every device it reached; log in again");
  }
  throw new ApiError("UNAUTHORIZED", outcome.reason === "missing" ? "no refresh token; log in" : "the session has ended; log in again");
}

export async function logout(c: Context<AppEnv>): Promise<Response> {
  const text = await c.req.text();
  const input = text.trim() === "" ? {} : parseOr400(Logout, safeJson(text), "body");
  const caller = c.var.caller;
  const userId = caller.userId!;
  const db = d1(c.env);
  const now = Date.now();
  const target = `user:${userId}`;
  if (input.everywhere) {
    await audited(c.env, caller.tenant.id, { actor: caller.actor, action: "auth.logout_everywhere", target }, [
      bumpSessionVersion(db, caller.tenant.id, userId),
      revokeAllSessions(c.env, caller.tenant.id, userId, now),
    ]);
  } else {
    const familyId = caller.session!.familyId;
    await audited(c.env, caller.tenant.id, { actor: caller.actor, action: "auth.logout", target, data: { family_id: familyId } }, [
      revokeFamilyQuery(db, caller.tenant.id, familyId, now),
    ]);
  }
  clearSessionCookies(c);
  return c.body(null, 204);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError("VALIDATION", "the request body is not valid JSON", { errors: [{ path: "", message: "invalid JSON" }] });
  }
}

export async function me(c: Context<AppEnv>): Promise<Response> {
  const caller = c.var.caller;
  const db = d1(c.env);
  const user = await getUser(db, caller.tenant.id, caller.userId!);
  if (!user) throw new ApiError("UNAUTHORIZED", "the session has ended; log in again");
  const passkeys = await countPasskeys(db, user.tenantId, user.id);
  return c.json({
    user: userJson(user),
    tenant: tenantJson(caller.tenant),
    session: { family_id: caller.session!.familyId, amr: caller.session!.amr },
    mfa: { totp: user.totpEnabled, passkeys, recovery_codes_left: user.totpEnabled ? user.recoveryHashes.length : 0 },
  });
}

