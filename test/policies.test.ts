import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, callAs, keyWithScopes, newTenant, signup, type TestSession } from "./helpers.ts";
import { chainOf, chainVerifies, invited } from "./people.ts";

const rule = { name: "r", match: { metric: "*" } };
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

async function put(owner: TestSession, policy: Record<string, unknown>) {
  const res = await callAs(owner, "POST", "/v1/policies", { body: policy });
  expect(res.status, await res.clone().text()).toBe(201);
}

describe("policies as a resource", () => {
  it("creates, lists, reads, replaces and deletes a policy, each change audited, and 409s a duplicate id", async () => {
    const owner = await signup();
    const policy = { id: "no-rules", effect: "deny", actions: ["rule.create"], condition: { op: "eq", attr: "subject.role", value: "member" } };
    await put(owner, policy);
    expect((await callAs(owner, "POST", "/v1/policies", { body: policy })).status).toBe(409);
    const list = await (await callAs(owner, "GET", "/v1/policies")).json<{ data: Array<{ id: string; priority: number; resources: string[] }> }>();
    expect(list.data).toEqual([expect.objectContaining({ id: "no-rules", priority: 0, resources: ["*"] })]);
    expect((await callAs(owner, "GET", "/v1/policies/no-rules")).status).toBe(200);
    const replaced = await callAs(owner, "PUT", "/v1/policies/no-rules", { body: { ...policy, id: undefined, priority: 5 } });
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toMatchObject({ id: "no-rules", priority: 5 });
    expect((await callAs(owner, "DELETE", "/v1/policies/no-rules")).status).toBe(204);
    expect((await callAs(owner, "GET", "/v1/policies/no-rules")).status).toBe(404);
    expect((await callAs(owner, "DELETE", "/v1/policies/no-rules")).status).toBe(404);
    const actions = (await chainOf(owner.tenantId)).map((e) => e.action);
    expect(actions.slice(-3)).toEqual(["policy.create", "policy.update", "policy.delete"]);
    expect(await chainVerifies(owner.tenantId)).toMatchObject({ ok: true });
  });

  it("refuses a policy that would lock its author out of policies (409, nothing stored), and allows one that spares them", async () => {
    const owner = await signup();
    const lockout = { id: "freeze", effect: "deny", priority: 100, actions: ["policy.*"] };
    const refused = await callAs(owner, "POST", "/v1/policies", { body: lockout });
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain("policy.update");
    expect((await (await callAs(owner, "GET", "/v1/policies")).json<{ data: unknown[] }>()).data).toEqual([]);
    // The same freeze for everyone but owners is fine, and the owner can still undo it.
    await put(owner, { ...lockout, condition: { op: "ne", attr: "subject.role", value: "owner" } });
    const edit = await callAs(owner, "PUT", "/v1/policies/freeze", { body: lockout });
    expect(edit.status).toBe(409);
    expect((await callAs(owner, "DELETE", "/v1/policies/freeze")).status).toBe(204);
  });

  it("lists every problem of a bad policy and stores nothing", async () => {
    const owner = await signup();
    const res = await callAs(owner, "POST", "/v1/policies", { body: { id: "bad id!", effect: "maybe", actions: [], condition: { op: "eq", attr: "user.role", value: 1 } } });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const paths = (await res.json<{ errors: Array<{ path: string }> }>()).errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["body.id", "body.effect", "body.actions"]));
    expect((await (await callAs(owner, "GET", "/v1/policies")).json<{ data: unknown[] }>()).data).toEqual([]);
    expect((await callAs(owner, "PUT", "/v1/policies/x", { body: { effect: "deny", actions: ["*"] } })).status).toBe(404);
  });
});

describe("policies cannot escalate", () => {
  it("an admin may not allow what they do not hold (owner-only erasure); an owner may", async () => {
    const owner = await signup();
    const admin = await invited(owner, "admin");
    const grant = { id: "erase-all", effect: "allow", priority: 10, actions: ["user.*"] };
    const refused = await callAs(admin, "POST", "/v1/policies", { body: grant });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("user.erase");
    const tenant = await newTenant();
    expect((await call("POST", "/v1/policies", { key: tenant.key, body: { ...grant, actions: ["*"] } })).status).toBe(403);
    expect((await (await callAs(owner, "GET", "/v1/policies")).json<{ data: unknown[] }>()).data).toEqual([]);
    expect((await callAs(owner, "POST", "/v1/policies", { body: grant })).status).toBe(201);
    // A deny is never an escalation.
    expect((await callAs(admin, "POST", "/v1/policies", { body: { id: "d", effect: "deny", actions: ["*"], condition: { op: "eq", attr: "subject.role", value: "viewer" } } })).status).toBe(201);
  });
});

describe("policies bite on real routes", () => {
  it("a deny on rule.create for role member stops members and leaves admins alone", async () => {
    const owner = await signup();
    const member = await invited(owner, "member");
    const admin = await invited(owner, "admin");
    expect((await callAs(member, "POST", "/v1/rules", { body: rule })).status).toBe(201);
    await put(owner, { id: "members-no-rules", effect: "deny", actions: ["rule.create"], condition: { op: "eq", attr: "subject.role", value: "member" } });
    const denied = await callAs(member, "POST", "/v1/rules", { body: rule });
    expect(denied.status).toBe(403);
    expect(await denied.text()).toContain("members-no-rules");
    expect((await callAs(admin, "POST", "/v1/rules", { body: rule })).status).toBe(201);
    // Deleting the policy lifts it at once.
    expect((await callAs(owner, "DELETE", "/v1/policies/members-no-rules")).status).toBe(204);
    expect((await callAs(member, "POST", "/v1/rules", { body: rule })).status).toBe(201);
  });

  it("a deny on channel.delete for admins, within a time window that holds today, and not on other days", async () => {
    const owner = await signup();
    const admin = await invited(owner, "admin");
    const channel = await (await callAs(owner, "POST", "/v1/channels", { body: { type: "email", name: "x", config: { to: ["a@example.com"], from: "b@example.com" } } })).json<{ id: string }>();
    const today = DAYS[new Date().getUTCDay()]!;
    const window = (days: string[]) => ({ effect: "deny", actions: ["channel.delete"], condition: { op: "and", of: [{ op: "eq", attr: "subject.role", value: "admin" }, { op: "time_window", days, from: "00:00", to: "24:00" }] } });
    await put(owner, { id: "freeze", ...window([today]) });
    expect((await callAs(admin, "DELETE", `/v1/channels/${channel.id}`)).status).toBe(403);
    expect((await callAs(owner, "PUT", "/v1/policies/freeze", { body: window(DAYS.filter((d) => d !== today)) })).status).toBe(200);
    expect((await callAs(admin, "DELETE", `/v1/channels/${channel.id}`)).status).toBe(204);
  });

  it("an allow at a higher priority lifts a deny; at equal priority the deny wins", async () => {
    const owner = await signup();
    const member = await invited(owner, "member");
    await put(owner, { id: "deny-rules", effect: "deny", priority: 5, actions: ["rule.*"] });
    await put(owner, { id: "allow-create", effect: "allow", priority: 5, actions: ["rule.create"] });
    expect((await callAs(member, "POST", "/v1/rules", { body: rule })).status).toBe(403);
    expect((await callAs(owner, "PUT", "/v1/policies/allow-create", { body: { effect: "allow", priority: 10, actions: ["rule.create"] } })).status).toBe(200);
    expect((await callAs(member, "POST", "/v1/rules", { body: rule })).status).toBe(201);
    // The deny still holds for what the allow does not cover.
    expect((await callAs(member, "GET", "/v1/rules")).status).toBe(403);
  });

  it("denies API keys ingest from a country, by attribute, and not people nor other countries", async () => {
    const tenant = await newTenant();
    const ingestKey = await keyWithScopes(tenant, ["ingest"]);
    const res = await call("POST", "/v1/policies", { key: tenant.key, body: { id: "no-xx-keys", effect: "deny", actions: ["metric.ingest"], condition: { op: "and", of: [{ op: "eq", attr: "subject.type", value: "api_key" }, { op: "eq", attr: "environment.country", value: "XX" }] } } });
    expect(res.status).toBe(201);
    const from = (country: string) =>
      SELF.fetch("https://ayvlo.test/v1/ingest", { method: "POST", headers: { authorization: `Bearer ${ingestKey}`, "content-type": "application/json" }, body: JSON.stringify([{ metric: "m", value: 1 }]), cf: { country } } as RequestInit);
    expect((await from("XX")).status).toBe(403);
    expect((await from("FR")).status).toBe(202);
  });
});

describe("the simulator", () => {
  it("answers may X do Y with the stored policies, a draft set, or a real user's role and key's scopes", async () => {
    const owner = await signup();
    const member = await invited(owner, "member");
    const tenant = { id: owner.tenantId };
    await put(owner, { id: "members-no-rules", effect: "deny", actions: ["rule.create"], condition: { op: "eq", attr: "subject.role", value: "member" } });
    const ask = (body: unknown) => callAs(owner, "POST", "/v1/policies/simulate", { body });
    const stored = await (await ask({ subject: { user_id: member.userId }, action: "rule.create", resource: { type: "rule" } })).json<{ decision: { allowed: boolean; matched: string }; explanation: string[]; subject: { role: string } }>();
    expect(stored.subject.role).toBe("member");
    expect(stored.decision).toMatchObject({ allowed: false, matched: "members-no-rules" });
    expect(stored.explanation.join("\n")).toContain("members-no-rules");
    const draft = await (await ask({ subject: { user_id: member.userId }, action: "rule.create", resource: { type: "rule" }, policies: [] })).json<{ decision: { allowed: boolean }; draft: boolean }>();
    expect(draft).toMatchObject({ draft: true, decision: { allowed: true } });
    const literal = await (await ask({ subject: { id: "someone", type: "user", role: "viewer" }, action: "rule.read", resource: { type: "rule", id: "r1" } })).json<{ decision: { allowed: boolean } }>();
    expect(literal.decision.allowed).toBe(true);
    const keys = await (await callAs(owner, "POST", "/v1/api-keys", { body: { name: "ro", scopes: ["read"] } })).json<{ id: string }>();
    const byKey = await (await ask({ subject: { api_key_id: keys.id }, action: "rule.create", resource: { type: "rule" } })).json<{ decision: { allowed: boolean } }>();
    expect(byKey.decision.allowed).toBe(false);
    expect(tenant.id).toBe(owner.tenantId);
  });

  it("404s another tenant's user or key, and lists every problem of a bad question", async () => {
    const owner = await signup();
    const other = await newTenant();
    const stranger = await signup();
    expect((await callAs(owner, "POST", "/v1/policies/simulate", { body: { subject: { user_id: stranger.userId }, action: "rule.read", resource: { type: "rule" } } })).status).toBe(404);
    expect((await callAs(owner, "POST", "/v1/policies/simulate", { body: { subject: { api_key_id: other.keyId }, action: "rule.read", resource: { type: "rule" } } })).status).toBe(404);
    const bad = await callAs(owner, "POST", "/v1/policies/simulate", { body: { subject: {}, action: "nope", resource: {} } });
    expect(bad.status).toBe(400);
    expect((await bad.json<{ errors: Array<{ path: string }> }>()).errors.map((e) => e.path)).toEqual(expect.arrayContaining(["body.action"]));
  });

  it("answers who may do Y: the tenant's users and keys, through the same policies", async () => {
    const owner = await signup();
    const member = await invited(owner, "member");
    const viewer = await invited(owner, "viewer");
    const tenantKey = await (await callAs(owner, "POST", "/v1/api-keys", { body: { name: "admin", scopes: ["admin"] } })).json<{ id: string }>();
    const who = async () => (await callAs(owner, "POST", "/v1/policies/who", { body: { action: "rule.create", resource: { type: "rule" } } })).json<{ users: Array<{ id: string }>; api_keys: Array<{ id: string }> }>();
    const before = await who();
    expect(before.users.map((u) => u.id).sort()).toEqual([owner.userId, member.userId].sort());
    expect(before.api_keys.map((k) => k.id)).toEqual([tenantKey.id]);
    expect(before.users.map((u) => u.id)).not.toContain(viewer.userId);
    await put(owner, { id: "members-no-rules", effect: "deny", actions: ["rule.create"], condition: { op: "eq", attr: "subject.role", value: "member" } });
    expect((await who()).users.map((u) => u.id)).toEqual([owner.userId]);
  });
});
