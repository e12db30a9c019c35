import { describe, expect, it } from "vitest";
import { call, keyWithScopes, newTenant } from "./helpers.ts";

describe("/v1/rules", () => {
  it("creates, lists, reads and deletes a rule with Alertmanager defaults", async () => {
    const t = await newTenant();
    const res = await call("POST", "/v1/rules", { key: t.key, body: { name: "pager", match: { metric: "checkout.*", min_severity: "warning" }, group_by: ["region"] } });
    expect(res.status).toBe(201);
    const rule = await res.json<{ id: string; group_wait_s: number; group_interval_s: number; repeat_interval_s: number; channels: string[] }>();
    expect(rule).toMatchObject({ group_wait_s: 30, group_interval_s: 300, repeat_interval_s: 14_400, channels: [] });
    const list = await (await call("GET", "/v1/rules", { key: t.key })).json<{ data: Array<{ id: string }> }>();
    expect(list.data.map((r) => r.id)).toEqual([rule.id]);
    expect((await call("GET", `/v1/rules/${rule.id}`, { key: t.key })).status).toBe(200);
    expect((await call("DELETE", `/v1/rules/${rule.id}`, { key: t.key })).status).toBe(204);
    expect((await call("GET", `/v1/rules/${rule.id}`, { key: t.key })).status).toBe(404);
  });

  it("rejects bad rules with every problem, and unknown channels", async () => {
    const t = await newTenant();
    const bad = await call("POST", "/v1/rules", { key: t.key, body: { name: "", match: { min_severity: "loud" }, group_wait_s: -1, extra: 1 } });
    expect(bad.status).toBe(400);
    const paths = (await bad.json<{ errors: Array<{ path: string }> }>()).errors.map((e) => e.path).sort();
    expect(paths).toEqual(["body", "body.group_wait_s", "body.match.metric", "body.match.min_severity", "body.name"]);
    const unknown = await call("POST", "/v1/rules", { key: t.key, body: { name: "x", match: { metric: "*" }, channels: ["chn_nope"] } });
    expect(unknown.status).toBe(400);
    expect((await (await call("GET", "/v1/rules", { key: t.key })).json<{ data: unknown[] }>()).data).toEqual([]);
  });

  it("keeps tenants apart and needs admin to change", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const rule = await (await call("POST", "/v1/rules", { key: a.key, body: { name: "mine", match: { metric: "*" } } })).json<{ id: string }>();
    expect((await call("GET", `/v1/rules/${rule.id}`, { key: b.key })).status).toBe(404);
    expect((await call("DELETE", `/v1/rules/${rule.id}`, { key: b.key })).status).toBe(404);
    const reader = await keyWithScopes(a, ["read"]);
    expect((await call("POST", "/v1/rules", { key: reader, body: { name: "x", match: { metric: "*" } } })).status).toBe(403);
    expect((await call("GET", "/v1/rules", { key: reader })).status).toBe(200);
  });
});

describe("/v1/silences", () => {
  it("creates a silence (starting now by default), lists it active, expires it on delete", async () => {
    const t = await newTenant();
    const ends = new Date(Date.now() + 3_600_000).toISOString();
    const res = await call("POST", "/v1/silences", { key: t.key, body: { matchers: [{ name: "metric", value: "checkout.*", is_regex: true }], ends_at: ends, comment: "deploy window" } });
    expect(res.status).toBe(201);
    const silence = await res.json<{ id: string; status: string; created_by: string }>();
    expect(silence.status).toBe("active");
    expect(silence.created_by).toBe(`key:${t.keyId}`);
    expect((await call("DELETE", `/v1/silences/${silence.id}`, { key: t.key })).status).toBe(204);
    const after = await (await call("GET", `/v1/silences/${silence.id}`, { key: t.key })).json<{ status: string }>();
    expect(after.status).toBe("expired");
    expect((await call("DELETE", `/v1/silences/${silence.id}`, { key: t.key })).status).toBe(404);
  });

  it.each([
    ["an end before the start", { matchers: [{ name: "metric", value: "a" }], starts_at: Date.now() + 10_000, ends_at: Date.now(), comment: "x" }],
    ["a bad regex", { matchers: [{ name: "metric", value: "(", is_regex: true }], ends_at: Date.now() + 10_000, comment: "x" }],
    ["a regex that could take exponential time", { matchers: [{ name: "metric", value: "(a+)+b", is_regex: true }], ends_at: Date.now() + 10_000, comment: "x" }],
    ["a silence that matches everything", { matchers: [{ name: "metric", value: ".*", is_regex: true }], ends_at: Date.now() + 10_000, comment: "x" }],
    ["no matchers", { matchers: [], ends_at: Date.now() + 10_000, comment: "x" }],
    ["no comment", { matchers: [{ name: "metric", value: "a" }], ends_at: Date.now() + 10_000 }],
  ])("rejects %s", async (_name, body) => {
    const t = await newTenant();
    expect((await call("POST", "/v1/silences", { key: t.key, body })).status).toBe(400);
    expect((await (await call("GET", "/v1/silences", { key: t.key })).json<{ data: unknown[] }>()).data).toEqual([]);
  });
});
