/**
 * End to end, as a person sees it: signup, a second factor, logout, login,
 * and the audit chain that recorded it, on Ayvlo's own `wrangler dev`, over
 * HTTP with real cookies. Runs on Node (vitest project `e2e`).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { createLocalJWKSet, jwtVerify } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, tail, type WranglerDev } from "../../bench/lib/wrangler-dev.mjs";
import { totp } from "../../src/auth/index.ts";

let ayvlo: WranglerDev | undefined;

beforeAll(async () => {
  ayvlo = await startWranglerDev({ vars: { AYVLO_ADMIN_TOKEN: `e2e-${randomBytes(24).toString("hex")}`, AYVLO_LOG_LEVEL: "warn" }, readyTimeoutMs: 150_000 });
});

afterEach((context) => {
  if (context.task.result?.state === "fail" && ayvlo) console.error(`--- wrangler dev log (tail) ---\n${tail(ayvlo.logFile)}`);
});

afterAll(async () => {
  await ayvlo?.stop();
});

/** A browser's cookie jar, as much of one as these routes need. */
class Browser {
  jar = new Map<string, string>();
  async send(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = {};
    if (this.jar.size > 0) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
    const csrf = this.jar.get("__Host-ayvlo_csrf");
    if (method !== "GET" && csrf) headers["x-csrf-token"] = csrf;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${ayvlo!.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (!value || /max-age=0/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }
}

describe("a person's account, end to end", () => {
  it("signs up, turns on TOTP, logs out, is asked for the code, logs in with it, and finds it all in a chain that verifies", async () => {
    const email = `founder-${randomUUID()}@example.com`;
    const password = "a very long and good password";
    const browser = new Browser();
    const signed = await browser.send("POST", "/v1/auth/signup", { email, password, tenant_name: "E2E" });
    expect(signed.status).toBe(201);
    expect(browser.jar.has("__Host-ayvlo_session")).toBe(true);

    // The session is an ES256 JWT that the published JWKS verifies.
    const jwks = (await (await fetch(`${ayvlo!.url}/.well-known/jwks.json`)).json()) as Parameters<typeof createLocalJWKSet>[0];
    const { payload } = await jwtVerify(browser.jar.get("__Host-ayvlo_session")!, createLocalJWKSet(jwks), { issuer: "ayvlo", audience: "ayvlo.session" });
    expect(payload.sub).toBe((signed.body.user as { id: string }).id);

    const enrolled = await browser.send("POST", "/v1/auth/totp/enroll");
    expect(enrolled.status).toBe(200);
    const secret = enrolled.body.secret as string;
    expect(enrolled.body.otpauth_uri).toMatch(/^otpauth:\/\/totp\//);
    const enrolledAt = Date.now();
    expect((await browser.send("POST", "/v1/auth/totp/verify", { code: await totp(secret, enrolledAt) })).status).toBeLessThan(300);

    expect((await browser.send("POST", "/v1/auth/logout", {})).status).toBe(204);
    expect((await browser.send("GET", "/v1/auth/me")).status).toBe(401);

    const asked = await browser.send("POST", "/v1/auth/login", { email, password });
    expect(asked.status).toBe(401);
    expect(asked.body.type).toMatch(/\/mfa-required$/);
    expect(asked.body.methods).toContain("totp");
    // A code is good once: wait (at most one 30-second step) for a code the enrolment did not spend.
    const step = (t: number) => Math.floor(t / 30_000);
    while (step(Date.now()) <= step(enrolledAt)) await new Promise((r) => setTimeout(r, 500));
    const login = await browser.send("POST", "/v1/auth/login", { email, password, totp: await totp(secret, Date.now()) });
    expect(login.status).toBe(200);
    expect((await browser.send("GET", "/v1/auth/me")).body).toMatchObject({ user: { email } });

    const verified = await browser.send("GET", "/v1/audit/verify");
    expect(verified.body).toMatchObject({ ok: true });
    const audit = await browser.send("GET", "/v1/audit?limit=1000");
    const actions = (audit.body.data as Array<{ action: string }>).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["user.signup", "auth.totp_enabled", "auth.mfa_required", "auth.login_succeeded"]));
    expect(JSON.stringify(audit.body)).not.toContain(email);
  });
});
