import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, callAs, signup, TEST_PASSWORD } from "./helpers.ts";
import { chainOf, chainVerifies, invited } from "./people.ts";

async function invite(owner: Awaited<ReturnType<typeof signup>>, email: string, role = "member") {
  const res = await callAs(owner, "POST", "/v1/users/invitations", { body: { email, role } });
  return { status: res.status, body: await res.json<{ id: string; token: string; role: string }>() };
}

describe("users", () => {
  it("lists the tenant's people without password hashes or secrets, and reads one", async () => {
    const owner = await signup();
    const member = await invited(owner, "member");
    const res = await callAs(member, "GET", "/v1/users");
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toMatch(/password|pbkdf2|totp_secret|recovery/i);
    const list = JSON.parse(text) as { data: Array<{ id: string; role: string }> };
    expect(list.data.map((u) => [u.id, u.role])).toEqual([
      [owner.userId, "owner"],
      [member.userId, "member"],
    ]);
    expect(await (await callAs(member, "GET", `/v1/users/${owner.userId}`)).json()).toMatchObject({ id: owner.userId, email: owner.email });
    expect((await callAs(member, "GET", "/v1/users/usr_nope")).status).toBe(404);
  });

  it("changes roles: only an owner grants owner, and the last owner cannot be demoted or removed", async () => {
    const owner = await signup();
    const admin = await invited(owner, "admin");
    const member = await invited(owner, "member");
    expect((await callAs(admin, "PATCH", `/v1/users/${member.userId}`, { body: { role: "owner" } })).status).toBe(403);
    expect((await callAs(admin, "PATCH", `/v1/users/${owner.userId}`, { body: { role: "viewer" } })).status).toBe(403);
    expect((await callAs(admin, "PATCH", `/v1/users/${member.userId}`, { body: { role: "viewer" } })).status).toBe(200);
    expect((await callAs(member, "POST", "/v1/rules", { body: { name: "r", match: { metric: "*" } } })).status).toBe(403);
    expect((await callAs(owner, "PATCH", `/v1/users/${owner.userId}`, { body: { role: "admin" } })).status).toBe(409);
    expect((await callAs(owner, "DELETE", `/v1/users/${owner.userId}`)).status).toBe(409);
    const bad = await callAs(owner, "PATCH", `/v1/users/${member.userId}`, { body: { role: "god", extra: 1 } });
    expect(bad.status).toBe(400);
    expect((await bad.json<{ errors: Array<{ path: string }> }>()).errors.map((e) => e.path).sort()).toEqual(["body", "body.role"]);
    // With a second owner, the first may step down.
    expect((await callAs(owner, "PATCH", `/v1/users/${admin.userId}`, { body: { role: "owner" } })).status).toBe(200);
    expect((await callAs(owner, "PATCH", `/v1/users/${owner.userId}`, { body: { role: "admin" } })).status).toBe(200);
    const actions = (await chainOf(owner.tenantId)).filter((e) => e.action === "user.update").map((e) => e.data);
    expect(actions).toEqual([
      { role: "viewer", previous_role: "member" },
      { role: "owner", previous_role: "admin" },
      { role: "admin", previous_role: "owner" },
    ]);
  });

  it("removing a user ends their sessions at once", async () => {
    const owner = await signup();
    const member = await invited(owner, "member");
    expect((await callAs(member, "GET", "/v1/rules")).status).toBe(200);
    expect((await callAs(owner, "DELETE", `/v1/users/${member.userId}`)).status).toBe(204);
    expect((await callAs(member, "GET", "/v1/rules")).status).toBe(401);
    expect((await chainOf(owner.tenantId)).at(-1)).toMatchObject({ action: "user.remove", target: `user:${member.userId}` });
  });
});

describe("invitations", () => {
  it("mails a single-use token; accepting creates the user with the invited role and a session", async () => {
    const owner = await signup();
    const email = `invitee-${crypto.randomUUID()}@example.com`;
    const { status, body } = await invite(owner, email, "admin");
    expect(status).toBe(201);
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const mails = await env.ARCHIVE.list({ prefix: `mail/${owner.tenantId}/invitations/` });
    expect(mails.objects).toHaveLength(1);
    const raw = await (await env.ARCHIVE.get(mails.objects[0]!.key))!.text();
    expect(raw).toContain(`To: ${email}`);
    const decoded = raw.split("\r\n\r\n").slice(1).map((part) => { try { return atob(part.split("\r\n").filter((l) => /^[A-Za-z0-9+/=]+$/.test(l)).join("")); } catch { return ""; } }).join("");
    expect(decoded).toContain(body.token);
    // The token is stored hashed only.
    expect(JSON.stringify(await env.DB.prepare("SELECT * FROM invitations WHERE id = ?").bind(body.id).first())).not.toContain(body.token);

    const accepted = await call("POST", "/v1/auth/invitations/accept", { body: { token: body.token, password: TEST_PASSWORD, name: "Ada" } });
    expect(accepted.status).toBe(201);
    const joined = await accepted.json<{ user: { id: string; role: string; email: string }; tenant: { id: string } }>();
    expect(joined).toMatchObject({ user: { role: "admin", email }, tenant: { id: owner.tenantId } });
    const cookie = accepted.headers.getSetCookie().map((l) => l.split(";")[0]).join("; ");
    expect((await call("GET", "/v1/api-keys", { headers: { cookie } })).status).toBe(200);

    const again = await call("POST", "/v1/auth/invitations/accept", { body: { token: body.token, password: TEST_PASSWORD } });
    expect(again.status).toBe(410);
    expect(again.headers.get("content-type")).toBe("application/problem+json");
    expect((await call("POST", "/v1/auth/invitations/accept", { body: { token: "forged", password: TEST_PASSWORD } })).status).toBe(401);
    const chain = await chainOf(owner.tenantId);
    expect(chain.map((e) => e.action).slice(-2)).toEqual(["user.invite", "user.join"]);
    expect(JSON.stringify(chain)).not.toContain(email);
    expect(await chainVerifies(owner.tenantId)).toMatchObject({ ok: true });
  });

  it("refuses an expired token, a bad body, an owner invitation from an admin, and a taken email", async () => {
    const owner = await signup();
    const { body } = await invite(owner, `late-${crypto.randomUUID()}@example.com`);
    await env.DB.prepare("UPDATE invitations SET expires_at = ? WHERE id = ?").bind(Date.now() - 1, body.id).run();
    expect((await call("POST", "/v1/auth/invitations/accept", { body: { token: body.token, password: TEST_PASSWORD } })).status).toBe(410);
    const bad = await call("POST", "/v1/auth/invitations/accept", { body: { password: "short" } });
    expect(bad.status).toBe(400);
    expect((await bad.json<{ errors: Array<{ path: string }> }>()).errors.map((e) => e.path).sort()).toEqual(["body.password", "body.token"]);
    const admin = await invited(owner, "admin");
    expect((await callAs(admin, "POST", "/v1/users/invitations", { body: { email: "x@example.com", role: "owner" } })).status).toBe(403);
    expect((await invite(owner, owner.email)).status).toBe(409);
    const viewer = await invited(owner, "viewer");
    expect((await callAs(viewer, "POST", "/v1/users/invitations", { body: { email: "y@example.com", role: "viewer" } })).status).toBe(403);
  });
});

describe("erasure", () => {
  it("anonymizes the user, removes their personal records in one audited batch, and the chain still verifies", async () => {
    const owner = await signup();
    const email = `erase-me-${crypto.randomUUID()}@example.com`;
    const person = await invited(owner, "member", email);
    const id = person.userId;
    const t = owner.tenantId;
    // Records another part of the product keeps about a person: a passkey and a login.
    await env.DB.prepare("INSERT INTO webauthn_credentials (id, tenant_id, user_id, public_key, counter, transports, name, created_at) VALUES (?, ?, ?, 'pk', 0, '[]', 'laptop', 0)").bind(`cred-${id}`, t, id).run();
    await env.DB.prepare("INSERT INTO login_events (id, tenant_id, user_id, at, ip, country, city, device_fingerprint, method, risk) VALUES (?, ?, ?, 0, '203.0.113.9', 'FR', 'Paris', 'fp', 'pwd', 0)").bind(`le-${id}`, t, id).run();
    await env.DB.prepare("INSERT INTO login_failures (key, failures, last_failure_at) VALUES (?, 2, 0)").bind(`account:${id}`).run();
    const committed = (await chainOf(t)).filter((e) => (e.data as { personal?: unknown }).personal);
    expect(committed.map((e) => e.action)).toEqual(expect.arrayContaining(["user.invite", "user.join"]));

    // An admin may not erase; the owner may.
    const admin = await invited(owner, "admin");
    expect((await callAs(admin, "POST", `/v1/users/${id}/erase`)).status).toBe(403);
    expect((await callAs(owner, "POST", `/v1/users/${id}/erase`)).status).toBe(204);

    const row = await env.DB.prepare("SELECT * FROM users WHERE id = ?").bind(id).first<Record<string, unknown>>();
    expect(row).toMatchObject({ email: `erased:${id}`, name: null, password_hash: null, totp_secret: null, status: "erased" });
    expect(row!.erased_at).toEqual(expect.any(Number));
    for (const table of ["webauthn_credentials", "login_events", "refresh_tokens"]) {
      expect((await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE user_id = ?`).bind(id).first<{ n: number }>())!.n, table).toBe(0);
    }
    expect(await env.DB.prepare("SELECT * FROM login_failures WHERE key = ?").bind(`account:${id}`).first()).toBeNull();
    // The email is nowhere in D1 any more.
    for (const [table, column] of [["users", "email"], ["invitations", "email"], ["audit_personal", "fields"], ["audit_log", "data"]] as const) {
      expect((await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE instr(${column}, ?) > 0`).bind(email).first<{ n: number }>())!.n, table).toBe(0);
    }
    expect((await callAs(person, "GET", "/v1/rules")).status).toBe(401);
    expect((await callAs(owner, "GET", `/v1/users/${id}`)).status).toBe(404);

    const chain = await chainOf(t);
    expect(chain.at(-1)).toMatchObject({ action: "user.erased", target: `user:${id}`, data: {} });
    // The entries that committed to their data still carry the commitment, and the chain verifies.
    for (const entry of committed) expect(chain.find((e) => e.seq === entry.seq)!.data).toEqual(entry.data);
    expect(await chainVerifies(t)).toMatchObject({ ok: true, head: { seq: chain.length } });
    // The owner's own personal record is untouched.
    expect((await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_personal WHERE tenant_id = ? AND subject = ?").bind(t, `user:${owner.userId}`).first<{ n: number }>())!.n).toBe(1);
  });

  it("will not erase the last owner", async () => {
    const owner = await signup();
    expect((await callAs(owner, "POST", `/v1/users/${owner.userId}/erase`)).status).toBe(409);
  });

  it("a removed user can be invited back: same account, the new role, old sessions stay ended; nobody else's email can be taken", async () => {
    const owner = await signup();
    const email = `returning-${crypto.randomUUID()}@example.com`;
    const first = await invited(owner, "admin", email);
    expect((await callAs(owner, "DELETE", `/v1/users/${first.userId}`)).status).toBe(204);
    const back = await invited(owner, "viewer", email);
    expect(back.userId).toBe(first.userId);
    expect(await (await callAs(back, "GET", "/v1/auth/me")).json()).toMatchObject({ user: { role: "viewer", status: "active" } });
    expect((await callAs(first, "GET", "/v1/rules")).status).toBe(401);
    expect((await callAs(back, "POST", "/v1/rules", { body: { name: "r", match: { metric: "*" } } })).status).toBe(403);
    expect((await chainOf(owner.tenantId)).at(-1)).toMatchObject({ action: "user.rejoin", target: `user:${first.userId}`, data: { role: "viewer" } });
    // An active account, or one removed from another tenant, cannot be invited.
    expect((await callAs(owner, "POST", "/v1/users/invitations", { body: { email, role: "member" } })).status).toBe(409);
    const other = await signup();
    const theirs = await invited(other, "member");
    expect((await callAs(other, "DELETE", `/v1/users/${theirs.userId}`)).status).toBe(204);
    expect((await callAs(owner, "POST", "/v1/users/invitations", { body: { email: theirs.email, role: "member" } })).status).toBe(409);
  });
});
