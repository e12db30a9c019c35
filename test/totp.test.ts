import { describe, expect, it } from "vitest";
import { totp } from "../src/auth/index.ts";
import { call, callAs, newTenant, signup, TEST_PASSWORD, type TestSession } from "./helpers.ts";
import { deviceCookie, loginOk, loginRequest, verifiedChain } from "./login-helpers.ts";

interface Enrolment {
  secret: string;
  otpauth_uri: string;
  qr_svg: string;
  recovery_codes: string[];
}

/** Enrols and turns TOTP on; `used` is the code that turned it on (spent). */
async function enrolled(owner: TestSession): Promise<Enrolment & { used: string }> {
  const res = await callAs(owner, "POST", "/v1/auth/totp/enroll");
  expect(res.status).toBe(200);
  const enrolment = await res.json<Enrolment>();
  const used = await totp(enrolment.secret, Date.now());
  expect((await callAs(owner, "POST", "/v1/auth/totp/verify", { body: { code: used } })).status).toBe(200);
  return { ...enrolment, used };
}

const login = (owner: TestSession, extra: Record<string, unknown> = {}) => loginRequest({ email: owner.email, password: TEST_PASSWORD, ...extra }, { cookie: deviceCookie(owner) });

describe("TOTP", () => {
  it("enrolment gives a secret, an otpauth URI, a QR code and recovery codes; it is not on until a code is verified", async () => {
    const owner = await signup();
    const res = await callAs(owner, "POST", "/v1/auth/totp/enroll");
    expect(res.status).toBe(200);
    const e = await res.json<Enrolment>();
    expect(e.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(e.otpauth_uri).toMatch(new RegExp(`^otpauth://totp/Ayvlo:.+\\?secret=${e.secret}&issuer=Ayvlo`));
    expect(e.qr_svg).toMatch(/^<svg[\s\S]*<\/svg>$/);
    expect(e.recovery_codes).toHaveLength(10);
    // Pending: the password alone still logs in.
    expect((await login(owner)).status).toBe(200);
    const wrong = await callAs(owner, "POST", "/v1/auth/totp/verify", { body: { code: "000000" === (await totp(e.secret, Date.now())) ? "111111" : "000000" } });
    expect(wrong.status).toBe(400);
    expect((await wrong.json<{ errors: Array<{ path: string }> }>()).errors[0]!.path).toBe("body.code");
    expect((await callAs(owner, "POST", "/v1/auth/totp/verify", { body: { code: await totp(e.secret, Date.now()) } })).status).toBe(200);
    expect(await (await callAs(owner, "GET", "/v1/auth/me")).json()).toMatchObject({ user: { mfa: { totp: true } }, mfa: { totp: true, recovery_codes_left: 10 } });
    expect((await verifiedChain(owner.tenantId)).at(-1)).toMatchObject({ action: "auth.totp_enabled", actor: `user:${owner.userId}` });
  });

  it("once on, login needs a code; a code is good once, and a wrong one counts as a failure", async () => {
    const owner = await signup();
    const e = await enrolled(owner);
    const bare = await login(owner);
    expect(bare.status).toBe(401);
    expect(await bare.json()).toMatchObject({ type: "https://ayvlo.dev/problems/mfa-required", methods: ["totp", "recovery_code"] });
    // The code used to turn TOTP on is spent.
    const reused = await login(owner, { totp: e.used });
    expect(reused.status).toBe(401);
    expect((await reused.json<{ type: string }>()).type).toBe("https://ayvlo.dev/problems/mfa-required");
    const next = await totp(e.secret, Date.now() + 30_000);
    const s = await loginOk(owner.email, { cookie: deviceCookie(owner), extra: { totp: next } });
    expect(await (await callAs(s, "GET", "/v1/auth/me")).json()).toMatchObject({ session: { amr: ["pwd", "otp"] } });
    expect((await login(owner, { totp: next })).status).toBe(401);
    const actions = (await verifiedChain(owner.tenantId)).map((e) => [e.action, (e.data as { reason?: string }).reason]);
    expect(actions).toContainEqual(["auth.mfa_required", undefined]);
    expect(actions.filter(([a, r]) => a === "auth.login_failed" && r === "bad_second_factor")).toHaveLength(2);
  });

  it("a recovery code logs in once", async () => {
    const owner = await signup();
    const e = await enrolled(owner);
    const code = e.recovery_codes[3]!;
    const s = await loginOk(owner.email, { cookie: deviceCookie(owner), extra: { recovery_code: code.toUpperCase() } });
    expect(await (await callAs(s, "GET", "/v1/auth/me")).json()).toMatchObject({ session: { amr: ["pwd", "recovery"] }, mfa: { recovery_codes_left: 9 } });
    expect((await login(owner, { recovery_code: code })).status).toBe(401);
    expect((await login(owner, { recovery_code: e.recovery_codes[4]! })).status).toBe(200);
  });

  it("turning it off needs a code; then the password alone logs in again", async () => {
    const owner = await signup();
    const e = await enrolled(owner);
    const wrong = await callAs(owner, "DELETE", "/v1/auth/totp", { body: { code: "12345" } });
    expect(wrong.status).toBe(400);
    expect((await verifiedChain(owner.tenantId)).at(-1)).toMatchObject({ action: "auth.totp_disable_failed" });
    expect((await callAs(owner, "DELETE", "/v1/auth/totp", { body: { code: e.recovery_codes[0]! } })).status).toBe(204);
    expect((await verifiedChain(owner.tenantId)).at(-1)).toMatchObject({ action: "auth.totp_disabled", data: { by: "recovery_code" } });
    expect((await login(owner)).status).toBe(200);
    expect((await callAs(owner, "POST", "/v1/auth/totp/verify", { body: { code: "123456" } })).status).toBe(409);
  });

  it("guessing codes to turn it off runs into the account's lockout", async () => {
    const owner = await signup();
    await enrolled(owner);
    let locked: Response | null = null;
    for (let i = 0; i < 12 && !locked; i++) {
      const res = await callAs(owner, "DELETE", "/v1/auth/totp", { body: { code: "abcdef" } });
      if (res.status === 429) locked = res;
      else expect(res.status).toBe(400);
    }
    expect(Number(locked?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await (await callAs(owner, "GET", "/v1/auth/me")).json()).toMatchObject({ mfa: { totp: true } });
  });

  it("is a person's setting: 401 without a session, 403 for an API key, 409 when already on", async () => {
    const owner = await signup();
    await enrolled(owner);
    expect((await call("POST", "/v1/auth/totp/enroll")).status).toBe(401);
    expect((await call("POST", "/v1/auth/totp/enroll", { key: (await newTenant()).key })).status).toBe(403);
    expect((await callAs(owner, "POST", "/v1/auth/totp/enroll")).status).toBe(409);
  });
});
