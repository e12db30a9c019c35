import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, ingest, newTenant, steadyPoints, T0, type TestTenant } from "./helpers.ts";

const receiver = (path: string) => `${env.RECEIVER_URL}${path}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function fresh(prefix: string, config: object = {}): Promise<string> {
  const name = `${prefix}-${crypto.randomUUID()}`;
  await fetch(receiver(`/_config/${name}`), { method: "POST", body: JSON.stringify(config) });
  return name;
}

async function count(name: string): Promise<number> {
  return ((await (await fetch(receiver(`/_received/${name}`))).json()) as unknown[]).length;
}

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let value = await probe();
  while (!ok(value) && Date.now() < end) {
    await sleep(100);
    value = await probe();
  }
  return value;
}

async function hook(t: TestTenant, name: string): Promise<string> {
  const res = await call("POST", "/v1/channels", { key: t.key, body: { type: "webhook", name, config: { url: receiver(`/hook/${name}`) } } });
  return (await res.json<{ id: string }>()).id;
}

async function ruleWith(t: TestTenant, steps: unknown[]): Promise<string> {
  const res = await call("POST", "/v1/rules", { key: t.key, body: { name: "workflow", match: { metric: "*" }, group_wait_s: 0, steps } });
  expect(res.status).toBe(201);
  return (await res.json<{ id: string }>()).id;
}

async function spike(t: TestTenant, metric: string) {
  await ingest(t.key, steadyPoints(metric, 200));
  await ingest(t.key, [{ metric, value: 1e6, timestamp: T0 + 200 * 60_000 }]);
}

type Approval = { id: string; status: string; step: { type: string } };
const pendingApprovals = async (t: TestTenant) => (await (await call("GET", "/v1/approvals?status=pending", { key: t.key })).json<{ data: Approval[] }>()).data;

describe("rule workflows", () => {
  it("notify, then a risky webhook that waits for approval; stats per step", async () => {
    const t = await newTenant();
    const notified = await fresh("wf-notify");
    const risky = await fresh("wf-risky");
    const ruleId = await ruleWith(t, [
      { type: "notify", channel: await hook(t, notified) },
      { type: "webhook", url: receiver(`/hook/${risky}`), risky: true, approval_expires_s: 600 },
    ]);
    await spike(t, "wf.one");
    expect(await until(() => count(notified), (n) => n === 1)).toBe(1);
    const [approval] = await until(() => pendingApprovals(t), (a) => a.length === 1);
    expect(approval!.step.type).toBe("webhook");
    expect(await count(risky)).toBe(0);
    const approved = await call("POST", `/v1/approvals/${approval!.id}/approve`, { key: t.key });
    expect(approved.status).toBe(200);
    expect((await approved.json<Approval>()).status).toBe("approved");
    expect(await until(() => count(risky), (n) => n === 1)).toBe(1);
    expect((await call("POST", `/v1/approvals/${approval!.id}/deny`, { key: t.key })).status).toBe(409);
    const stats = await until(
      async () => (await call("GET", `/v1/rules/${ruleId}/stats`, { key: t.key })).json<{ steps: Array<{ step_index: number; attempts: number; success_rate: number }>; runs: Array<{ status: string }> }>(),
      (s) => s.runs[0]?.status === "succeeded",
    );
    expect(stats.steps.map((s) => [s.step_index, s.attempts, s.success_rate])).toEqual([
      [0, 1, 1],
      [1, 1, 1],
    ]);
  });

  it("a denied approval fails the run and its rollback step runs instead", async () => {
    const t = await newTenant();
    const risky = await fresh("wf-deny");
    const rollback = await fresh("wf-rollback");
    const ruleId = await ruleWith(t, [
      { type: "webhook", url: receiver(`/hook/${risky}`), risky: true },
      { type: "notify", channel: await hook(t, rollback), rollback: true },
    ]);
    await spike(t, "wf.two");
    const [approval] = await until(() => pendingApprovals(t), (a) => a.length === 1);
    expect((await call("POST", `/v1/approvals/${approval!.id}/deny`, { key: t.key })).status).toBe(200);
    expect(await until(() => count(rollback), (n) => n === 1)).toBe(1);
    const stats = await until(
      async () => (await call("GET", `/v1/rules/${ruleId}/stats`, { key: t.key })).json<{ runs: Array<{ status: string }> }>(),
      (s) => s.runs[0]?.status === "rolled_back",
    );
    expect(stats.runs[0]!.status).toBe("rolled_back");
    expect(await count(risky)).toBe(0);
  });

  it("a step with on: failure runs only when the previous one failed", async () => {
    const t = await newTenant();
    const broken = await fresh("wf-broken", { fail: 100, status: 410 });
    const escalated = await fresh("wf-escalate");
    const skipped = await fresh("wf-skipped");
    await ruleWith(t, [
      { type: "webhook", url: receiver(`/hook/${broken}`) },
      { type: "notify", channel: await hook(t, skipped) },
      { type: "escalate", channel: await hook(t, escalated), on: "failure" },
    ]);
    await spike(t, "wf.three");
    expect(await until(() => count(escalated), (n) => n === 1)).toBe(1);
    expect(await count(broken)).toBe(1);
    expect(await count(skipped)).toBe(0);
  });

  it("refuses steps that name another tenant's channel, and approvals across tenants", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const theirs = await hook(b, await fresh("wf-theirs"));
    const res = await call("POST", "/v1/rules", { key: a.key, body: { name: "x", match: { metric: "*" }, steps: [{ type: "notify", channel: theirs }] } });
    expect(res.status).toBe(400);
    expect((await call("POST", "/v1/approvals/apr_nope/approve", { key: a.key })).status).toBe(404);
  });
});
