import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hashPassword } from "../src/auth/index.ts";
import { call, callAs, signup, TEST_PASSWORD } from "./helpers.ts";
import { deviceCookie, loginOk, loginRequest, PARIS, randomIp, signupAt, verifiedChain } from "./login-helpers.ts";

describe("password login", () => {
  it("logs in with the right password: a session that works, the place recorded, the decision audited without personal data in the chain", async () => {
    const owner = await signupAt(PARIS, randomIp());
    const ip = randomIp();
    const s = await loginOk(owner.email, { cookie: deviceCookie(owner), ip, cf: PARIS });
    expect(s.body).toMatchObject({ user: { id: owner.userId }, tenant: { id: owner.tenantId }, risk: { score: 0, reasons: [] } });
    const me = await callAs(s, "GET", "/v1/auth/me");
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user: { id: owner.userId, email: owner.email }, session: { amr: ["pwd"] }, mfa: { totp: false } });
    // request.cf reaches the app: the login's city and coordinates are in the history.
    const event = await env.DB.prepare("SELECT city, country, latitude, ip FROM login_events WHERE user_id = ? AND method = 'pwd'").bind(owner.userId).first();
    expect(event).toEqual({ city: "Paris", country: "FR", latitude: 48.85, ip });
    const entries = await verifiedChain(owner.tenantId);
    const ok = entries.find((e) => e.action === "auth.login_succeeded")!;
    expect(ok).toMatchObject({ actor: `user:${owner.userId}`, target: `user:${owner.userId}`, data: { risk: 0, reasons: [], amr: ["pwd"], action: "allow" } });
    expect(JSON.stringify(entries)).not.toContain(ip);
    expect(JSON.stringify(entries)).not.toContain("Paris");
    const personal = await env.DB.prepare("SELECT fields FROM audit_personal WHERE tenant_id = ? AND subject = ? AND fields LIKE ?").bind(owner.tenantId, `user:${owner.userId}`, `%${ip}%`).first<{ fields: string }>();
    expect(JSON.parse(personal!.fields)).toMatchObject({ ip, city: "Paris", country: "FR" });
  });

  it("answers the same 401 for a wrong password and an unknown email, and audits the failure in the tenant", async () => {
    const owner = await signup();
    const wrong = await loginRequest({ email: owner.email, password: "not the password at all" }, { ip: randomIp() });
    const unknown = await loginRequest({ email: `nobody-${crypto.randomUUID()}@example.com`, password: "not the password at all" }, { ip: randomIp() });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.headers.get("content-type")).toBe("application/problem+json");
    const [a, b] = [await wrong.json<{ type: string; detail: string }>(), await unknown.json<{ type: string; detail: string }>()];
    expect(a.type).toBe("https://ayvlo.dev/problems/unauthorized");
    expect({ type: a.type, detail: a.detail }).toEqual({ type: b.type, detail: b.detail });
    expect(wrong.headers.getSetCookie().some((l) => l.startsWith("__Host-ayvlo_session="))).toBe(false);
    const failed = (await verifiedChain(owner.tenantId)).filter((e) => e.action === "auth.login_failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]!.data).toMatchObject({ reason: "bad_password", failures: 1 });
  });

  it("upgrades a password hashed with fewer iterations than today's at login", async () => {
    const owner = await signup();
    await env.DB.prepare("UPDATE users SET password_hash = ? WHERE id = ?").bind(await hashPassword(TEST_PASSWORD, undefined, 10_000), owner.userId).run();
    await loginOk(owner.email, { cookie: deviceCookie(owner) });
    const row = await env.DB.prepare("SELECT password_hash FROM users WHERE id = ?").bind(owner.userId).first<{ password_hash: string }>();
    expect(row!.password_hash).toMatch(/^pbkdf2-sha256\$100000\$/);
    await loginOk(owner.email, { cookie: deviceCookie(owner) });
  });

  it("lists every problem of a bad login body", async () => {
    const res = await loginRequest({ email: 5, totp: 123456, extra: true });
    expect(res.status).toBe(400);
    const problem = await res.json<{ errors: Array<{ path: string }> }>();
    expect(problem.errors.map((e) => e.path).sort()).toEqual(["body", "body.email", "body.password", "body.totp"]);
  });
});

describe("lockout with backoff", () => {
  it("after repeated failures the account answers 429 with Retry-After, even to the right password, and audits it", async () => {
    const owner = await signup();
    let locked: Response | null = null;
    for (let i = 0; i < 12 && !locked; i++) {
      const res = await loginRequest({ email: owner.email, password: `wrong password ${i}` }, { ip: randomIp() });
      if (res.status === 429) locked = res;
      else expect(res.status).toBe(401);
    }
    expect(locked).not.toBeNull();
    expect(Number(locked!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await locked!.json<{ type: string }>()).type).toBe("https://ayvlo.dev/problems/rate-limited");
    // A long record of failures: the right password waits too.
    await env.DB.prepare("UPDATE login_failures SET failures = 10, last_failure_at = ? WHERE key = ?").bind(Date.now(), `account:${owner.userId}`).run();
    const right = await loginRequest({ email: owner.email, password: TEST_PASSWORD }, { ip: randomIp(), cookie: deviceCookie(owner) });
    expect(right.status).toBe(429);
    expect(Number(right.headers.get("retry-after"))).toBeGreaterThan(60);
    const entries = await verifiedChain(owner.tenantId);
    expect(entries.filter((e) => e.action === "auth.locked_out").at(-1)!.data).toMatchObject({ scope: "account", failures: 10 });
  });

  it("an unknown email locks the same way, so lockout does not reveal which accounts exist", async () => {
    const email = `nobody-${crypto.randomUUID()}@example.com`;
    const statuses: number[] = [];
    for (let i = 0; i < 12 && !statuses.includes(429); i++) statuses.push((await loginRequest({ email, password: `guess ${i}` }, { ip: randomIp() })).status);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true);
    expect(statuses.length).toBeGreaterThanOrEqual(4);
  });

  it("locks an IP that fails on many accounts, for every account", async () => {
    const ip = randomIp();
    await env.DB.prepare("INSERT INTO login_failures (key, failures, last_failure_at) VALUES (?, 30, ?)").bind(`ip:${ip}`, Date.now()).run();
    const owner = await signup();
    const res = await loginRequest({ email: owner.email, password: TEST_PASSWORD }, { ip, cookie: deviceCookie(owner) });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(60);
    expect((await verifiedChain(owner.tenantId)).at(-1)!.data).toMatchObject({ scope: "ip" });
    expect((await loginRequest({ email: owner.email, password: TEST_PASSWORD }, { ip: randomIp(), cookie: deviceCookie(owner) })).status).toBe(200);
  });

  it("a success clears the account's failures", async () => {
    const owner = await signup();
    for (let i = 0; i < 2; i++) expect((await loginRequest({ email: owner.email, password: "wrong password!" })).status).toBe(401);
    await loginOk(owner.email, { cookie: deviceCookie(owner) });
    expect(await env.DB.prepare("SELECT failures FROM login_failures WHERE key = ?").bind(`account:${owner.userId}`).first()).toBeNull();
  });
});

describe("refresh and logout", () => {
  it("rotates the refresh token; replaying a spent one ends the whole family and is audited", async () => {
    const owner = await signup();
    const first = await call("POST", "/v1/auth/refresh", { headers: { cookie: owner.cookie } });
    expect(first.status).toBe(200);
    const rotated = first.headers.getSetCookie().map((l) => l.split(";")[0]!).join("; ");
    expect(rotated).toContain("__Host-ayvlo_refresh=");
    const next = await call("POST", "/v1/auth/refresh", { headers: { cookie: rotated } });
    expect(next.status).toBe(200);
    const replay = await call("POST", "/v1/auth/refresh", { headers: { cookie: owner.cookie } });
    expect(replay.status).toBe(401);
    // The family is gone: the session cookie and the newest refresh token stop working.
    expect((await call("GET", "/v1/auth/me", { headers: { cookie: owner.cookie } })).status).toBe(401);
    const latest = next.headers.getSetCookie().map((l) => l.split(";")[0]!).join("; ");
    expect((await call("POST", "/v1/auth/refresh", { headers: { cookie: latest } })).status).toBe(401);
    expect((await verifiedChain(owner.tenantId)).map((e) => e.action)).toContain("auth.refresh_reused");
  });

  it("logout ends this session at once and clears its cookies; other sessions live on", async () => {
    const owner = await signup();
    const other = await loginOk(owner.email, { cookie: deviceCookie(owner) });
    const res = await callAs(owner, "POST", "/v1/auth/logout");
    expect(res.status).toBe(204);
    expect(res.headers.getSetCookie().filter((l) => /max-age=0/i.test(l)).length).toBeGreaterThanOrEqual(3);
    expect((await callAs(owner, "GET", "/v1/auth/me")).status).toBe(401);
    expect((await call("POST", "/v1/auth/refresh", { headers: { cookie: owner.cookie } })).status).toBe(401);
    expect((await callAs(other, "GET", "/v1/auth/me")).status).toBe(200);
    expect((await verifiedChain(owner.tenantId)).at(-1)).toMatchObject({ action: "auth.logout", actor: `user:${owner.userId}` });
  });

  it("logout everywhere ends every session of the user at once, in one audited change", async () => {
    const owner = await signup();
    const other = await loginOk(owner.email, { cookie: deviceCookie(owner) });
    expect((await callAs(other, "POST", "/v1/auth/logout", { body: { everywhere: true } })).status).toBe(204);
    for (const s of [owner, other]) {
      expect((await callAs(s, "GET", "/v1/auth/me")).status).toBe(401);
      expect((await call("POST", "/v1/auth/refresh", { headers: { cookie: s.cookie } })).status).toBe(401);
    }
    expect(await env.DB.prepare("SELECT session_version FROM users WHERE id = ?").bind(owner.userId).first()).toEqual({ session_version: 1 });
    expect((await verifiedChain(owner.tenantId)).at(-1)).toMatchObject({ action: "auth.logout_everywhere" });
    expect((await loginOk(owner.email, { cookie: deviceCookie(owner) })).userId).toBe(owner.userId);
  });

  it("logout needs the CSRF token and a person's session; a bad body changes nothing", async () => {
    const owner = await signup();
    expect((await callAs(owner, "POST", "/v1/auth/logout", { csrf: false })).status).toBe(403);
    expect((await callAs(owner, "POST", "/v1/auth/logout", { body: { everywhere: "yes" } })).status).toBe(400);
    expect((await callAs(owner, "GET", "/v1/auth/me")).status).toBe(200);
  });
});
