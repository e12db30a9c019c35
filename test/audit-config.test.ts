import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, flushed, ingest, newTenant, steadyPoints, T0, type TestTenant } from "./helpers.ts";
import { chainOf, chainVerifies } from "./people.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function anomalyOf(t: TestTenant, metric: string): Promise<string> {
  await ingest(t.key, steadyPoints(metric, 200));
  const spike = await (await ingest(t.key, [{ metric, value: 1e6, timestamp: T0 + 200 * 60_000 }])).json<{ anomalies: Array<{ id: string }> }>();
  const id = spike.anomalies[0]!.id;
  await flushed(t, metric, async () => (await call("GET", `/v1/anomalies/${id}`, { key: t.key })).status === 200);
  return id;
}

describe("every configuration change is in the audit chain", () => {
  it("records keys, channels, rules, silences, metric settings and anomaly handling in order, without secrets", async () => {
    const t = await newTenant();
    const ok = async (res: Promise<Response>, status: number) => {
      const r = await res;
      expect(r.status, await r.clone().text()).toBe(status);
      return r;
    };
    const key = await (await ok(call("POST", "/v1/api-keys", { key: t.key, body: { name: "ci", scopes: ["ingest"] } }), 201)).json<{ id: string; key: string }>();
    await ok(call("DELETE", `/v1/api-keys/${key.id}`, { key: t.key }), 204);
    const channel = await (await ok(call("POST", "/v1/channels", { key: t.key, body: { type: "webhook", name: "hook", config: { url: `${env.RECEIVER_URL}/hook/audit` } } }), 201)).json<{ id: string; secret: string }>();
    const rotated = await (await ok(call("POST", `/v1/channels/${channel.id}/rotate-secret`, { key: t.key, body: { grace_s: 60 } }), 200)).json<{ secret: string }>();
    const rule = await (await ok(call("POST", "/v1/rules", { key: t.key, body: { name: "all", match: { metric: "*" }, channels: [channel.id] } }), 201)).json<{ id: string }>();
    const silence = await (await ok(call("POST", "/v1/silences", { key: t.key, body: { matchers: [{ name: "metric", value: "x" }], ends_at: Date.now() + 60_000, comment: "quiet" } }), 201)).json<{ id: string }>();
    await ok(call("DELETE", `/v1/silences/${silence.id}`, { key: t.key }), 204);
    await ok(call("DELETE", `/v1/rules/${rule.id}`, { key: t.key }), 204);
    await ok(call("DELETE", `/v1/channels/${channel.id}`, { key: t.key }), 204);
    await ok(call("PUT", "/v1/metrics/audit.m/config", { key: t.key, body: { sensitivity: "high" } }), 200);
    const anomalyId = await anomalyOf(t, "audit.m");
    await ok(call("POST", `/v1/anomalies/${anomalyId}/acknowledge`, { key: t.key }), 200);
    await ok(call("POST", `/v1/anomalies/${anomalyId}/feedback`, { key: t.key, body: { label: "true_positive" } }), 200);
    await ok(call("POST", `/v1/anomalies/${anomalyId}/resolve`, { key: t.key }), 200);
    // Refused or repeated changes record nothing.
    await ok(call("DELETE", `/v1/api-keys/${key.id}`, { key: t.key }), 404);
    await ok(call("DELETE", `/v1/rules/${rule.id}`, { key: t.key }), 404);
    await ok(call("POST", `/v1/anomalies/${anomalyId}/resolve`, { key: t.key }), 200);

    const chain = await chainOf(t.id);
    const me = `key:${t.keyId}`;
    expect(chain.map((e) => [e.actor, e.action, e.target])).toEqual([
      ["operator", "tenant.create", `tenant:${t.id}`],
      [me, "api_key.create", `api_key:${key.id}`],
      [me, "api_key.revoke", `api_key:${key.id}`],
      [me, "channel.create", `channel:${channel.id}`],
      [me, "channel.rotate_secret", `channel:${channel.id}`],
      [me, "rule.create", `rule:${rule.id}`],
      [me, "silence.create", `silence:${silence.id}`],
      [me, "silence.delete", `silence:${silence.id}`],
      [me, "rule.delete", `rule:${rule.id}`],
      [me, "channel.delete", `channel:${channel.id}`],
      [me, "metric.update", "metric:audit.m"],
      [me, "anomaly.acknowledge", `anomaly:${anomalyId}`],
      [me, "anomaly.feedback", `anomaly:${anomalyId}`],
      [me, "anomaly.resolve", `anomaly:${anomalyId}`],
    ]);
    expect(await chainVerifies(t.id)).toMatchObject({ ok: true, head: { seq: chain.length } });
    const text = JSON.stringify(chain);
    for (const secret of [t.key, key.key, channel.secret, rotated.secret]) expect(text).not.toContain(secret);
    expect(chain.find((e) => e.action === "metric.update")!.data).toMatchObject({ config: { sensitivity: "high" } });
  });

  it("records an approval decision", async () => {
    const t = await newTenant();
    const res = await call("POST", "/v1/rules", { key: t.key, body: { name: "gate", match: { metric: "*" }, group_wait_s: 0, steps: [{ type: "webhook", url: `${env.RECEIVER_URL}/hook/audit-gate`, risky: true, approval_expires_s: 600 }] } });
    expect(res.status).toBe(201);
    await ingest(t.key, steadyPoints("gate.m", 200));
    await ingest(t.key, [{ metric: "gate.m", value: 1e6, timestamp: T0 + 200 * 60_000 }]);
    let pending: Array<{ id: string }> = [];
    for (let i = 0; i < 200 && pending.length === 0; i++) {
      pending = (await (await call("GET", "/v1/approvals?status=pending", { key: t.key })).json<{ data: Array<{ id: string }> }>()).data;
      if (pending.length === 0) await sleep(100);
    }
    expect(pending).toHaveLength(1);
    expect((await call("POST", `/v1/approvals/${pending[0]!.id}/deny`, { key: t.key })).status).toBe(200);
    expect((await call("POST", `/v1/approvals/${pending[0]!.id}/approve`, { key: t.key })).status).toBe(409);
    const chain = await chainOf(t.id);
    expect(chain.filter((e) => e.action.startsWith("approval.")).map((e) => [e.action, e.target])).toEqual([["approval.deny", `approval:${pending[0]!.id}`]]);
    expect(await chainVerifies(t.id)).toMatchObject({ ok: true });
  });
});
