import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import worker from "../workers/index.ts";
import { rotateStaleSigningKey } from "../workers/keys.ts";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { genesisHead, verifyChain } from "../src/audit/index.ts";
import { ADMIN_TOKEN, call, callAs, cookiesOf, signup } from "./helpers.ts";
import { chainOf } from "./people.ts";

describe("signup and the session cookie", () => {
  it("creates a tenant and its owner, sets HttpOnly Secure cookies, and the session reads the tenant's data", async () => {
    const email = `Founder-${crypto.randomUUID()}@Example.com`;
    const res = await call("POST", "/v1/auth/signup", { body: { email, password: "a long enough password", tenant_name: "Founders" } });
    expect(res.status).toBe(201);
    const body = await res.json<{ user: { id: string; email: string; role: string }; tenant: { id: string; name: string } }>();
    expect(body.user).toMatchObject({ email: email.toLowerCase(), role: "owner" });
    expect(body.tenant.name).toBe("Founders");
    const setCookies = res.headers.getSetCookie();
    const session = setCookies.find((l) => l.startsWith("__Host-ayvlo_session="))!;
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/Secure/i);
    expect(session).toMatch(/SameSite=Lax/i);
    expect(setCookies.find((l) => l.startsWith("__Host-ayvlo_refresh="))).toMatch(/SameSite=Strict/i);
    const cookie = Object.entries(cookiesOf(res)).map(([k, v]) => `${k}=${v}`).join("; ");
    const series = await call("GET", "/v1/series", { headers: { cookie } });
    expect(series.status).toBe(200);
  });

  it("signs the session as an ES256 JWT whose kid is in the published JWKS", async () => {
    const s = await signup();
    const jwt = /__Host-ayvlo_session=([^;]+)/.exec(s.cookie)![1]!;
    const jwks = await (await call("GET", "/.well-known/jwks.json")).json<{ keys: Array<{ kid: string; alg: string }> }>();
    expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: "ES256" });
    expect(jwks.keys.map((k) => k.kid)).toContain(decodeProtectedHeader(jwt).kid);
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(jwks as never), { issuer: "ayvlo", audience: "ayvlo.session" });
    expect(payload.sub).toBe(s.userId);
  });

  it("refuses a cookie-authenticated change without the CSRF token, and accepts it with", async () => {
    const s = await signup();
    const rule = { name: "r", match: { metric: "*" } };
    const without = await callAs(s, "POST", "/v1/rules", { body: rule, csrf: false });
    expect(without.status).toBe(403);
    expect(await without.text()).toContain("x-csrf-token");
    const wrong = await callAs(s, "POST", "/v1/rules", { body: rule, csrf: false, headers: { "x-csrf-token": "forged" } });
    expect(wrong.status).toBe(403);
    expect((await callAs(s, "POST", "/v1/rules", { body: rule })).status).toBe(201);
  });

  it("rejects a tampered or foreign session token", async () => {
    const s = await signup();
    const tampered = s.cookie.replace(/(__Host-ayvlo_session=[^.]+\.)([^.]+)/, (_, head, payload: string) => head + payload.slice(0, -2) + (payload.endsWith("A") ? "BB" : "AA"));
    expect((await call("GET", "/v1/series", { headers: { cookie: tampered } })).status).toBe(401);
  });

  it("answers 409 for an email already taken, and changes nothing", async () => {
    const s = await signup();
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM tenants").first<{ n: number }>();
    const again = await call("POST", "/v1/auth/signup", { body: { email: s.email.toUpperCase(), password: "another long password", tenant_name: "Dup" } });
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toBe("application/problem+json");
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM tenants").first<{ n: number }>()).toEqual(before);
  });

  it("lists every problem of a bad signup and creates nothing", async () => {
    const res = await call("POST", "/v1/auth/signup", { body: { email: "not-an-email", password: "short" } });
    expect(res.status).toBe(400);
    const problem = await res.json<{ errors: Array<{ path: string }> }>();
    expect(problem.errors.map((e) => e.path).sort()).toEqual(["body.email", "body.password", "body.tenant_name"]);
  });

  it("records the signup in the tenant's audit chain, which verifies, with no personal data in it", async () => {
    const s = await signup();
    const entries = await chainOf(s.tenantId);
    expect(entries.map((e) => e.action)).toEqual(["tenant.create", "user.signup"]);
    expect(await verifyChain(entries, await genesisHead(s.tenantId))).toMatchObject({ ok: true, head: { seq: 2 } });
    expect(JSON.stringify(entries)).not.toContain(s.email);
    const personal = await env.DB.prepare("SELECT fields FROM audit_personal WHERE tenant_id = ?").bind(s.tenantId).first<{ fields: string }>();
    expect(JSON.parse(personal!.fields).email).toBe(s.email);
  });

  it("rotates the signing key: new sessions carry the new kid, sessions signed before still work", async () => {
    const before = await signup();
    const kidOf = (s: { cookie: string }) => decodeProtectedHeader(/__Host-ayvlo_session=([^;]+)/.exec(s.cookie)![1]!).kid;
    expect((await call("POST", "/v1/admin/signing-keys/rotate", { key: "not-the-operator-token" })).status).toBe(401);
    const rotated = await call("POST", "/v1/admin/signing-keys/rotate", { key: ADMIN_TOKEN });
    expect(rotated.status).toBe(201);
    const { kid, jwks } = await rotated.json<{ kid: string; jwks: { keys: Array<{ kid: string }> } }>();
    expect(kid).not.toBe(kidOf(before));
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([kid, kidOf(before)]));
    const after = await signup();
    expect(kidOf(after)).toBe(kid);
    expect((await callAs(before, "GET", "/v1/series")).status).toBe(200);
    expect((await callAs(after, "GET", "/v1/series")).status).toBe(200);
  });

  it("the daily cron adds a signing key once the newest is 30 days old, and not before", async () => {
    const kids = async () => (await (await call("GET", "/.well-known/jwks.json")).json<{ keys: Array<{ kid: string }> }>()).keys.map((k) => k.kid);
    const before = await signup();
    expect(await rotateStaleSigningKey(env)).toMatchObject({ rotated: false });
    const known = await kids();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "17 3 * * *", scheduledTime: Date.now() + 31 * 86_400_000 }), env, ctx);
    await waitOnExecutionContext(ctx);
    const after = await kids();
    expect(after).toHaveLength(known.length + 1);
    expect(after).toEqual(expect.arrayContaining(known));
    expect(await rotateStaleSigningKey(env)).toMatchObject({ rotated: false, kid: after[0] });
    expect((await callAs(before, "GET", "/v1/series")).status).toBe(200);
  });
});
