import { describe, expect, it } from "vitest";
import { call, keyWithScopes, newTenant } from "./helpers.ts";

interface KeyJson {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: string;
  revoked_at: string | null;
  key?: string;
}

describe("/v1/api-keys", () => {
  it("creates a key shown once, lists keys without secrets", async () => {
    const t = await newTenant();
    const res = await call("POST", "/v1/api-keys", { key: t.key, body: { name: "ci", scopes: ["ingest", "read", "ingest"] } });
    expect(res.status).toBe(201);
    const created = await res.json<KeyJson>();
    expect(created.key).toMatch(new RegExp(`^ayv_live_${created.id}_`));
    expect(created.scopes).toEqual(["ingest", "read"]);
    const list = await (await call("GET", "/v1/api-keys", { key: t.key })).json<{ data: KeyJson[]; next_cursor: string | null }>();
    expect(list.data.map((k) => k.id)).toEqual([t.keyId, created.id]);
    expect(JSON.stringify(list)).not.toContain(created.key!.split("_").pop());
    expect(list.data[1]).toMatchObject({ name: "ci", prefix: `ayv_live_${created.id}`, revoked_at: null });
  });

  it("pages with limit and cursor", async () => {
    const t = await newTenant();
    for (let i = 0; i < 3; i++) await keyWithScopes(t, ["read"]);
    const first = await (await call("GET", "/v1/api-keys?limit=2", { key: t.key })).json<{ data: KeyJson[]; next_cursor: string }>();
    expect(first.data).toHaveLength(2);
    expect(first.next_cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = await (await call("GET", `/v1/api-keys?limit=2&cursor=${first.next_cursor}`, { key: t.key })).json<{ data: KeyJson[]; next_cursor: string | null }>();
    expect(second.data).toHaveLength(2);
    expect(second.next_cursor).toBeNull();
    expect(new Set([...first.data, ...second.data].map((k) => k.id)).size).toBe(4);
    expect((await call("GET", "/v1/api-keys?limit=0", { key: t.key })).status).toBe(400);
    expect((await call("GET", "/v1/api-keys?limit=1001", { key: t.key })).status).toBe(400);
    expect((await call("GET", "/v1/api-keys?cursor=garbage", { key: t.key })).status).toBe(400);
  });

  it("revokes a key: it stops working at once", async () => {
    const t = await newTenant();
    const reader = await keyWithScopes(t, ["read"]);
    expect((await call("GET", "/v1/series", { key: reader })).status).toBe(200);
    const id = reader.split("_")[2]!;
    expect((await call("DELETE", `/v1/api-keys/${id}`, { key: t.key })).status).toBe(204);
    const after = await call("GET", "/v1/series", { key: reader });
    expect(after.status).toBe(401);
    expect((await call("DELETE", `/v1/api-keys/${id}`, { key: t.key })).status).toBe(404);
    const list = await (await call("GET", "/v1/api-keys", { key: t.key })).json<{ data: KeyJson[] }>();
    expect(list.data.find((k) => k.id === id)?.revoked_at).not.toBeNull();
  });

  it("rejects bad input with every problem listed", async () => {
    const t = await newTenant();
    const res = await call("POST", "/v1/api-keys", { key: t.key, body: { name: "", scopes: ["root"], extra: true } });
    expect(res.status).toBe(400);
    const body = await res.json<{ errors: Array<{ path: string }> }>();
    expect(body.errors.map((e) => e.path).sort()).toEqual(["body", "body.name", "body.scopes.0"]);
    expect((await call("POST", "/v1/api-keys", { key: t.key, body: { scopes: [] } })).status).toBe(400);
  });

  it("needs the admin scope", async () => {
    const t = await newTenant();
    const both = await keyWithScopes(t, ["ingest", "read"]);
    expect((await call("GET", "/v1/api-keys", { key: both })).status).toBe(403);
    expect((await call("POST", "/v1/api-keys", { key: both, body: { scopes: ["admin"] } })).status).toBe(403);
    expect((await call("DELETE", `/v1/api-keys/${t.keyId}`, { key: both })).status).toBe(403);
  });

  it.each([
    ["no header", undefined],
    ["a malformed key", "not-a-key"],
    ["a well-formed unknown key", `ayv_live_${"0".repeat(16)}_${"A".repeat(40)}`],
  ])("answers 401 with %s", async (_name, key) => {
    const res = await call("GET", "/v1/api-keys", { key });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
  });

  it("answers 401 for a real key id with a wrong secret", async () => {
    const t = await newTenant();
    const forged = `ayv_live_${t.keyId}_${"B".repeat(40)}`;
    expect((await call("GET", "/v1/api-keys", { key: forged })).status).toBe(401);
  });
});
