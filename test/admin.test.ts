import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call } from "./helpers.ts";

describe("POST /v1/admin/tenants", () => {
  it("creates a tenant and returns its first key, which works", async () => {
    const res = await call("POST", "/v1/admin/tenants", { key: ADMIN_TOKEN, body: { name: "Acme", region: "eu", plan: "pro" } });
    expect(res.status).toBe(201);
    const body = await res.json<{ tenant: { id: string; name: string; region: string; plan: string; created_at: string }; api_key: string; scopes: string[] }>();
    expect(body.tenant).toMatchObject({ name: "Acme", region: "eu", plan: "pro" });
    expect(body.tenant.id).toMatch(/^ten_/);
    expect(body.api_key).toMatch(/^ayv_live_[0-9a-z]{16}_[A-Za-z0-9]{40}$/);
    expect(body.scopes).toEqual(["ingest", "read", "admin"]);
    const list = await call("GET", "/v1/api-keys", { key: body.api_key });
    expect(list.status).toBe(200);
  });

  it("defaults region to us and plan to free", async () => {
    const res = await call("POST", "/v1/admin/tenants", { key: ADMIN_TOKEN, body: { name: "Defaults" } });
    const body = await res.json<{ tenant: { region: string; plan: string } }>();
    expect(body.tenant).toMatchObject({ region: "us", plan: "free" });
  });

  it("stores only a hash of the key", async () => {
    const res = await call("POST", "/v1/admin/tenants", { key: ADMIN_TOKEN, body: { name: "Hashed" } });
    const body = await res.json<{ api_key: string; api_key_id: string }>();
    const row = await env.DB.prepare("SELECT * FROM api_keys WHERE id = ?").bind(body.api_key_id).first<Record<string, unknown>>();
    expect(row).not.toBeNull();
    expect(JSON.stringify(row)).not.toContain(body.api_key.split("_").pop());
    expect(row!.key_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses a missing or wrong operator token, and API keys", async () => {
    expect((await call("POST", "/v1/admin/tenants", { body: { name: "x" } })).status).toBe(401);
    expect((await call("POST", "/v1/admin/tenants", { key: "wrong-token-wrong-token", body: { name: "x" } })).status).toBe(401);
    const created = await (await call("POST", "/v1/admin/tenants", { key: ADMIN_TOKEN, body: { name: "k" } })).json<{ api_key: string }>();
    expect((await call("POST", "/v1/admin/tenants", { key: created.api_key, body: { name: "x" } })).status).toBe(401);
  });

  it("lists every problem with a bad body and creates nothing", async () => {
    const before = await env.DB.prepare("SELECT count(*) AS n FROM tenants").first<{ n: number }>();
    const res = await call("POST", "/v1/admin/tenants", { key: ADMIN_TOKEN, body: { name: "", region: "mars", plan: "gold", extra: 1 } });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const body = await res.json<{ errors: Array<{ path: string }> }>();
    expect(body.errors.map((e) => e.path).sort()).toEqual(["body", "body.name", "body.plan", "body.region"]);
    const after = await env.DB.prepare("SELECT count(*) AS n FROM tenants").first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
  });

  it("answers 400 for a body that is not JSON", async () => {
    const res = await call("POST", "/v1/admin/tenants", { key: ADMIN_TOKEN, raw: "{nope" });
    expect(res.status).toBe(400);
  });

  it("replays the first response for the same Idempotency-Key and body", async () => {
    const headers = { "idempotency-key": crypto.randomUUID() };
    const first = await call("POST", "/v1/admin/tenants", { key: ADMIN_TOKEN, body: { name: "Once" }, headers });
    const second = await call("POST", "/v1/admin/tenants", { key: ADMIN_TOKEN, body: { name: "Once" }, headers });
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    const a = await first.json<{ tenant: { id: string } }>();
    const b = await second.json<{ tenant: { id: string } }>();
    expect(b.tenant.id).toBe(a.tenant.id);
    const n = await env.DB.prepare("SELECT count(*) AS n FROM tenants WHERE name = 'Once'").first<{ n: number }>();
    expect(n!.n).toBe(1);
    const other = await call("POST", "/v1/admin/tenants", { key: ADMIN_TOKEN, body: { name: "Twice" }, headers });
    expect(other.status).toBe(422);
  });
});
