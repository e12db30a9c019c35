/**
 * End to end, as a user sees it: Ayvlo on its own `wrangler dev` (fresh state,
 * loopback, random port) and the local receiver on loopback, driven only
 * through the public HTTP API. Runs on Node (vitest project `e2e`).
 *
 * Nothing here asserts timing: the machine may be busy. Waits are bounded and
 * generous; a test fails when what should arrive has not arrived by then.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startWranglerDev, tail, type WranglerDev } from "../../bench/lib/wrangler-dev.mjs";
import { verify } from "../../src/webhooks/standard-webhooks.ts";
import { startReceiver, type Received } from "../receiver/server.ts";

const ADMIN_TOKEN = `e2e-${randomBytes(24).toString("hex")}`;
const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

let ayvlo: WranglerDev | undefined;
let receiver: { server: Server; port: number } | undefined;
let receiverUrl = "";

beforeAll(async () => {
  receiver = await startReceiver(0);
  receiverUrl = `http://127.0.0.1:${receiver.port}`;
  // Bundles the Worker, applies the D1 migrations to a fresh state dir, starts
  // wrangler dev in its own process group and waits (bounded) for GET /health.
  // On any failure it kills the group itself before throwing.
  ayvlo = await startWranglerDev({ vars: { AYVLO_ADMIN_TOKEN: ADMIN_TOKEN, AYVLO_LOG_LEVEL: "warn" }, readyTimeoutMs: 150_000 });
});

// A failed test shows the end of wrangler's log (warnings and errors of the Worker, or why it died).
afterEach((context) => {
  if (context.task.result?.state === "fail" && ayvlo) console.error(`--- wrangler dev log (tail) ---\n${tail(ayvlo.logFile)}`);
});

afterAll(async () => {
  await ayvlo?.stop();
  const server = receiver?.server;
  if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
});

// ---------------------------------------------------------------- API client

async function api<T>(method: string, path: string, key: string, body?: unknown): Promise<{ status: number; body: T }> {
  if (!ayvlo) throw new Error("wrangler dev is not running");
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${ayvlo.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as T };
}

/** A fresh tenant and its all-scopes key. */
async function newTenant(): Promise<string> {
  const res = await api<{ api_key: string }>("POST", "/v1/admin/tenants", ADMIN_TOKEN, { name: `e2e-${randomUUID()}`, plan: "pro" });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.api_key;
}

/** A webhook channel pointing at the receiver's /hook/<name>, and a rule sending every anomaly to it at once. */
async function webhookTo(key: string, name: string): Promise<{ id: string; secret: string }> {
  const channel = await api<{ id: string; secret: string }>("POST", "/v1/channels", key, { type: "webhook", name, config: { url: `${receiverUrl}/hook/${name}` } });
  expect(channel.status, JSON.stringify(channel.body)).toBe(201);
  expect(channel.body.secret).toMatch(/^whsec_/);
  // group_by "..." = one group per series, so each series' anomaly is notified at once (group_wait 0).
  const rule = await api("POST", "/v1/rules", key, { name: `all-${name}`, match: { metric: "*" }, channels: [channel.body.id], group_by: ["..."], group_wait_s: 0 });
  expect(rule.status, JSON.stringify(rule.body)).toBe(201);
  return channel.body;
}

/** Points at one-minute steps from T0: ±5% deterministic noise around 100. */
function calm(metric: string, count: number) {
  return Array.from({ length: count }, (_, i) => {
    const x = Math.sin(i * 12.9898 + 78.233) * 43758.5453;
    return { metric, value: 100 * (1 + 0.05 * (2 * (x - Math.floor(x)) - 1)), timestamp: T0 + i * MINUTE };
  });
}

/** Warms each metric with 200 calm points, then sends one spike per metric in one request; returns the anomaly (= episode) ids by metric. */
async function spikes(key: string, metrics: string[]): Promise<Map<string, string>> {
  const warm = await api<{ accepted: number; anomalies: unknown[] }>("POST", "/v1/ingest", key, metrics.flatMap((m) => calm(m, 200)));
  expect(warm.status, JSON.stringify(warm.body)).toBe(202);
  expect(warm.body.anomalies).toEqual([]);
  const res = await api<{ anomalies: Array<{ id: string; metric: string }> }>("POST", "/v1/ingest", key, metrics.map((metric) => ({ metric, value: 1e6, timestamp: T0 + 200 * MINUTE })));
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(res.body.anomalies.map((a) => a.metric).sort()).toEqual([...metrics].sort());
  return new Map(res.body.anomalies.map((a) => [a.metric, a.id]));
}

// ---------------------------------------------------------------- receiver

async function configure(name: string, config: { fail?: number; status?: number; every?: number } = {}): Promise<void> {
  const res = await fetch(`${receiverUrl}/_config/${name}`, { method: "POST", body: JSON.stringify(config) });
  expect(res.status).toBe(204);
}

async function received(name: string): Promise<Received[]> {
  return (await fetch(`${receiverUrl}/_received/${name}`)).json() as Promise<Received[]>;
}

/** Waits (bounded) until `done` holds for what `name` received; returns what arrived either way. */
async function waitFor(name: string, done: (requests: Received[]) => boolean, timeoutMs = 60_000): Promise<Received[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const got = await received(name);
    if (done(got) || Date.now() > until) return got;
    await sleep(200);
  }
}

const ok = (r: Received) => r.status >= 200 && r.status < 300;
const payloadOf = (r: Received) => JSON.parse(r.body) as { type: string; data: { episode_id: string; anomaly: { metric: string } } };
const episodesDelivered = (requests: Received[]) => new Set(requests.filter(ok).map((r) => payloadOf(r).data.episode_id));

/** Successful receipts per webhook-id. */
function successesById(requests: Received[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of requests.filter(ok)) counts.set(r.headers["webhook-id"]!, (counts.get(r.headers["webhook-id"]!) ?? 0) + 1);
  return counts;
}

async function expectSigned(request: Received, secret: string): Promise<void> {
  // The receiver's clock: the delivery may have been signed a few seconds before a retry sent it.
  expect(await verify({ secret, payload: request.body, headers: request.headers, nowS: request.at / 1000 })).toEqual({ ok: true });
}

/** After the expected deliveries: nothing more arrives for a while (a late duplicate would show here). */
async function settled(name: string, before: Received[], quietMs = 4_000): Promise<Received[]> {
  await sleep(quietMs);
  const after = await received(name);
  expect(after.length, "requests that arrived after the expected ones").toBe(before.length);
  return after;
}

// ---------------------------------------------------------------- tests

describe("alerting end to end on wrangler dev", () => {
  it("delivers the anomaly as a Standard Webhook that verifies with the channel's secret, exactly once", async () => {
    const name = `signed-${randomUUID()}`;
    await configure(name);
    const key = await newTenant();
    const hook = await webhookTo(key, name);
    const ids = await spikes(key, ["checkout.revenue"]);
    const anomalyId = ids.get("checkout.revenue")!;

    const requests = await settled(name, await waitFor(name, (r) => r.some(ok)));
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request!.status).toBe(200);
    expect(request!.headers["content-type"]).toContain("application/json");
    await expectSigned(request!, hook.secret);
    // A wrong secret does not verify.
    const other = `whsec_${randomBytes(32).toString("base64")}`;
    expect(await verify({ secret: other, payload: request!.body, headers: request!.headers, nowS: request!.at / 1000 })).toEqual({ ok: false, reason: "no_matching_signature" });
    const payload = payloadOf(request!);
    expect(payload.type).toBe("anomaly.triggered");
    expect(payload.data.episode_id).toBe(anomalyId);
    expect(payload.data.anomaly.metric).toBe("checkout.revenue");

    const deliveries = await api<{ data: Array<{ status: string; code: number; channel_id: string }> }>("GET", `/v1/deliveries?anomaly_id=${anomalyId}`, key);
    expect(deliveries.status).toBe(200);
    expect(deliveries.body.data).toMatchObject([{ status: "delivered", code: 200, channel_id: hook.id }]);
  });

  it("gets the delivery through after a receiver fails the first attempts, signed each time, delivered once", async () => {
    const name = `flaky-${randomUUID()}`;
    await configure(name, { fail: 2, status: 503 });
    const key = await newTenant();
    const hook = await webhookTo(key, name);
    const anomalyId = (await spikes(key, ["payments.errors"])).get("payments.errors")!;

    // Backoff with full jitter, base 1 s: the third attempt comes within a few seconds; allow far more.
    const requests = await settled(name, await waitFor(name, (r) => r.some(ok), 90_000));
    expect(requests.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(new Set(requests.map((r) => r.headers["webhook-id"])).size).toBe(1);
    for (const r of requests) await expectSigned(r, hook.secret);
    expect(payloadOf(requests[2]!).data.episode_id).toBe(anomalyId);

    const deliveries = await api<{ data: Array<{ status: string; attempt: number; code: number }> }>("GET", `/v1/deliveries?anomaly_id=${anomalyId}`, key);
    expect(deliveries.body.data.map((d) => [d.attempt, d.status, d.code]).sort()).toEqual([
      [1, "failed", 503],
      [2, "failed", 503],
      [3, "delivered", 200],
    ]);
  });

  it("several anomalies through a receiver that fails the first requests: each arrives, each webhook-id succeeds exactly once", async () => {
    // Deterministic on purpose: a receiver failing at random (or every other request) can, rarely, fail one
    // delivery on all of its attempts (it is then dead-lettered); `npm run bench:alert` measures that case.
    // Three failures in a row stay below the circuit breaker's threshold (five).
    const name = `several-${randomUUID()}`;
    await configure(name, { fail: 3, status: 503 });
    const key = await newTenant();
    const hook = await webhookTo(key, name);
    const metrics = Array.from({ length: 4 }, (_, i) => `svc${i}.latency_ms`);
    const ids = await spikes(key, metrics);
    const expected = new Set(ids.values());

    const requests = await settled(name, await waitFor(name, (r) => episodesDelivered(r).size >= expected.size, 90_000));
    expect(episodesDelivered(requests)).toEqual(expected);
    expect(requests.filter((r) => r.status === 503)).toHaveLength(3);
    const perId = successesById(requests);
    expect(perId.size).toBe(expected.size);
    expect([...perId.values()].every((n) => n === 1), `successful receipts per webhook-id: ${JSON.stringify([...perId])}`).toBe(true);
    for (const r of requests) await expectSigned(r, hook.secret);
  });
});
