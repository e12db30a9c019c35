import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { verify } from "../src/webhooks/standard-webhooks.ts";
import { call, ingest, newTenant, steadyPoints, T0, type TestTenant } from "./helpers.ts";

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
}

const receiver = (path: string) => `${env.RECEIVER_URL}${path}`;

async function received(name: string): Promise<Received[]> {
  return (await fetch(receiver(`/_received/${name}`))).json();
}

/** Waits (bounded) until the receiver holds at least `n` requests for `name`. */
async function waitForRequests(name: string, n: number, timeoutMs = 20_000): Promise<Received[]> {
  const until = Date.now() + timeoutMs;
  let got: Received[] = [];
  while (Date.now() < until) {
    got = await received(name);
    if (got.length >= n) return got;
    await new Promise((r) => setTimeout(r, 100));
  }
  return got;
}

/** The tenant's delivery records, once at least `n` exist: a record is written after the receiver answered. */
async function deliveriesOf<T>(t: TestTenant, query: string, n: number): Promise<T[]> {
  let data: T[] = [];
  for (let i = 0; i < 100; i++) {
    data = (await (await call("GET", `/v1/deliveries${query}`, { key: t.key })).json<{ data: T[] }>()).data;
    if (data.length >= n) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return data;
}

async function channel(t: TestTenant, body: unknown) {
  const res = await call("POST", "/v1/channels", { key: t.key, body });
  expect(res.status).toBe(201);
  return res.json<{ id: string; secret?: string }>();
}

interface StoredSecret {
  secret: string;
  created_at: number;
  expires_at: number | null;
}

/** A channel's secrets as D1 holds them. */
async function storedSecrets(tenantId: string, channelId: string): Promise<StoredSecret[]> {
  const row = await env.DB.prepare("SELECT secrets FROM channels WHERE tenant_id = ? AND id = ?").bind(tenantId, channelId).first<{ secrets: string }>();
  return JSON.parse(row!.secrets) as StoredSecret[];
}

async function setStoredSecrets(tenantId: string, channelId: string, secrets: StoredSecret[]): Promise<void> {
  await env.DB.prepare("UPDATE channels SET secrets = ? WHERE tenant_id = ? AND id = ?").bind(JSON.stringify(secrets), tenantId, channelId).run();
}

async function spike(t: TestTenant, metric: string) {
  await ingest(t.key, steadyPoints(metric, 200));
  const body = await (await ingest(t.key, [{ metric, value: 1e6, timestamp: T0 + 200 * 60_000 }])).json<{ anomalies: Array<{ id: string }> }>();
  expect(body.anomalies).toHaveLength(1);
  return body.anomalies[0]!.id;
}

describe("from anomaly to people", () => {
  it("delivers a signed Standard Webhook once, with the episode id and an explanation", async () => {
    const name = `wh-${crypto.randomUUID()}`;
    await fetch(receiver(`/_config/${name}`), { method: "POST", body: "{}" });
    const t = await newTenant();
    const hook = await channel(t, { type: "webhook", name: "ops", config: { url: receiver(`/hook/${name}`) } });
    expect(hook.secret).toMatch(/^whsec_/);
    await call("POST", "/v1/rules", { key: t.key, body: { name: "all", match: { metric: "*" }, channels: [hook.id], group_wait_s: 0 } });
    const anomalyId = await spike(t, "checkout.revenue");

    const [request] = await waitForRequests(name, 1);
    expect(request).toBeDefined();
    const ok = await verify({ secret: hook.secret!, payload: request!.body, headers: request!.headers, nowS: Date.now() / 1000 });
    expect(ok).toEqual({ ok: true });
    const payload = JSON.parse(request!.body) as { type: string; data: { episode_id: string; explanation: { summary: string } | null } };
    expect(payload.type).toBe("anomaly.triggered");
    expect(payload.data.episode_id).toBe(anomalyId);
    expect(payload.data.explanation?.summary).toContain("checkout.revenue");

    const deliveries = { data: await deliveriesOf<{ status: string; code: number; channel_id: string }>(t, `?anomaly_id=${anomalyId}`, 1) };
    expect(deliveries.data).toMatchObject([{ status: "delivered", code: 200, channel_id: hook.id }]);
    const stored = await (await call("GET", `/v1/anomalies/${anomalyId}`, { key: t.key })).json<{ explanation: { source: string } }>();
    expect(stored.explanation.source).toBe("template");
  });

  it("retries a failing receiver with backoff and records every attempt", async () => {
    const name = `flaky-${crypto.randomUUID()}`;
    await fetch(receiver(`/_config/${name}`), { method: "POST", body: JSON.stringify({ fail: 1, status: 503 }) });
    const t = await newTenant();
    const hook = await channel(t, { type: "webhook", name: "flaky", config: { url: receiver(`/hook/${name}`) } });
    await call("POST", "/v1/rules", { key: t.key, body: { name: "all", match: { metric: "*" }, channels: [hook.id], group_wait_s: 0 } });
    const anomalyId = await spike(t, "errors");
    const requests = await waitForRequests(name, 2, 30_000);
    expect(requests.map((r) => r.status)).toEqual([503, 200]);
    expect(requests[0]!.headers["webhook-id"]).toBe(requests[1]!.headers["webhook-id"]);
    const deliveries = { data: await deliveriesOf<{ status: string; attempt: number }>(t, `?anomaly_id=${anomalyId}`, 2) };
    expect(deliveries.data.map((d) => [d.attempt, d.status]).sort()).toEqual([
      [1, "failed"],
      [2, "delivered"],
    ]);
  });

  it("sends PagerDuty Events v2 and Slack Block Kit to their endpoints, and keeps email in R2", async () => {
    await fetch(receiver("/_config/pagerduty"), { method: "POST", body: "{}" });
    const slackName = `slack-${crypto.randomUUID()}`;
    const t = await newTenant();
    const pd = await channel(t, { type: "pagerduty", name: "pd", config: { routing_key: "R".repeat(32), events_url: receiver("/pagerduty/v2/enqueue") } });
    const slack = await channel(t, { type: "slack", name: "sl", config: { webhook_url: receiver(`/slack/${slackName}`) } });
    const mail = await channel(t, { type: "email", name: "mail", config: { to: ["oncall@example.com"], from: "alerts@example.com" } });
    await call("POST", "/v1/rules", { key: t.key, body: { name: "all", match: { metric: "*" }, channels: [pd.id, slack.id, mail.id], group_wait_s: 0 } });
    const anomalyId = await spike(t, "latency");

    const [pdRequest] = await waitForRequests("pagerduty", 1);
    const event = JSON.parse(pdRequest!.body) as { routing_key: string; event_action: string; dedup_key: string; payload: { summary: string; severity: string; source: string } };
    expect(event).toMatchObject({ routing_key: "R".repeat(32), event_action: "trigger", dedup_key: anomalyId });
    expect(event.payload.summary.length).toBeGreaterThan(0);
    const [slackRequest] = await waitForRequests(slackName, 1);
    const message = JSON.parse(slackRequest!.body) as { blocks: Array<{ type: string }> };
    expect(message.blocks[0]!.type).toBe("header");
    let mails: Array<{ raw: string }> = [];
    for (let i = 0; i < 100 && mails.length === 0; i++) {
      mails = (await (await call("GET", `/v1/channels/${mail.id}/mail`, { key: t.key })).json<{ data: Array<{ raw: string }> }>()).data;
      if (mails.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(mails).toHaveLength(1);
    expect(mails[0]!.raw).toContain("To: oncall@example.com");
    expect(mails[0]!.raw).toContain(anomalyId);
  });

  it("sends exactly one 'resolved' once the series is normal again", async () => {
    const name = `res-${crypto.randomUUID()}`;
    await fetch(receiver(`/_config/${name}`), { method: "POST", body: "{}" });
    const t = await newTenant();
    const hook = await channel(t, { type: "webhook", name: "ops", config: { url: receiver(`/hook/${name}`) } });
    await call("POST", "/v1/rules", { key: t.key, body: { name: "all", match: { metric: "*" }, channels: [hook.id], group_wait_s: 0, group_interval_s: 1 } });
    const anomalyId = await spike(t, "queue.depth");
    await waitForRequests(name, 1);
    await ingest(t.key, steadyPoints("queue.depth", 30, { start: T0 + 201 * 60_000 }));
    const requests = await waitForRequests(name, 2);
    await new Promise((r) => setTimeout(r, 1_500));
    const types = (await received(name)).map((r) => (JSON.parse(r.body) as { type: string; data: { episode_id: string } }).type);
    expect(types).toEqual(["anomaly.triggered", "anomaly.resolved"]);
    expect((JSON.parse(requests[1]!.body) as { data: { episode_id: string } }).data.episode_id).toBe(anomalyId);
  });

  it("resolving by hand notifies once; the series' own resolution later adds nothing", async () => {
    const name = `manual-${crypto.randomUUID()}`;
    await fetch(receiver(`/_config/${name}`), { method: "POST", body: "{}" });
    const t = await newTenant();
    const hook = await channel(t, { type: "webhook", name: "ops", config: { url: receiver(`/hook/${name}`) } });
    await call("POST", "/v1/rules", { key: t.key, body: { name: "all", match: { metric: "*" }, channels: [hook.id], group_wait_s: 0, group_interval_s: 1 } });
    const anomalyId = await spike(t, "signups");
    await waitForRequests(name, 1);
    const res = await call("POST", `/v1/anomalies/${anomalyId}/resolve`, { key: t.key });
    expect(res.status).toBe(200);
    await waitForRequests(name, 2);
    await ingest(t.key, steadyPoints("signups", 30, { start: T0 + 201 * 60_000 }));
    await new Promise((r) => setTimeout(r, 2_500));
    const types = (await received(name)).map((r) => (JSON.parse(r.body) as { type: string }).type);
    expect(types).toEqual(["anomaly.triggered", "anomaly.resolved"]);
  });

  it("signs with the old and the new secret during a rotation's grace period", async () => {
    const name = `rot-${crypto.randomUUID()}`;
    await fetch(receiver(`/_config/${name}`), { method: "POST", body: "{}" });
    const t = await newTenant();
    const hook = await channel(t, { type: "webhook", name: "ops", config: { url: receiver(`/hook/${name}`) } });
    const rotated = await (await call("POST", `/v1/channels/${hook.id}/rotate-secret`, { key: t.key, body: { grace_s: 3600 } })).json<{ secret: string }>();
    expect(rotated.secret).not.toBe(hook.secret);
    await call("POST", "/v1/rules", { key: t.key, body: { name: "all", match: { metric: "*" }, channels: [hook.id], group_wait_s: 0 } });
    await spike(t, "rotating");
    const [request] = await waitForRequests(name, 1);
    expect(request!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    for (const secret of [hook.secret!, rotated.secret]) {
      expect(await verify({ secret, payload: request!.body, headers: request!.headers, nowS: Date.now() / 1000 })).toEqual({ ok: true });
    }
    // D1 holds both secrets only sealed: a copy of the database does not reveal them.
    const stored = await storedSecrets(t.id, hook.id);
    expect(stored).toHaveLength(2);
    for (const s of stored) expect(s.secret).toMatch(/^sealed\.v1\./);
    const row = JSON.stringify(stored);
    for (const secret of [hook.secret!, rotated.secret]) expect(row).not.toContain(secret.slice("whsec_".length, "whsec_".length + 16));
  });

  it("still signs with a secret stored before sealing, and a sealed secret moved to another channel does not sign", async () => {
    const name = `legacy-${crypto.randomUUID()}`;
    await fetch(receiver(`/_config/${name}`), { method: "POST", body: "{}" });
    const t = await newTenant();
    const hook = await channel(t, { type: "webhook", name: "ops", config: { url: receiver(`/hook/${name}`) } });
    const other = await channel(t, { type: "webhook", name: "other", config: { url: receiver(`/hook/${name}-other`) } });
    // The other channel gets this channel's sealed secret: bound to the row it was sealed for, it must not open there.
    await setStoredSecrets(t.id, other.id, await storedSecrets(t.id, hook.id));
    const legacy = "whsec_" + btoa("a secret stored in plain text, before 0.3");
    await setStoredSecrets(t.id, hook.id, [{ secret: legacy, created_at: Date.now(), expires_at: null }]);
    await call("POST", "/v1/rules", { key: t.key, body: { name: "all", match: { metric: "*" }, channels: [hook.id, other.id], group_wait_s: 0 } });
    await spike(t, "legacy");
    const [request] = await waitForRequests(name, 1);
    expect(await verify({ secret: legacy, payload: request!.body, headers: request!.headers, nowS: Date.now() / 1000 })).toEqual({ ok: true });
    // Nothing goes out unsigned or wrongly signed: the attempt is refused and dead-lettered at once, with the reason.
    const failed = await deliveriesOf<{ status: string; channel_id: string; error: string | null }>(t, `?channel_id=${other.id}`, 1);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ channel_id: other.id, status: "dead_lettered" });
    expect(failed[0]!.error).toMatch(/^refused: sealed secret does not open here/);
    expect(await received(`${name}-other`)).toEqual([]);
  });

  it("dead-letters on a final 4xx after one attempt", async () => {
    const name = `gone-${crypto.randomUUID()}`;
    await fetch(receiver(`/_config/${name}`), { method: "POST", body: JSON.stringify({ fail: 100, status: 410 }) });
    const t = await newTenant();
    const hook = await channel(t, { type: "webhook", name: "gone", config: { url: receiver(`/hook/${name}`) } });
    await call("POST", "/v1/rules", { key: t.key, body: { name: "all", match: { metric: "*" }, channels: [hook.id], group_wait_s: 0 } });
    const anomalyId = await spike(t, "gone");
    await waitForRequests(name, 1);
    let statuses: string[] = [];
    for (let i = 0; i < 50 && statuses.length === 0; i++) {
      statuses = (await (await call("GET", `/v1/deliveries?anomaly_id=${anomalyId}`, { key: t.key })).json<{ data: Array<{ status: string }> }>()).data.map((d) => d.status);
      if (statuses.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(statuses).toEqual(["dead_lettered"]);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await received(name)).toHaveLength(1);
  });

  it("honours silences and groups alerts of one group into one notification", async () => {
    const name = `grp-${crypto.randomUUID()}`;
    await fetch(receiver(`/_config/${name}`), { method: "POST", body: "{}" });
    const t = await newTenant();
    const hook = await channel(t, { type: "webhook", name: "ops", config: { url: receiver(`/hook/${name}`) } });
    await call("POST", "/v1/rules", { key: t.key, body: { name: "by region", match: { metric: "*" }, channels: [hook.id], group_by: ["region"], group_wait_s: 2 } });
    await call("POST", "/v1/silences", { key: t.key, body: { matchers: [{ name: "metric", value: "muted" }], ends_at: Date.now() + 3_600_000, comment: "maintenance" } });
    const at = T0 + 200 * 60_000;
    for (const metric of ["a.one", "a.two", "muted"]) await ingest(t.key, steadyPoints(metric, 200, { tags: { region: "eu" } }));
    await ingest(t.key, ["a.one", "a.two", "muted"].map((metric) => ({ metric, value: 1e6, timestamp: at, tags: { region: "eu" } })));
    const requests = await waitForRequests(name, 2);
    await new Promise((r) => setTimeout(r, 2_500));
    const all = await received(name);
    const metrics = all.map((r) => (JSON.parse(r.body) as { data: { anomaly: { metric: string } } }).data.anomaly.metric).sort();
    expect(metrics).toEqual(["a.one", "a.two"]);
    const notifications = (await deliveriesOf<{ notification_id: string }>(t, "", 2)).map((d) => d.notification_id);
    expect(new Set(notifications).size).toBe(1);
    expect(requests.length).toBe(2);
  });

  it("an event sent twice (crash after the queue send, before the outbox delete) is delivered once", async () => {
    const { runDurableObjectAlarm, runInDurableObject } = await import("cloudflare:test");
    const { seriesObject } = await import("./helpers.ts");
    const name = `twice-${crypto.randomUUID()}`;
    await fetch(receiver(`/_config/${name}`), { method: "POST", body: "{}" });
    const t = await newTenant();
    const hook = await channel(t, { type: "webhook", name: "ops", config: { url: receiver(`/hook/${name}`) } });
    await call("POST", "/v1/rules", { key: t.key, body: { name: "all", match: { metric: "*" }, channels: [hook.id], group_wait_s: 0 } });
    await ingest(t.key, steadyPoints("twice", 200));
    await runDurableObjectAlarm(seriesObject(t.id, "twice"));
    await ingest(t.key, [{ metric: "twice", value: 1e6, timestamp: T0 + 200 * 60_000 }]);
    const row = await runInDurableObject(seriesObject(t.id, "twice"), (_i, state) => state.storage.sql.exec<{ id: string; body: string; created_at: number }>("SELECT * FROM outbox").one());
    await runDurableObjectAlarm(seriesObject(t.id, "twice"));
    await runInDurableObject(seriesObject(t.id, "twice"), async (_i, state) => {
      state.storage.sql.exec("INSERT OR IGNORE INTO outbox (id, body, created_at) VALUES (?, ?, ?)", row.id, row.body, row.created_at);
    });
    await runDurableObjectAlarm(seriesObject(t.id, "twice"));
    await waitForRequests(name, 1);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await received(name)).toHaveLength(1);
  });

  it("a waiting group survives an AlertRouter restart and still notifies", async () => {
    const { evictDurableObject, runInDurableObject } = await import("cloudflare:test");
    const name = `evict-${crypto.randomUUID()}`;
    await fetch(receiver(`/_config/${name}`), { method: "POST", body: "{}" });
    const t = await newTenant();
    const hook = await channel(t, { type: "webhook", name: "ops", config: { url: receiver(`/hook/${name}`) } });
    await call("POST", "/v1/rules", { key: t.key, body: { name: "slow", match: { metric: "*" }, channels: [hook.id], group_wait_s: 3 } });
    await spike(t, "evicted.router");
    const router = env.ALERT_ROUTER.get(env.ALERT_ROUTER.idFromName(t.id));
    const groups = async () => runInDurableObject(router, (_i, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM groups").one().n);
    for (let i = 0; i < 100 && (await groups()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await groups()).toBe(1);
    expect(await received(name)).toHaveLength(0);
    await evictDurableObject(router);
    const requests = await waitForRequests(name, 1);
    expect(requests).toHaveLength(1);
  });
});
