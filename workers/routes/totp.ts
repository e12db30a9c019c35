import { Hono } from "hono";
import { renderSVG } from "uqr";
import { z } from "zod";
import { checkLockout, CLEAN_RECORD, generateRecoveryCodes, generateTotpSecret, totpUri, verifyRecoveryCode, verifyTotp } from "../../src/auth/index.ts";
import type { AppEnv } from "../app-env.ts";
import { audited } from "../audit.ts";
import { getUser } from "../db/accounts.ts";
import { clearFailures, countFailure, failureRecords } from "../db/logins.ts";
import { disableTotp, enableTotp, setTotpPending } from "../db/account-security.ts";
import { d1 } from "../db/d1.ts";
import { ApiError } from "../errors.ts";
import { requireUser } from "../middleware/auth.ts";
import { readJson } from "../read-json.ts";
import { parseOr400 } from "../validate.ts";

// TOTP enrolment (RFC 6238): enroll stores a pending secret and the recovery
// codes' hashes; verify with a first code turns it on; delete with a code turns
// it off. A code is good once (users.totp_last_step).

const Code = z.strictObject({ code: z.string({ error: "code is required" }).trim().min(1, "code is required").max(32, "code must be at most 32 characters") });

const wrongCode = (detail: string) => new ApiError("VALIDATION", detail, { errors: [{ path: "body.code", message: detail }] });

async function me(c: { env: Env; var: AppEnv["Variables"] }) {
  const user = await getUser(d1(c.env), c.var.caller.tenant.id, c.var.caller.userId!);
  if (!user) throw new ApiError("UNAUTHORIZED", "the session has ended; log in again");
  return user;
}

export const totpRoutes = new Hono<AppEnv>()
  .post("/enroll", requireUser(), async (c) => {
    const user = await me(c);
    if (user.totpEnabled) throw new ApiError("CONFLICT", "TOTP is already on; turn it off (DELETE /v1/auth/totp) before enrolling again");
    const secret = generateTotpSecret();
    const { codes, hashes } = await generateRecoveryCodes();
    await setTotpPending(d1(c.env), user.tenantId, user.id, secret, hashes);
    const uri = totpUri({ secret, account: user.email, issuer: "Ayvlo" });
    return c.json({ secret, otpauth_uri: uri, qr_svg: renderSVG(uri), recovery_codes: codes });
  })
  .post("/verify", requireUser(), async (c) => {
    const { code } = parseOr400(Code, await readJson(c), "body");
    const user = await me(c);
    if (user.totpEnabled) throw new ApiError("CONFLICT", "TOTP is already on");
    if (!user.totpSecret) throw new ApiError("CONFLICT", "no TOTP enrolment is pending; POST /v1/auth/totp/enroll first");
    const v = await verifyTotp(user.totpSecret, code, Date.now(), { lastUsedStep: user.totpLastStep });
    if (!v.ok) throw wrongCode("the code does not match the authenticator's current code");
    const db = d1(c.env);
    await audited(c.env, user.tenantId, { actor: c.var.caller.actor, action: "auth.totp_enabled", target: `user:${user.id}`, data: { recovery_codes: user.recoveryHashes.length } }, [
      enableTotp(db, user.tenantId, user.id, v.step),
    ]);
    return c.json({ totp: true, recovery_codes_left: user.recoveryHashes.length });
  })
  .delete("/", requireUser(), async (c) => {
    const { code } = parseOr400(Code, await readJson(c), "body");
    const user = await me(c);
    if (!user.totpEnabled || !user.totpSecret) throw new ApiError("CONFLICT", "TOTP is not on");
    // Turning a factor off needs that factor (a TOTP code, or a recovery code when the device is lost).
    // Wrong codes count toward the account's lockout, so a stolen session cannot guess its way to turning MFA off.
    const db = d1(c.env);
    const now = Date.now();
    const key = `account:${user.id}`;
    const lock = checkLockout({ account: (await failureRecords(db, [key]))[key]!, ip: CLEAN_RECORD }, now);
    if (!lock.ok) {
      const seconds = Math.max(1, Math.ceil(lock.retryAfterMs / 1000));
      throw new ApiError("RATE_LIMITED", `too many wrong codes; try again in ${seconds} s`, { headers: { "retry-after": String(seconds) } });
    }
    const byTotp = await verifyTotp(user.totpSecret, code, now, { lastUsedStep: user.totpLastStep });
    const ok = byTotp.ok || (await verifyRecoveryCode(code, user.recoveryHashes)).ok;
    if (!ok) {
      await audited(c.env, user.tenantId, { actor: c.var.caller.actor, action: "auth.totp_disable_failed", target: `user:${user.id}` }, [countFailure(db, key, now)]);
      throw wrongCode("the code is neither the authenticator's current code nor an unused recovery code");
    }
    await audited(c.env, user.tenantId, { actor: c.var.caller.actor, action: "auth.totp_disabled", target: `user:${user.id}`, data: { by: byTotp.ok ? "totp" : "recovery_code" } }, [
      disableTotp(db, user.tenantId, user.id),
      clearFailures(db, key),
    ]);
    return c.body(null, 204);
  });
