import { Hono, type Context } from "hono";
import { z } from "zod";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { base64UrlDecode, base64UrlEncode } from "../../src/audit/index.ts";
import type { AppEnv } from "../app-env.ts";
import { d1 } from "../db/d1.ts";
import { audited } from "../audit.ts";
import { findUserByEmail, getUser, type UserRow } from "../db/accounts.ts";
import { challengeId, insertChallenge, pruneChallenges, spendChallenge, type ChallengePurpose } from "../db/challenges.ts";
import { advanceCounter, deletePasskeyQuery, findPasskeyOwner, getPasskey, insertPasskeyQuery, listPasskeys, type PasskeyRow } from "../db/passkeys.ts";
import type { TenantRow } from "../db/store.ts";
import { ApiError } from "../errors.ts";
import { throttleByIp } from "../middleware/throttle.ts";
import { requireUser } from "../middleware/auth.ts";
import { tenantJson, userJson } from "../present.ts";
import { readJson } from "../read-json.ts";
import { relyingParty } from "../relying-party.ts";
import { clientPersonal, completeLogin, loginClient, loginRisk } from "../login-risk.ts";
import { parseOr400 } from "../validate.ts";
import { Email } from "./auth.ts";

// Passkeys (WebAuthn) through @simplewebauthn/server: registration by a
// logged-in user, passwordless login, list and removal. Every challenge is
// stored, lives 5 minutes and is spent on first use, whether the ceremony
// then succeeds or not.

const CHALLENGE_TTL_MS = 5 * 60_000;

const b64url = (what: string, max = 4096) =>
  z
    .string({ error: `${what} is required` })
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`)
    .regex(/^[A-Za-z0-9_-]+$/, `${what} must be base64url`);

const Transports = z.array(z.string().max(32)).max(10).optional();
const Common = {
  id: b64url("id", 1366),
  rawId: b64url("rawId", 1366),
  type: z.literal("public-key", { error: 'type must be "public-key"' }),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
};

// Loose objects: browsers add fields (publicKey, publicKeyAlgorithm, …) that the verifier may read.
const RegistrationResponse = z.looseObject({
  ...Common,
  response: z.looseObject({ clientDataJSON: b64url("clientDataJSON"), attestationObject: b64url("attestationObject", 65_536), transports: Transports }, { error: "response is required" }),
});

const AuthenticationResponse = z.looseObject({
  ...Common,
  response: z.looseObject(
    { clientDataJSON: b64url("clientDataJSON"), authenticatorData: b64url("authenticatorData"), signature: b64url("signature"), userHandle: b64url("userHandle", 256).optional() },
    { error: "response is required" },
  ),
});

const RegisterVerify = z.strictObject({
  response: RegistrationResponse,
  name: z.string().trim().min(1, "name must not be empty").max(100, "name must be at most 100 characters").optional(),
});

const LoginOptions = z.strictObject({ email: Email.optional() });

const LoginVerify = z.strictObject({
  challenge_id: z.string({ error: "challenge_id is required (from POST /v1/auth/webauthn/login/options)" }).min(1).max(200),
  response: AuthenticationResponse,
});

function passkeyJson(p: PasskeyRow) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return { id: p.id, name: p.name, created_at: iso(p.createdAt), last_used_at: iso(p.lastUsedAt) };
}

/** The challenge the browser signed, read from clientDataJSON (verified again by the library against the stored one). */
function signedChallenge(clientDataJSON: string): string | null {
  const bytes = base64UrlDecode(clientDataJSON);
  if (!bytes) return null;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { challenge?: unknown };
    return typeof parsed.challenge === "string" && /^[A-Za-z0-9_-]{16,128}$/.test(parsed.challenge) ? parsed.challenge : null;
  } catch {
    return null;
  }
}

async function storeChallenge(c: Context<AppEnv>, purpose: ChallengePurpose, challenge: string, who: { tenantId: string; userId: string } | null): Promise<string> {
  const now = Date.now();
  const id = challengeId(purpose, challenge);
  await insertChallenge(d1(c.env), { id, purpose, tenantId: who?.tenantId ?? null, userId: who?.userId ?? null, secret: challenge, createdAt: now, expiresAt: now + CHALLENGE_TTL_MS, usedAt: null });
  return id;
}

/** The logged-in caller as a user row. */
async function me(c: Context<AppEnv>): Promise<UserRow> {
  const caller = c.var.caller;
  const user = await getUser(d1(c.env), caller.tenant.id, caller.userId!);
  if (!user) throw new ApiError("UNAUTHORIZED", "the session's user no longer exists; log in again");
  return user;
}

const loginFailed = (detail: string) => new ApiError("UNAUTHORIZED", detail);

export const webauthnRoutes = new Hono<AppEnv>()
  .post("/register/options", requireUser(), async (c) => {
    const user = await me(c);
    const existing = await listPasskeys(d1(c.env), user.tenantId, user.id);
    const { rpID } = relyingParty(c);
    const options = await generateRegistrationOptions({
      rpName: "Ayvlo",
      rpID,
      userName: user.email,
      userDisplayName: user.name ?? user.email,
      // The user handle: our user id, returned by the authenticator at login (no personal data).
      userID: new Uint8Array(new TextEncoder().encode(user.id)),
      attestationType: "none",
      excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports })),
      authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
      timeout: CHALLENGE_TTL_MS,
    });
    await storeChallenge(c, "webauthn_register", options.challenge, { tenantId: user.tenantId, userId: user.id });
    return c.json(options);
  })
  .post("/register/verify", requireUser(), async (c) => {
    const input = parseOr400(RegisterVerify, await readJson(c), "body");
    const caller = c.var.caller;
    const challenge = signedChallenge(input.response.response.clientDataJSON);
    if (!challenge) throw new ApiError("VALIDATION", "clientDataJSON is not base64url JSON with a challenge", { errors: [{ path: "body.response.response.clientDataJSON", message: "expected base64url-encoded client data JSON with a challenge" }] });
    const db = d1(c.env);
    const now = Date.now();
    const spent = await spendChallenge(db, challengeId("webauthn_register", challenge), "webauthn_register", now, { tenantId: caller.tenant.id, userId: caller.userId! });
    if (!spent) {
      throw new ApiError("VALIDATION", "the challenge is unknown, already used or expired; ask for new options (POST /v1/auth/webauthn/register/options)", { errors: [{ path: "body.response", message: "challenge unknown, used or expired" }] });
    }
    const { rpID, origin } = relyingParty(c);
    let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verification = await verifyRegistrationResponse({ response: input.response as unknown as RegistrationResponseJSON, expectedChallenge: spent.secret, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: false });
    } catch (error) {
      throw new ApiError("VALIDATION", `the passkey registration does not verify: ${error instanceof Error ? error.message : String(error)}`, { errors: [{ path: "body.response", message: "registration does not verify" }] });
    }
    if (!verification.verified) throw new ApiError("VALIDATION", "the passkey registration does not verify", { errors: [{ path: "body.response", message: "registration does not verify" }] });
    const info = verification.registrationInfo;
    if (await findPasskeyOwner(db, info.credential.id)) throw new ApiError("CONFLICT", "this passkey is already registered");
    const passkey: PasskeyRow = {
      id: info.credential.id,
      tenantId: caller.tenant.id,
      userId: caller.userId!,
      publicKey: base64UrlEncode(info.credential.publicKey),
      counter: info.credential.counter,
      transports: info.credential.transports ?? input.response.response.transports ?? [],
      name: input.name ?? (info.credentialDeviceType === "multiDevice" ? "Passkey" : "Security key"),
      createdAt: now,
      lastUsedAt: null,
    };
    try {
      await audited(
        c.env,
        caller.tenant.id,
        {
          actor: caller.actor,
          action: "auth.passkey_added",
          target: `passkey:${passkey.id}`,
          data: { user: `user:${passkey.userId}`, device_type: info.credentialDeviceType, backed_up: info.credentialBackedUp, user_verified: info.userVerified, aaguid: info.aaguid },
          // The name is the user's own label ("Ana's phone"): personal.
          personal: { subject: `user:${passkey.userId}`, fields: { name: passkey.name } },
        },
        [insertPasskeyQuery(db, passkey)],
      );
    } catch (error) {
      if (String(error).includes("UNIQUE")) throw new ApiError("CONFLICT", "this passkey is already registered");
      throw error;
    }
    return c.json(passkeyJson(passkey), 201);
  })
  .post("/login/options", throttleByIp(), async (c) => {
    // The body is optional: no email means "any passkey on this device" (discoverable credentials).
    const text = (await c.req.text()).trim();
    const input = parseOr400(LoginOptions, text === "" ? {} : await readJson(c), "body");
    const db = d1(c.env);
    let who: { tenantId: string; userId: string } | null = null;
    let allow: PasskeyRow[] = [];
    if (input.email) {
      const found = await findUserByEmail(db, input.email);
      // An unknown email gets the same answer as an account without passkeys.
      if (found && found.user.status === "active") {
        who = { tenantId: found.user.tenantId, userId: found.user.id };
        allow = await listPasskeys(db, who.tenantId, who.userId);
      }
    }
    const { rpID } = relyingParty(c);
    const options = await generateAuthenticationOptions({ rpID, allowCredentials: allow.map((p) => ({ id: p.id, transports: p.transports })), userVerification: "preferred", timeout: CHALLENGE_TTL_MS });
    const id = await storeChallenge(c, "webauthn_login", options.challenge, who);
    // Anyone may ask for options: spent and expired challenges are swept as they come.
    c.executionCtx.waitUntil(pruneChallenges(db, Date.now()).catch(() => undefined));
    return c.json({ ...options, challenge_id: id });
  })
  .post("/login/verify", throttleByIp(), async (c) => {
    const input = parseOr400(LoginVerify, await readJson(c), "body");
    const db = d1(c.env);
    const now = Date.now();
    const spent = await spendChallenge(db, input.challenge_id, "webauthn_login", now);
    if (!spent) throw loginFailed("the challenge is unknown, already used or expired; ask for new options (POST /v1/auth/webauthn/login/options)");
    const owner = await findPasskeyOwner(db, input.response.id);
    if (!owner) throw loginFailed("this passkey is not registered (it may have been removed)");
    const { passkey, user, tenant } = owner;
    const fail = async (reason: string, detail: string): Promise<never> => {
      await audited(c.env, tenant.id, {
        actor: "system",
        action: "auth.login_failed",
        target: `user:${user.id}`,
        data: { method: "webauthn", reason, passkey: `passkey:${passkey.id}` },
        personal: { subject: `user:${user.id}`, fields: clientPersonal(await loginClient(c)) },
      });
      throw loginFailed(detail);
    };
    // Options asked for one account's passkeys: only those may answer them.
    if (spent.userId !== null && (spent.tenantId !== tenant.id || spent.userId !== user.id)) await fail("other_account", "this passkey does not belong to the account the options were made for");
    if (user.status !== "active") await fail("inactive", "this account is not active");
    // A discoverable credential names its user (the handle we gave it at registration): it must be the owner.
    const handle = input.response.response.userHandle;
    if (handle !== undefined && new TextDecoder().decode(base64UrlDecode(handle) ?? new Uint8Array()) !== user.id) await fail("user_handle_mismatch", "the passkey's user handle does not match its owner");
    const { rpID, origin } = relyingParty(c);
    let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
    try {
      verification = await verifyAuthenticationResponse({
        response: input.response as unknown as AuthenticationResponseJSON,
        expectedChallenge: spent.secret,
        expectedOrigin: origin,
        expectedRPID: rpID,
        credential: { id: passkey.id, publicKey: new Uint8Array(base64UrlDecode(passkey.publicKey)!), counter: passkey.counter, transports: passkey.transports as never },
        requireUserVerification: false,
      });
    } catch (error) {
      // The library refuses a counter that does not move forward: a cloned authenticator or a replay.
      const message = error instanceof Error ? error.message : String(error);
      return fail(/counter/i.test(message) ? "counter_not_increased" : "invalid_assertion", `the passkey assertion is refused: ${message}`);
    }
    if (!verification.verified) return fail("bad_signature", "the passkey's signature does not verify");
    const { newCounter, userVerified } = verification.authenticationInfo;
    if (!(await advanceCounter(db, tenant.id, passkey.id, passkey.counter, newCounter, now))) await fail("counter_not_increased", "the passkey was used concurrently; try again");
    // A passkey is a strong factor: the risk is recorded, not acted on.
    const client = await loginClient(c);
    const risk = await loginRisk(d1(c.env), user, client);
    const session = await completeLogin(c, user, client, risk, ["webauthn"], [], { method: "webauthn", passkey: `passkey:${passkey.id}`, user_verified: userVerified });
    return c.json({ user: userJson(user), tenant: tenantJson(tenant as TenantRow), session });
  })
  .get("/credentials", requireUser(), async (c) => {
    const caller = c.var.caller;
    const rows = await listPasskeys(d1(c.env), caller.tenant.id, caller.userId!);
    return c.json({ data: rows.map(passkeyJson), next_cursor: null });
  })
  .delete("/credentials/:id", requireUser(), async (c) => {
    const caller = c.var.caller;
    const id = c.req.param("id");
    const db = d1(c.env);
    // Only the caller's own passkeys: another user's (or tenant's) is not found.
    const passkey = await getPasskey(db, caller.tenant.id, caller.userId!, id);
    if (!passkey) throw new ApiError("NOT_FOUND", `no passkey ${id}`);
    await audited(c.env, caller.tenant.id, { actor: caller.actor, action: "auth.passkey_removed", target: `passkey:${passkey.id}`, data: { user: `user:${passkey.userId}` } }, [deletePasskeyQuery(db, caller.tenant.id, caller.userId!, id)]);
    return c.body(null, 204);
  });
