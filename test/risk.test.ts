import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { totp } from "../src/auth/index.ts";
import { callAs, TEST_PASSWORD } from "./helpers.ts";
import { deviceCookie, loginOk, loginRequest, PARIS, randomIp, signupAt, SYDNEY, verifiedChain } from "./login-helpers.ts";

interface MfaProblem {
  type: string;
  methods: string[];
}

describe("risk-based login", () => {
  it("a known device in a known place logs in with the password alone", async () => {
    const owner = await signupAt(PARIS, randomIp());
    const s = await loginOk(owner.email, { cookie: deviceCookie(owner), cf: PARIS, ip: randomIp() });
    expect(s.body).toMatchObject({ risk: { score: 0 } });
  });

  it("a new device raises the risk; with recent failures it demands a second factor (magic link for a user without one)", async () => {
    const owner = await signupAt(PARIS);
    const alone = await loginOk(owner.email, { cf: PARIS });
    expect(alone.body).toMatchObject({ risk: { score: 25, reasons: ["new_device"] } });
    for (let i = 0; i < 2; i++) expect((await loginRequest({ email: owner.email, password: "wrong password!!" }, { cf: PARIS })).status).toBe(401);
    const res = await loginRequest({ email: owner.email, password: TEST_PASSWORD }, { cf: PARIS, userAgent: "curl/8.0" });
    expect(res.status).toBe(401);
    const problem = await res.json<MfaProblem>();
    expect(problem.type).toBe("https://ayvlo.dev/problems/mfa-required");
    expect(problem.methods).toEqual(["magic_link"]);
    expect(res.headers.getSetCookie().some((l) => l.startsWith("__Host-ayvlo_session="))).toBe(false);
    const entry = (await verifiedChain(owner.tenantId)).at(-1)!;
    expect(entry).toMatchObject({ action: "auth.mfa_required", data: { methods: ["magic_link"], action: "mfa" } });
    expect((entry.data as { reasons: string[] }).reasons.sort()).toEqual(["failed_attempts", "new_device"]);
    expect((entry.data as { risk: number }).risk).toBeGreaterThanOrEqual(40);
  });

  it("impossible travel (Paris, then Sydney a minute later) demands the second factor even from a known device; TOTP lets the user in", async () => {
    const owner = await signupAt(PARIS);
    const enrol = await (await callAs(owner, "POST", "/v1/auth/totp/enroll")).json<{ secret: string }>();
    expect((await callAs(owner, "POST", "/v1/auth/totp/verify", { body: { code: await totp(enrol.secret, Date.now()) } })).status).toBe(200);
    // Turning TOTP off again: the user normally needs only a password.
    expect((await callAs(owner, "DELETE", "/v1/auth/totp", { body: { code: await totp(enrol.secret, Date.now() + 30_000) } })).status).toBe(204);
    expect((await loginOk(owner.email, { cookie: deviceCookie(owner), cf: PARIS })).body).toMatchObject({ risk: { score: 0 } });

    const far = await loginRequest({ email: owner.email, password: TEST_PASSWORD }, { cookie: deviceCookie(owner), cf: SYDNEY });
    expect(far.status).toBe(401);
    expect(await far.json<MfaProblem>()).toMatchObject({ type: "https://ayvlo.dev/problems/mfa-required", methods: ["magic_link"] });
    const entry = (await verifiedChain(owner.tenantId)).at(-1)!;
    expect(entry.action).toBe("auth.mfa_required");
    expect((entry.data as { reasons: string[] }).reasons.sort()).toEqual(["impossible_travel", "new_country"]);
    expect(JSON.stringify(entry)).not.toContain("Sydney");
  });

  it("with TOTP on, a risky login still needs the code, and the code lets it in", async () => {
    const owner = await signupAt(PARIS);
    const enrol = await (await callAs(owner, "POST", "/v1/auth/totp/enroll")).json<{ secret: string }>();
    expect((await callAs(owner, "POST", "/v1/auth/totp/verify", { body: { code: await totp(enrol.secret, Date.now()) } })).status).toBe(200);
    const far = await loginRequest({ email: owner.email, password: TEST_PASSWORD }, { cookie: deviceCookie(owner), cf: SYDNEY });
    expect(await far.json<MfaProblem>()).toMatchObject({ methods: ["totp", "recovery_code"] });
    const s = await loginOk(owner.email, { cookie: deviceCookie(owner), cf: SYDNEY, extra: { totp: await totp(enrol.secret, Date.now() + 30_000) } });
    expect(s.body).toMatchObject({ risk: { reasons: ["impossible_travel", "new_country"] } });
    expect(await (await callAs(s, "GET", "/v1/auth/me")).json()).toMatchObject({ session: { amr: ["pwd", "otp"] } });
  });

  it("refuses a login whose risk reaches the block threshold, and audits it", async () => {
    const owner = await signupAt(PARIS);
    expect((await loginRequest({ email: owner.email, password: "wrong password!!" }, { cf: SYDNEY })).status).toBe(401);
    // New device, impossible travel, new country and a failure: 25 + 45 + 15 + 8.
    const res = await loginRequest({ email: owner.email, password: TEST_PASSWORD }, { cf: SYDNEY });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie().some((l) => l.startsWith("__Host-ayvlo_session="))).toBe(false);
    const entry = (await verifiedChain(owner.tenantId)).at(-1)!;
    expect(entry).toMatchObject({ action: "auth.login_blocked", data: { risk: 93, action: "block" } });
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM login_events WHERE user_id = ?").bind(owner.userId).first()).toEqual({ n: 1 });
  });
});
