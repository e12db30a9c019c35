import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { app } from "../workers/app.ts";
import { ADMIN_TOKEN, call, callAs, flushed, ingest, keyWithScopes, newTenant, sessionFrom, signup, steadyPoints, T0, TEST_PASSWORD, type TestSession, type TestTenant } from "./helpers.ts";

// Walks every route of the app. A route added without an entry here fails the
// first test, so new routes join the isolation checks automatically.

interface Fixtures {
  owner: TestTenant;
  intruder: TestTenant;
  anomalyId: string;
  ruleId: string;
  silenceId: string;
  channelId: string;
  readerKey: string;
  exportId: string;
  policyId: string;
  /** A person in the owner's tenant. */
  userId: string;
  /** A viewer in the owner's tenant. */
  viewer: TestSession;
  /** The owner of another tenant (signed up). */
  intruderSession: TestSession;
}

/** "session": a person's own account settings: 401 without credentials, 403 to any API key. */
type Access = "public" | "operator" | "ingest" | "read" | "admin" | "session";
interface RouteCase {
  access: Access;
  /** A request from the intruder that aims at the owner's resources. */
  request: (f: Fixtures) => { path: string; body?: unknown };
  /** What the intruder must see: 404, or a list that holds none of the owner's data. */
  foreign: "404" | "empty-list" | "own-only" | "own-config" | "n/a";
  /** Only a person's session may ever do this (owner-only actions): every API key gets 403. */
  sessionOnly?: true;
}

const ROUTES: Record<string, RouteCase> = {
  "GET /health": { access: "public", request: () => ({ path: "/health" }), foreign: "n/a" },
  "GET /.well-known/jwks.json": { access: "public", request: () => ({ path: "/.well-known/jwks.json" }), foreign: "n/a" },
  "POST /v1/auth/signup": { access: "public", request: () => ({ path: "/v1/auth/signup", body: {} }), foreign: "n/a" },
  "POST /v1/admin/signing-keys/rotate": { access: "operator", request: () => ({ path: "/v1/admin/signing-keys/rotate" }), foreign: "n/a" },
  "POST /v1/auth/webauthn/register/options": { access: "session", request: () => ({ path: "/v1/auth/webauthn/register/options" }), foreign: "n/a" },
  "POST /v1/auth/webauthn/register/verify": { access: "session", request: () => ({ path: "/v1/auth/webauthn/register/verify", body: {} }), foreign: "n/a" },
  "POST /v1/auth/webauthn/login/options": { access: "public", request: () => ({ path: "/v1/auth/webauthn/login/options" }), foreign: "n/a" },
  "POST /v1/auth/webauthn/login/verify": { access: "public", request: () => ({ path: "/v1/auth/webauthn/login/verify", body: {} }), foreign: "n/a" },
  // Another tenant's passkeys: test/webauthn.test.ts (sessions, not API keys, reach these).
  "GET /v1/auth/webauthn/credentials": { access: "session", request: () => ({ path: "/v1/auth/webauthn/credentials" }), foreign: "n/a" },
  "DELETE /v1/auth/webauthn/credentials/:id": { access: "session", request: () => ({ path: "/v1/auth/webauthn/credentials/AAAAAAAAAAAAAAAAAAAAAA" }), foreign: "n/a" },
  "POST /v1/auth/magic-link": { access: "public", request: () => ({ path: "/v1/auth/magic-link", body: {} }), foreign: "n/a" },
  "GET /v1/auth/magic-link/verify": { access: "public", request: () => ({ path: "/v1/auth/magic-link/verify" }), foreign: "n/a" },
  "POST /v1/auth/magic-link/verify": { access: "public", request: () => ({ path: "/v1/auth/magic-link/verify", body: {} }), foreign: "n/a" },
  "POST /v1/auth/login": { access: "public", request: () => ({ path: "/v1/auth/login", body: {} }), foreign: "n/a" },
  "POST /v1/auth/refresh": { access: "public", request: () => ({ path: "/v1/auth/refresh" }), foreign: "n/a" },
  "POST /v1/auth/logout": { access: "session", request: () => ({ path: "/v1/auth/logout", body: { everywhere: true } }), foreign: "n/a" },
  "GET /v1/auth/me": { access: "session", request: () => ({ path: "/v1/auth/me" }), foreign: "n/a" },
  "POST /v1/auth/totp/enroll": { access: "session", request: () => ({ path: "/v1/auth/totp/enroll" }), foreign: "n/a" },
  "POST /v1/auth/totp/verify": { access: "session", request: () => ({ path: "/v1/auth/totp/verify", body: { code: "123456" } }), foreign: "n/a" },
  "DELETE /v1/auth/totp": { access: "session", request: () => ({ path: "/v1/auth/totp", body: { code: "123456" } }), foreign: "n/a" },
  "POST /v1/admin/tenants": { access: "operator", request: () => ({ path: "/v1/admin/tenants", body: { name: "x" } }), foreign: "n/a" },
  "POST /v1/api-keys": { access: "admin", request: () => ({ path: "/v1/api-keys", body: { scopes: ["read"] } }), foreign: "n/a" },
  "GET /v1/api-keys": { access: "admin", request: () => ({ path: "/v1/api-keys" }), foreign: "own-only" },
  "DELETE /v1/api-keys/:id": { access: "admin", request: (f) => ({ path: `/v1/api-keys/${f.owner.keyId}` }), foreign: "404" },
  "POST /v1/ingest": { access: "ingest", request: () => ({ path: "/v1/ingest", body: [{ metric: "intruder", value: 1 }] }), foreign: "n/a" },
  "POST /v1/_bench/fanout": { access: "ingest", request: () => ({ path: "/v1/_bench/fanout", body: [{ metric: "intruder", value: 1 }] }), foreign: "n/a" },
  "GET /v1/series": { access: "read", request: () => ({ path: "/v1/series" }), foreign: "empty-list" },
  "GET /v1/series/points": { access: "read", request: () => ({ path: "/v1/series/points?metric=secret.revenue&tags[shop]=eu" }), foreign: "404" },
  "GET /v1/anomalies": { access: "read", request: () => ({ path: "/v1/anomalies" }), foreign: "empty-list" },
  "GET /v1/metrics/:metric/config": { access: "read", request: () => ({ path: "/v1/metrics/secret.revenue/config" }), foreign: "own-config" },
  "PUT /v1/metrics/:metric/config": { access: "admin", request: () => ({ path: "/v1/metrics/secret.revenue/config", body: { sensitivity: "low" } }), foreign: "n/a" },
  "POST /v1/anomalies/:id/feedback": { access: "admin", request: (f) => ({ path: `/v1/anomalies/${f.anomalyId}/feedback`, body: { label: "false_positive" } }), foreign: "404" },
  "POST /v1/rules": { access: "admin", request: () => ({ path: "/v1/rules", body: { name: "x", match: { metric: "*" } } }), foreign: "n/a" },
  "GET /v1/rules": { access: "read", request: () => ({ path: "/v1/rules" }), foreign: "empty-list" },
  "GET /v1/rules/:id": { access: "read", request: (f) => ({ path: `/v1/rules/${f.ruleId}` }), foreign: "404" },
  "DELETE /v1/rules/:id": { access: "admin", request: (f) => ({ path: `/v1/rules/${f.ruleId}` }), foreign: "404" },
  "POST /v1/silences": { access: "admin", request: () => ({ path: "/v1/silences", body: { matchers: [{ name: "metric", value: "x" }], ends_at: Date.now() + 60_000, comment: "x" } }), foreign: "n/a" },
  "GET /v1/silences": { access: "read", request: () => ({ path: "/v1/silences" }), foreign: "empty-list" },
  "GET /v1/silences/:id": { access: "read", request: (f) => ({ path: `/v1/silences/${f.silenceId}` }), foreign: "404" },
  "DELETE /v1/silences/:id": { access: "admin", request: (f) => ({ path: `/v1/silences/${f.silenceId}` }), foreign: "404" },
  "POST /v1/channels": { access: "admin", request: () => ({ path: "/v1/channels", body: { type: "email", name: "x", config: { to: ["a@example.com"], from: "b@example.com" } } }), foreign: "n/a" },
  "GET /v1/channels": { access: "read", request: () => ({ path: "/v1/channels" }), foreign: "empty-list" },
  "GET /v1/channels/:id": { access: "read", request: (f) => ({ path: `/v1/channels/${f.channelId}` }), foreign: "404" },
  "DELETE /v1/channels/:id": { access: "admin", request: (f) => ({ path: `/v1/channels/${f.channelId}` }), foreign: "404" },
  "POST /v1/channels/:id/rotate-secret": { access: "admin", request: (f) => ({ path: `/v1/channels/${f.channelId}/rotate-secret`, body: {} }), foreign: "404" },
  "GET /v1/channels/:id/mail": { access: "read", request: (f) => ({ path: `/v1/channels/${f.channelId}/mail` }), foreign: "404" },
  "GET /v1/deliveries": { access: "read", request: () => ({ path: "/v1/deliveries" }), foreign: "own-only" },
  "POST /v1/anomalies/:id/acknowledge": { access: "admin", request: (f) => ({ path: `/v1/anomalies/${f.anomalyId}/acknowledge` }), foreign: "404" },
  "POST /v1/anomalies/:id/resolve": { access: "admin", request: (f) => ({ path: `/v1/anomalies/${f.anomalyId}/resolve` }), foreign: "404" },
  "GET /v1/rules/:id/stats": { access: "read", request: (f) => ({ path: `/v1/rules/${f.ruleId}/stats` }), foreign: "404" },
  "GET /v1/approvals": { access: "read", request: () => ({ path: "/v1/approvals" }), foreign: "n/a" },
  "POST /v1/approvals/:id/approve": { access: "admin", request: () => ({ path: "/v1/approvals/apr_x/approve" }), foreign: "404" },
  "POST /v1/approvals/:id/deny": { access: "admin", request: () => ({ path: "/v1/approvals/apr_x/deny" }), foreign: "404" },
  "GET /v1/anomalies/:id": { access: "read", request: (f) => ({ path: `/v1/anomalies/${f.anomalyId}` }), foreign: "404" },
  "GET /v1/audit": { access: "read", request: () => ({ path: "/v1/audit" }), foreign: "own-only" },
  "GET /v1/audit/verify": { access: "read", request: () => ({ path: "/v1/audit/verify" }), foreign: "own-only" },
  "GET /v1/audit/checkpoints": { access: "read", request: () => ({ path: "/v1/audit/checkpoints" }), foreign: "own-only" },
  "POST /v1/exports": { access: "admin", request: () => ({ path: "/v1/exports", body: {} }), foreign: "n/a" },
  "GET /v1/exports/:id": { access: "admin", request: (f) => ({ path: `/v1/exports/${f.exportId}` }), foreign: "404" },
  "GET /v1/exports/:id/download": { access: "admin", request: (f) => ({ path: `/v1/exports/${f.exportId}/download` }), foreign: "404" },
  "POST /v1/policies": { access: "admin", request: () => ({ path: "/v1/policies", body: { id: "intruder", effect: "allow", actions: ["*"] } }), foreign: "n/a" },
  "GET /v1/policies": { access: "admin", request: () => ({ path: "/v1/policies" }), foreign: "empty-list" },
  "GET /v1/policies/:id": { access: "admin", request: (f) => ({ path: `/v1/policies/${f.policyId}` }), foreign: "404" },
  "PUT /v1/policies/:id": { access: "admin", request: (f) => ({ path: `/v1/policies/${f.policyId}`, body: { effect: "deny", actions: ["*"] } }), foreign: "404" },
  "DELETE /v1/policies/:id": { access: "admin", request: (f) => ({ path: `/v1/policies/${f.policyId}` }), foreign: "404" },
  "POST /v1/policies/simulate": { access: "admin", request: (f) => ({ path: "/v1/policies/simulate", body: { subject: { user_id: f.userId }, action: "rule.read", resource: { type: "rule" } } }), foreign: "404" },
  "POST /v1/policies/who": { access: "admin", request: () => ({ path: "/v1/policies/who", body: { action: "rule.read", resource: { type: "rule" } } }), foreign: "n/a" },
  "GET /v1/users": { access: "read", request: () => ({ path: "/v1/users" }), foreign: "empty-list" },
  "GET /v1/users/:id": { access: "read", request: (f) => ({ path: `/v1/users/${f.userId}` }), foreign: "404" },
  "PATCH /v1/users/:id": { access: "admin", request: (f) => ({ path: `/v1/users/${f.userId}`, body: { role: "viewer" } }), foreign: "404" },
  "DELETE /v1/users/:id": { access: "admin", request: (f) => ({ path: `/v1/users/${f.userId}` }), foreign: "404" },
  "POST /v1/users/:id/erase": { access: "admin", request: (f) => ({ path: `/v1/users/${f.userId}/erase` }), foreign: "404", sessionOnly: true },
  "POST /v1/users/invitations": { access: "admin", request: () => ({ path: "/v1/users/invitations", body: { email: "intruder@example.com", role: "viewer" } }), foreign: "n/a" },
  "POST /v1/auth/invitations/accept": { access: "public", request: () => ({ path: "/v1/auth/invitations/accept", body: {} }), foreign: "n/a" },
};

/** Invites someone into the owner's tenant with the owner's key, and accepts. */
async function join(owner: TestTenant, role: string, email: string): Promise<TestSession> {
  const inv = await call("POST", "/v1/users/invitations", { key: owner.key, body: { email, role } });
  expect(inv.status).toBe(201);
  const res = await call("POST", "/v1/auth/invitations/accept", { body: { token: (await inv.json<{ token: string }>()).token, password: TEST_PASSWORD } });
  expect(res.status).toBe(201);
  return sessionFrom(res, await res.json());
}

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);
const appRoutes = [...new Set(app.routes.filter((r) => METHODS.has(r.method)).map((r) => `${r.method} ${r.path}`))];
const cases = Object.entries(ROUTES).map(([route, c]) => ({ route, method: route.split(" ")[0]!, ...c }));

let f: Fixtures;

beforeAll(async () => {
  const owner = await newTenant();
  const intruder = await newTenant();
  await ingest(owner.key, steadyPoints("secret.revenue", 200, { tags: { shop: "eu" } }));
  const spike = await (await ingest(owner.key, [{ metric: "secret.revenue", value: 1e6, timestamp: T0 + 200 * 60_000, tags: { shop: "eu" } }])).json<{ anomalies: Array<{ id: string }> }>();
  const anomalyId = spike.anomalies[0]!.id;
  expect((await call("PUT", "/v1/metrics/secret.revenue/config", { key: owner.key, body: { sensitivity: "high" } })).status).toBe(200);
  await flushed(owner, "secret.revenue", async () => (await call("GET", `/v1/anomalies/${anomalyId}`, { key: owner.key })).status === 200);
  const channel = await (await call("POST", "/v1/channels", { key: owner.key, body: { type: "webhook", name: "secret.revenue hook", config: { url: `${env.RECEIVER_URL}/hook/isolation` } } })).json<{ id: string }>();
  const rule = await (await call("POST", "/v1/rules", { key: owner.key, body: { name: "secret.revenue watch", match: { metric: "secret.revenue" }, channels: [channel.id] } })).json<{ id: string }>();
  const silence = await (
    await call("POST", "/v1/silences", { key: owner.key, body: { matchers: [{ name: "metric", value: "secret.revenue" }], ends_at: Date.now() + 3_600_000, comment: "secret.revenue quiet" } })
  ).json<{ id: string }>();
  // An export of the owner's data, finished (its download answers the owner 200).
  const exportId = (await (await call("POST", "/v1/exports", { key: owner.key, body: {} })).json<{ id: string }>()).id;
  for (let i = 0; i < 200 && (await (await call("GET", `/v1/exports/${exportId}`, { key: owner.key })).json<{ status: string }>()).status !== "done"; i++) await new Promise((r) => setTimeout(r, 50));
  expect((await call("POST", "/v1/policies", { key: owner.key, body: { id: "secret.revenue-policy", effect: "allow", actions: ["rule.read"] } })).status).toBe(201);
  const person = await join(owner, "member", `secret.revenue-${crypto.randomUUID()}@example.com`);
  const viewer = await join(owner, "viewer", `viewer-${crypto.randomUUID()}@example.com`);
  f = {
    owner,
    intruder,
    anomalyId,
    ruleId: rule.id,
    silenceId: silence.id,
    channelId: channel.id,
    readerKey: await keyWithScopes(intruder, ["read"]),
    exportId,
    policyId: "secret.revenue-policy",
    userId: person.userId,
    viewer,
    intruderSession: await signup(),
  };
});

describe("every route", () => {
  it("is listed in this suite", () => {
    expect(appRoutes.sort()).toEqual(Object.keys(ROUTES).sort());
  });

  it.each(cases.filter((c) => c.access !== "public"))("$route answers 401 without credentials", async (c) => {
    const { path, body } = c.request(f);
    const res = await call(c.method, path, { body });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });

  it.each(cases.filter((c) => c.access === "ingest" || c.access === "admin"))("$route answers 403 to a read-only key", async (c) => {
    const { path, body } = c.request(f);
    const res = await call(c.method, path, { key: f.readerKey, body });
    expect(res.status).toBe(403);
  });

  it.each(cases.filter((c) => c.access === "session"))("$route answers 403 to an API key, even an all-scopes one", async (c) => {
    const { path, body } = c.request(f);
    expect((await call(c.method, path, { key: f.readerKey, body })).status).toBe(403);
    expect((await call(c.method, path, { key: f.intruder.key, body })).status).toBe(403);
  });

  it.each(cases.filter((c) => c.sessionOnly))("$route answers 403 to every API key", async (c) => {
    const { path, body } = c.request(f);
    expect((await call(c.method, path, { key: f.intruder.key, body })).status).toBe(403);
    expect((await call(c.method, path, { key: f.owner.key, body })).status).toBe(403);
  });

  it.each(cases.filter((c) => c.access === "ingest" || c.access === "admin"))("$route answers 403 to a viewer's session", async (c) => {
    const { path, body } = c.request(f);
    const res = await callAs(f.viewer, c.method, path, { body });
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });

  it.each(cases.filter((c) => c.foreign === "404"))("$route answers 404 to another tenant's session", async (c) => {
    const { path, body } = c.request(f);
    const res = await callAs(f.intruderSession, c.method, path, { body });
    expect(res.status).toBe(404);
  });

  it.each(cases.filter((c) => c.foreign === "404" && !c.sessionOnly))("$route answers 404 to another tenant", async (c) => {
    const { path, body } = c.request(f);
    const res = await call(c.method, path, { key: f.intruder.key, body });
    expect(res.status).toBe(404);
    // …while the owner can reach the same resource.
    if (c.method === "GET") expect((await call(c.method, path, { key: f.owner.key })).status).toBe(200);
  });

  it.each(cases.filter((c) => c.foreign === "empty-list" || c.foreign === "own-only"))("$route shows another tenant nothing of the owner's", async (c) => {
    const { path } = c.request(f);
    const res = await call("GET", path, { key: f.intruder.key });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(f.owner.id);
    expect(text).not.toContain(f.owner.keyId);
    expect(text).not.toContain("secret.revenue");
    expect(text).not.toContain(f.anomalyId);
    const owners = await (await call("GET", path, { key: f.owner.key })).text();
    if (c.foreign === "empty-list") expect(owners).toContain("secret.revenue");
    else if (c.route === "GET /v1/api-keys") expect(owners).toContain(f.owner.keyId);
  });

  it("a metric's settings are per tenant: the same name elsewhere keeps its own", async () => {
    const path = "/v1/metrics/secret.revenue/config";
    const theirs = await (await call("GET", path, { key: f.intruder.key })).json<{ config: { sensitivity: string } }>();
    expect(theirs.config.sensitivity).toBe("medium");
    const owners = await (await call("GET", path, { key: f.owner.key })).json<{ config: { sensitivity: string } }>();
    expect(owners.config.sensitivity).toBe("high");
  });

  it("the owner's key is not revoked by the intruder's attempt", async () => {
    expect((await call("DELETE", `/v1/api-keys/${f.owner.keyId}`, { key: f.intruder.key })).status).toBe(404);
    expect((await call("GET", "/v1/api-keys", { key: f.owner.key })).status).toBe(200);
  });

  it("the operator token is not an API key", async () => {
    expect((await call("GET", "/v1/series", { key: ADMIN_TOKEN })).status).toBe(401);
  });
});
