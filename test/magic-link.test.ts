import { env } from "cloudflare:test";
import { decodeJwt } from "jose";
import { credentialMailKey } from "../workers/mail.ts";
import { describe, expect, it } from "vitest";
import { genesisHead, verifyChain } from "../src/audit/index.ts";
import { chainOf } from "./people.ts";
import { call, callAs, sessionFrom, signup, type TestSession } from "./helpers.ts";

/** The text/plain part of a raw MIME message (base64 in our mails). */
function plainText(raw: string): string {
  const part = /Content-Type: text\/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n([A-Za-z0-9+/=\r\n]+)/.exec(raw);
  if (!part) throw new Error(`no text/plain part in:\n${raw}`);
  return new TextDecoder().decode(Uint8Array.from(atob(part[1]!.replace(/\r\n/g, "")), (ch) => ch.charCodeAt(0)));
}

/** Waits (bounded) until the tenant's login mails number `count`; returns the newest one's raw text. */
async function loginMail(tenantId: string, count = 1): Promise<string> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const listed = await env.ARCHIVE.list({ prefix: `mail/${tenantId}/login-links/` });
    if (listed.objects.length >= count) {
      const newest = listed.objects.map((o) => o.key).sort().at(-1)!;
      return (await env.ARCHIVE.get(newest))!.text();
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no login mail for ${tenantId}`);
}

/** Asks for a link for `s`'s email and returns the link's path and token from the mail. */
async function requestLink(s: TestSession, count = 1): Promise<{ path: string; token: string; raw: string }> {
  const res = await call("POST", "/v1/auth/magic-link", { body: { email: s.email.toUpperCase() } });
  expect(res.status).toBe(202);
  const raw = await loginMail(s.tenantId, count);
  const link = /https:\/\/ayvlo\.test(\/v1\/auth\/magic-link\/verify\?token=([A-Za-z0-9_-]+))/.exec(plainText(raw));
  expect(link).not.toBeNull();
  return { path: link![1]!, token: link![2]!, raw };
}

describe("magic links", () => {
  it("mails a one-time link that logs in when followed, as an email-proven session", async () => {
    const s = await signup();
    const { path, raw } = await requestLink(s);
    expect(raw).toContain(`To: ${s.email}`);
    expect(raw).toContain("Subject: Your Ayvlo login link");

    const res = await call("GET", path);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const body = await res.json<{ user: { id: string; email: string }; tenant: { id: string } }>();
    expect(body.user.id).toBe(s.userId);
    const session = sessionFrom(res, body);
    expect(decodeJwt(/__Host-ayvlo_session=([^;]+)/.exec(session.cookie)![1]!).amr).toEqual(["email"]);
    expect((await callAs(session, "GET", "/v1/series")).status).toBe(200);

    // Single use: neither a second click nor a POST of the same token works.
    const again = await call("GET", path);
    expect(again.status).toBe(401);
    expect(again.headers.get("content-type")).toBe("application/problem+json");
    const token = new URL(`https://x${path}`).searchParams.get("token")!;
    expect((await call("POST", "/v1/auth/magic-link/verify", { body: { token } })).status).toBe(401);
  });

  it("logs in by POSTing the token, and answers 202 alike for an unknown email", async () => {
    const s = await signup();
    const { token } = await requestLink(s);
    const res = await call("POST", "/v1/auth/magic-link/verify", { body: { token } });
    expect(res.status).toBe(200);
    expect((await res.json<{ user: { id: string } }>()).user.id).toBe(s.userId);

    const known = await (await call("POST", "/v1/auth/magic-link", { body: { email: s.email } })).json();
    const unknown = await call("POST", "/v1/auth/magic-link", { body: { email: `nobody-${crypto.randomUUID()}@example.com` } });
    expect(unknown.status).toBe(202);
    expect(await unknown.json()).toEqual(known);
  });

  it("refuses an expired link (401) and records the failure", async () => {
    const s = await signup();
    const { path } = await requestLink(s);
    // Fifteen minutes pass.
    await env.DB.prepare("UPDATE auth_challenges SET expires_at = ? WHERE tenant_id = ? AND purpose = 'magic_link'").bind(Date.now() - 1, s.tenantId).run();
    const res = await call("GET", path);
    expect(res.status).toBe(401);
    const failed = (await chainOf(s.tenantId)).filter((e) => e.action === "auth.login_failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]!.data).toMatchObject({ method: "magic_link", reason: "expired" });
  });

  it("refuses a made-up token", async () => {
    const res = await call("POST", "/v1/auth/magic-link/verify", { body: { token: "A".repeat(43) } });
    expect(res.status).toBe(401);
  });

  it("lists every problem of bad input", async () => {
    const ask = await call("POST", "/v1/auth/magic-link", { body: { email: "nope", extra: true } });
    expect(ask.status).toBe(400);
    expect((await ask.json<{ errors: Array<{ path: string }> }>()).errors.map((e) => e.path).sort()).toEqual(["body", "body.email"]);
    const post = await call("POST", "/v1/auth/magic-link/verify", { body: {} });
    expect(post.status).toBe(400);
    expect((await post.json<{ errors: Array<{ path: string }> }>()).errors.map((e) => e.path)).toEqual(["body.token"]);
    const get = await call("GET", `/v1/auth/magic-link/verify?token=${"not*base64".repeat(3)}`);
    expect(get.status).toBe(400);
    expect((await get.json<{ errors: Array<{ path: string }> }>()).errors.map((e) => e.path)).toEqual(["query.token"]);
    expect((await call("GET", "/v1/auth/magic-link/verify")).status).toBe(400);
  });

  it("records the link sent and the login in the audit chain, which verifies, with the email only in personal data", async () => {
    const s = await signup();
    const { path } = await requestLink(s);
    expect((await call("GET", path)).status).toBe(200);
    const entries = await chainOf(s.tenantId);
    expect(entries.map((e) => e.action)).toEqual(["tenant.create", "user.signup", "auth.magic_link_sent", "auth.login_succeeded"]);
    expect(entries[3]!.data).toMatchObject({ method: "magic_link" });
    expect(await verifyChain(entries, await genesisHead(s.tenantId))).toMatchObject({ ok: true, head: { seq: 4 } });
    expect(JSON.stringify(entries)).not.toContain(s.email);
  });

  it("keeps a copy of a mail carrying a live credential only in local development", () => {
    expect(credentialMailKey(env, "mail/t/login-links/x.eml")).toBe("mail/t/login-links/x.eml");
    expect(credentialMailKey({ ...env, ENVIRONMENT: "production" } as unknown as Env, "mail/t/login-links/x.eml")).toBeNull();
    expect(credentialMailKey({ ...env, ENVIRONMENT: "staging" } as unknown as Env, "mail/t/login-links/x.eml")).toBeNull();
  });
});
