import { env } from "cloudflare:test";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { base64UrlDecode, base64UrlEncode, genesisHead, verifyChain } from "../src/audit/index.ts";
import { chainOf } from "./people.ts";
import { call, callAs, keyWithScopes, newTenant, sessionFrom, signup, type TestSession } from "./helpers.ts";
import { SoftAuthenticator } from "./support/authenticator.ts";

const BASE = "/v1/auth/webauthn";

interface LoginOptions {
  challenge: string;
  challenge_id: string;
  rpId: string;
  allowCredentials: Array<{ id: string }>;
}

/** Registers a new software passkey for the session's user; returns it and its id. */
async function registerPasskey(s: TestSession, name?: string): Promise<SoftAuthenticator> {
  const authenticator = await SoftAuthenticator.create();
  const options = await (await callAs(s, "POST", `${BASE}/register/options`)).json<{ challenge: string; rp: { id: string }; user: { id: string } }>();
  const res = await callAs(s, "POST", `${BASE}/register/verify`, { body: { response: await authenticator.register(options), ...(name ? { name } : {}) } });
  expect(res.status).toBe(201);
  return authenticator;
}

async function loginOptions(email?: string): Promise<LoginOptions> {
  const res = await call("POST", `${BASE}/login/options`, email ? { body: { email } } : {});
  expect(res.status).toBe(200);
  return res.json<LoginOptions>();
}

/** A whole passkey login from a browser with no session. */
async function passkeyLogin(authenticator: SoftAuthenticator, email?: string, overrides: { counter?: number } = {}) {
  const options = await loginOptions(email);
  return call("POST", `${BASE}/login/verify`, { body: { challenge_id: options.challenge_id, response: await authenticator.authenticate(options, overrides) }, headers: { "user-agent": "PasskeyTest/1.0" } });
}

describe("passkeys", () => {
  it("registers a passkey, logs in with it, lists it, removes it; then it no longer logs in", async () => {
    const s = await signup();
    const optionsRes = await callAs(s, "POST", `${BASE}/register/options`);
    expect(optionsRes.status).toBe(200);
    const options = await optionsRes.json<{ challenge: string; rp: { id: string; name: string }; user: { id: string; name: string }; excludeCredentials: unknown[]; authenticatorSelection: Record<string, string> }>();
    expect(options.rp).toEqual({ id: "ayvlo.test", name: "Ayvlo" });
    expect(options.user.name).toBe(s.email);
    expect(options.excludeCredentials).toEqual([]);
    expect(options.authenticatorSelection).toMatchObject({ residentKey: "preferred", userVerification: "preferred" });

    const authenticator = await SoftAuthenticator.create();
    const added = await callAs(s, "POST", `${BASE}/register/verify`, { body: { response: await authenticator.register(options), name: "Work laptop" } });
    expect(added.status).toBe(201);
    expect(await added.json()).toMatchObject({ id: authenticator.id, name: "Work laptop", last_used_at: null });

    // A second registration is told not to re-create this one.
    const again = await (await callAs(s, "POST", `${BASE}/register/options`)).json<{ excludeCredentials: Array<{ id: string }> }>();
    expect(again.excludeCredentials.map((c) => c.id)).toEqual([authenticator.id]);

    // Logged out (a browser with no cookies): the email names the account, the passkey proves it.
    const options2 = await loginOptions(s.email);
    expect(options2.rpId).toBe("ayvlo.test");
    expect(options2.allowCredentials.map((c) => c.id)).toEqual([authenticator.id]);
    const login = await call("POST", `${BASE}/login/verify`, { body: { challenge_id: options2.challenge_id, response: await authenticator.authenticate(options2) } });
    expect(login.status).toBe(200);
    const body = await login.json<{ user: { id: string; email: string }; tenant: { id: string }; session: { family_id: string } }>();
    expect(body.user.id).toBe(s.userId);
    const fresh = sessionFrom(login, body);
    expect(fresh.tenantId).toBe(s.tenantId);
    const jwt = /__Host-ayvlo_session=([^;]+)/.exec(fresh.cookie)![1]!;
    expect(decodeJwt(jwt).amr).toEqual(["webauthn"]);
    // The login joins the account's history, where the next login's risk check looks.
    const history = await env.DB.prepare("SELECT method FROM login_events WHERE tenant_id = ? AND user_id = ? ORDER BY at").bind(s.tenantId, s.userId).all<{ method: string }>();
    expect(history.results.map((r) => r.method)).toContain("webauthn");

    const list = await callAs(fresh, "GET", `${BASE}/credentials`);
    expect(list.status).toBe(200);
    const listed = await list.json<{ data: Array<{ id: string; name: string; created_at: string; last_used_at: string | null }>; next_cursor: null }>();
    expect(listed.next_cursor).toBeNull();
    expect(listed.data).toHaveLength(1);
    expect(listed.data[0]).toMatchObject({ id: authenticator.id, name: "Work laptop" });
    expect(listed.data[0]!.last_used_at).not.toBeNull();

    expect((await callAs(fresh, "DELETE", `${BASE}/credentials/${authenticator.id}`)).status).toBe(204);
    expect((await (await callAs(fresh, "GET", `${BASE}/credentials`)).json<{ data: unknown[] }>()).data).toEqual([]);
    const after = await passkeyLogin(authenticator);
    expect(after.status).toBe(401);
    expect(after.headers.get("content-type")).toBe("application/problem+json");
    expect((await callAs(fresh, "DELETE", `${BASE}/credentials/${authenticator.id}`)).status).toBe(404);
  });

  it("logs in with a discoverable passkey and no email", async () => {
    const s = await signup();
    const authenticator = await registerPasskey(s);
    const options = await loginOptions();
    expect(options.allowCredentials).toEqual([]);
    const res = await call("POST", `${BASE}/login/verify`, { body: { challenge_id: options.challenge_id, response: await authenticator.authenticate(options) } });
    expect(res.status).toBe(200);
    expect((await res.json<{ user: { id: string } }>()).user.id).toBe(s.userId);
  });

  it("names a new passkey by its kind when no name is given, and answers an unknown email like an account without passkeys", async () => {
    const s = await signup();
    await registerPasskey(s);
    const listed = await (await callAs(s, "GET", `${BASE}/credentials`)).json<{ data: Array<{ name: string }> }>();
    expect(listed.data.map((p) => p.name)).toEqual(["Passkey"]);
    const unknown = await loginOptions(`nobody-${crypto.randomUUID()}@example.com`);
    expect(unknown.allowCredentials).toEqual([]);
  });

  it("refuses a replayed assertion, an assertion whose counter does not move forward, and a challenge used twice", async () => {
    const s = await signup();
    const authenticator = await registerPasskey(s);
    const options = await loginOptions(s.email);
    const assertion = await authenticator.authenticate(options);
    expect((await call("POST", `${BASE}/login/verify`, { body: { challenge_id: options.challenge_id, response: assertion } })).status).toBe(200);
    // The very same request again: its challenge is spent.
    const replay = await call("POST", `${BASE}/login/verify`, { body: { challenge_id: options.challenge_id, response: assertion } });
    expect(replay.status).toBe(401);
    expect((await replay.json<{ detail: string }>()).detail).toContain("challenge");
    // A fresh challenge signed with the counter already seen: a cloned authenticator.
    const cloned = await passkeyLogin(authenticator, s.email, { counter: authenticator.counter });
    expect(cloned.status).toBe(401);
    expect((await cloned.json<{ detail: string }>()).detail).toMatch(/counter/i);
    // The genuine authenticator moves on and still works.
    expect((await passkeyLogin(authenticator, s.email)).status).toBe(200);

    const failed = (await chainOf(s.tenantId)).filter((e) => e.action === "auth.login_failed");
    expect(failed.map((e) => (e.data as { reason: string }).reason)).toEqual(["counter_not_increased"]);
  });

  it("refuses an assertion whose signature does not verify, and records one failure", async () => {
    const s = await signup();
    const authenticator = await registerPasskey(s);
    const options = await loginOptions(s.email);
    const assertion = await authenticator.authenticate(options);
    const signature = base64UrlDecode(assertion.response.signature)!;
    signature[signature.length - 1]! ^= 0x01;
    const res = await call("POST", `${BASE}/login/verify`, { body: { challenge_id: options.challenge_id, response: { ...assertion, response: { ...assertion.response, signature: base64UrlEncode(signature) } } } });
    expect(res.status).toBe(401);
    const failed = (await chainOf(s.tenantId)).filter((e) => e.action === "auth.login_failed");
    expect(failed.map((e) => (e.data as { reason: string }).reason)).toEqual(["bad_signature"]);
  });

  it("refuses a registration challenge used twice, and one signed for another origin", async () => {
    const s = await signup();
    const authenticator = await SoftAuthenticator.create();
    const options = await (await callAs(s, "POST", `${BASE}/register/options`)).json<{ challenge: string; rp: { id: string }; user: { id: string } }>();
    const response = await authenticator.register(options);
    expect((await callAs(s, "POST", `${BASE}/register/verify`, { body: { response } })).status).toBe(201);
    const twice = await callAs(s, "POST", `${BASE}/register/verify`, { body: { response } });
    expect(twice.status).toBe(400);
    expect((await twice.json<{ detail: string }>()).detail).toContain("challenge");

    const phishing = await SoftAuthenticator.create("https://ayvlo-login.example");
    const options2 = await (await callAs(s, "POST", `${BASE}/register/options`)).json<{ challenge: string; rp: { id: string }; user: { id: string } }>();
    const wrongOrigin = await callAs(s, "POST", `${BASE}/register/verify`, { body: { response: await phishing.register(options2) } });
    expect(wrongOrigin.status).toBe(400);
    expect((await (await callAs(s, "GET", `${BASE}/credentials`)).json<{ data: unknown[] }>()).data).toHaveLength(1);
  });

  it("keeps passkeys per user and tenant: another tenant can neither remove nor use yours", async () => {
    const owner = await signup();
    const intruder = await signup();
    // A registration made for the owner cannot be completed by (or spent by) someone else.
    const authenticator = await SoftAuthenticator.create();
    const ownerOptions = await (await callAs(owner, "POST", `${BASE}/register/options`)).json<{ challenge: string; rp: { id: string }; user: { id: string } }>();
    const ownerResponse = await authenticator.register(ownerOptions);
    expect((await callAs(intruder, "POST", `${BASE}/register/verify`, { body: { response: ownerResponse } })).status).toBe(400);
    expect((await callAs(owner, "POST", `${BASE}/register/verify`, { body: { response: ownerResponse } })).status).toBe(201);

    expect((await callAs(intruder, "DELETE", `${BASE}/credentials/${authenticator.id}`)).status).toBe(404);
    expect((await (await callAs(intruder, "GET", `${BASE}/credentials`)).json<{ data: unknown[] }>()).data).toEqual([]);
    // Options made for the intruder's account cannot be answered by the owner's passkey.
    const theirs = await passkeyLogin(authenticator, intruder.email);
    expect(theirs.status).toBe(401);
    // Nor can the intruder take over the credential by registering it again.
    const handle = authenticator.userHandle;
    const options = await (await callAs(intruder, "POST", `${BASE}/register/options`)).json<{ challenge: string; rp: { id: string }; user: { id: string } }>();
    expect((await callAs(intruder, "POST", `${BASE}/register/verify`, { body: { response: await authenticator.register(options) } })).status).toBe(409);
    authenticator.userHandle = handle;

    const listed = await (await callAs(owner, "GET", `${BASE}/credentials`)).json<{ data: Array<{ id: string }> }>();
    expect(listed.data.map((p) => p.id)).toEqual([authenticator.id]);
    const ownerLogin = await passkeyLogin(authenticator, owner.email);
    expect(ownerLogin.status).toBe(200);
    expect((await ownerLogin.json<{ user: { id: string } }>()).user.id).toBe(owner.userId);
  });

  it("sweeps challenges that expired over an hour ago", async () => {
    const stale = `wch_stale${crypto.randomUUID().replaceAll("-", "")}`;
    await env.DB.prepare("INSERT INTO auth_challenges (id, purpose, secret, created_at, expires_at) VALUES (?, 'webauthn_login', 'x', 0, 1)").bind(stale).run();
    await loginOptions();
    let left = 1;
    for (let attempt = 0; attempt < 100 && left > 0; attempt++) {
      left = (await env.DB.prepare("SELECT COUNT(*) AS n FROM auth_challenges WHERE id = ?").bind(stale).first<{ n: number }>())!.n;
      if (left > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(left).toBe(0);
  });

  it("needs a person's session to register or list passkeys, not an API key", async () => {
    const tenant = await newTenant();
    const key = await keyWithScopes(tenant, ["admin"]);
    expect((await call("POST", `${BASE}/register/options`, { key })).status).toBe(403);
    expect((await call("GET", `${BASE}/credentials`, { key })).status).toBe(403);
    expect((await call("GET", `${BASE}/credentials`)).status).toBe(401);
  });

  it("lists every problem of bad input and changes nothing", async () => {
    const s = await signup();
    const reg = await callAs(s, "POST", `${BASE}/register/verify`, { body: { response: { id: "", type: "password", response: {} }, name: "", extra: 1 } });
    expect(reg.status).toBe(400);
    const regPaths = (await reg.json<{ errors: Array<{ path: string }> }>()).errors.map((e) => e.path);
    expect(regPaths).toEqual(
      expect.arrayContaining(["body.response.id", "body.response.rawId", "body.response.type", "body.response.response.clientDataJSON", "body.response.response.attestationObject", "body.name", "body"]),
    );
    const login = await call("POST", `${BASE}/login/verify`, { body: {} });
    expect(login.status).toBe(400);
    expect((await login.json<{ errors: Array<{ path: string }> }>()).errors.map((e) => e.path).sort()).toEqual(["body.challenge_id", "body.response"]);
    const opts = await call("POST", `${BASE}/login/options`, { body: { email: "not-an-email" } });
    expect(opts.status).toBe(400);
    expect((await opts.json<{ errors: Array<{ path: string }> }>()).errors.map((e) => e.path)).toEqual(["body.email"]);
    expect((await call("POST", `${BASE}/login/options`, { raw: "{nope" , headers: { "content-type": "application/json" } })).status).toBe(400);
    // clientDataJSON that is not client data.
    const garbled = await callAs(s, "POST", `${BASE}/register/verify`, { body: { response: { id: "AAAA", rawId: "AAAA", type: "public-key", response: { clientDataJSON: "bm90LWpzb24", attestationObject: "AAAA" } } } });
    expect(garbled.status).toBe(400);
    expect((await garbled.json<{ errors: Array<{ path: string }> }>()).errors.map((e) => e.path)).toEqual(["body.response.response.clientDataJSON"]);
    expect((await (await callAs(s, "GET", `${BASE}/credentials`)).json<{ data: unknown[] }>()).data).toEqual([]);
  });

  it("records additions, logins and removals in the audit chain, which verifies, without personal data in it", async () => {
    const s = await signup();
    const authenticator = await registerPasskey(s, "Ana's phone");
    expect((await passkeyLogin(authenticator, s.email)).status).toBe(200);
    expect((await callAs(s, "DELETE", `${BASE}/credentials/${authenticator.id}`)).status).toBe(204);
    const entries = await chainOf(s.tenantId);
    expect(entries.map((e) => e.action)).toEqual(["tenant.create", "user.signup", "auth.passkey_added", "auth.login_succeeded", "auth.passkey_removed"]);
    expect(entries[2]!.target).toBe(`passkey:${authenticator.id}`);
    expect(entries[3]!.data).toMatchObject({ method: "webauthn" });
    expect(entries[4]!.target).toBe(`passkey:${authenticator.id}`);
    expect(await verifyChain(entries, await genesisHead(s.tenantId))).toMatchObject({ ok: true, head: { seq: 5 } });
    const text = JSON.stringify(entries);
    expect(text).not.toContain("Ana's phone");
    expect(text).not.toContain("PasskeyTest/1.0");
    const { results } = await env.DB.prepare("SELECT fields FROM audit_personal WHERE tenant_id = ?").bind(s.tenantId).all<{ fields: string }>();
    expect(results.map((r) => r.fields).join("\n")).toContain("PasskeyTest/1.0");
  });
});
