import { describe, expect, it } from "vitest";
import { call, flushed, ingest, newTenant, steadyPoints, T0, type TestTenant } from "./helpers.ts";

interface AnomalyJson {
  id: string;
  metric: string;
  tags: Record<string, string>;
  timestamp: string;
  value: number;
  score: number;
  severity: string;
  confidence: number;
  expected: { low: number; high: number };
  algorithms: Array<{ name: string; score: number; flagged: boolean; weight: number }>;
  status: string;
}

/** 200 calm points, then one spike at index 200; returns the anomaly from the ingest response. */
async function spike(t: TestTenant, metric: string, value: number, tags?: Record<string, string>): Promise<AnomalyJson> {
  await ingest(t.key, steadyPoints(metric, 200, { tags }));
  const body = await (await ingest(t.key, [{ metric, value, timestamp: T0 + 200 * 60_000, ...(tags ? { tags } : {}) }])).json<{ anomalies: AnomalyJson[] }>();
  expect(body.anomalies).toHaveLength(1);
  return body.anomalies[0]!;
}

describe("anomalies", () => {
  it("are returned by ingest, then readable by id and in the list once flushed", async () => {
    const t = await newTenant();
    const anomaly = await spike(t, "revenue", 10_000, { shop: "eu" });
    expect(anomaly).toMatchObject({ metric: "revenue", tags: { shop: "eu" }, value: 10_000, status: "open" });
    expect(anomaly.id).toMatch(/^anm_/);
    expect(anomaly.score).toBeGreaterThan(0.5);
    expect(anomaly.score).toBeLessThanOrEqual(1);
    expect(["warning", "critical"]).toContain(anomaly.severity);
    expect(anomaly.expected.high).toBeLessThan(10_000);
    expect(anomaly.algorithms.length).toBeGreaterThan(0);

    const ok = await flushed(t, "revenue", async () => (await call("GET", `/v1/anomalies/${anomaly.id}`, { key: t.key })).status === 200);
    expect(ok).toBe(true);
    const stored = await (await call("GET", `/v1/anomalies/${anomaly.id}`, { key: t.key })).json<AnomalyJson>();
    // The same anomaly; the events consumer may already have added its explanation.
    const { explanation: _explanation, ...storedFields } = stored as AnomalyJson & { explanation?: unknown };
    expect(storedFields).toEqual(anomaly);
    const list = await (await call("GET", "/v1/anomalies", { key: t.key })).json<{ data: AnomalyJson[]; next_cursor: null }>();
    expect(list.data.map((a) => a.id)).toContain(anomaly.id);
    expect(list.next_cursor).toBeNull();
  });

  it("filter by metric, time, severity and status; page newest first", async () => {
    const t = await newTenant();
    const a = await spike(t, "m.one", 50_000);
    const b = await spike(t, "m.two", 50_000);
    await flushed(t, "m.one", async () => (await call("GET", `/v1/anomalies/${a.id}`, { key: t.key })).status === 200);
    await flushed(t, "m.two", async () => (await call("GET", `/v1/anomalies/${b.id}`, { key: t.key })).status === 200);
    const get = async (q: string) => (await (await call("GET", `/v1/anomalies${q}`, { key: t.key })).json<{ data: AnomalyJson[]; next_cursor: string | null }>());
    const two = (await get("?metric=m.two")).data;
    expect(two.map((x) => x.id)).toContain(b.id);
    expect(two.every((x) => x.metric === "m.two")).toBe(true);
    expect((await get(`?from=${T0 + 200 * 60_000 + 1}`)).data).toEqual([]);
    expect((await get(`?to=${new Date(T0 + 200 * 60_000).toISOString()}`)).data.length).toBeGreaterThanOrEqual(2);
    expect((await get("?status=resolved")).data).toEqual([]);
    const bySeverity = (await get(`?severity=${a.severity}&metric=m.one`)).data;
    expect(bySeverity.map((x) => x.id)).toContain(a.id);
    expect(bySeverity.every((x) => x.severity === a.severity && x.metric === "m.one")).toBe(true);
    const page1 = await get("?limit=1");
    expect(page1.data).toHaveLength(1);
    const page2 = await get(`?limit=1&cursor=${page1.next_cursor}`);
    expect(page2.data).toHaveLength(1);
    expect(page2.data[0]!.id).not.toBe(page1.data[0]!.id);
  });

  it("reject bad filters with every problem listed", async () => {
    const t = await newTenant();
    const res = await call("GET", "/v1/anomalies?severity=huge&status=closed&from=x&limit=-1", { key: t.key });
    expect(res.status).toBe(400);
    const body = await res.json<{ errors: Array<{ path: string }> }>();
    expect(body.errors.map((e) => e.path).sort()).toEqual(["query.from", "query.limit", "query.severity", "query.status"]);
  });

  it("carry the detector's breakdown", async () => {
    const t = await newTenant();
    const a = await spike(t, "bd", 70_000);
    const withBreakdown = a as AnomalyJson & { breakdown: { expected: number; scale: number; robustZ: number } | null };
    expect(withBreakdown.breakdown).not.toBeNull();
    expect(withBreakdown.breakdown!.robustZ).toBeGreaterThan(3);
  });

  it("take feedback labels that move the metric's member weights, once per label", async () => {
    const t = await newTenant();
    const a = await spike(t, "fb", 80_000);
    await flushed(t, "fb", async () => (await call("GET", `/v1/anomalies/${a.id}`, { key: t.key })).status === 200);
    const send = (label: string, key = t.key, id = a.id) => call("POST", `/v1/anomalies/${id}/feedback`, { key, body: { label } });
    const first = await send("false_positive");
    expect(first.status).toBe(200);
    const body = await first.json<{ label: string; weights: Record<string, number> }>();
    expect(body.label).toBe("false_positive");
    const flaggedMember = a.algorithms.find((m) => m.flagged)!.name;
    expect(body.weights[flaggedMember]).toBeLessThan(1);
    // The same label again changes nothing.
    const again = await (await send("false_positive")).json<{ weights: Record<string, number> }>();
    expect(again.weights).toEqual(body.weights);
    const stored = await (await call("GET", `/v1/anomalies/${a.id}`, { key: t.key })).json<{ label: string }>();
    expect(stored.label).toBe("false_positive");
    const config = await (await call("GET", "/v1/metrics/fb/config", { key: t.key })).json<{ config: { weights: Record<string, number> } }>();
    expect(config.config.weights).toEqual(body.weights);

    expect((await send("maybe")).status).toBe(400);
    expect((await send("true_positive", t.key, "anm_unknown")).status).toBe(404);
    const other = await newTenant();
    expect((await send("true_positive", other.key)).status).toBe(404);
  });

  it("resolve once the series is back to normal", async () => {
    const t = await newTenant();
    const a = await spike(t, "rs", 60_000);
    await ingest(t.key, steadyPoints("rs", 20, { start: T0 + 201 * 60_000 }));
    let stored: AnomalyJson & { resolved_at?: string } = a;
    const done = await flushed(t, "rs", async () => {
      stored = await (await call("GET", `/v1/anomalies/${a.id}`, { key: t.key })).json();
      return stored.status === "resolved";
    });
    expect(done).toBe(true);
    expect(Date.parse(stored.resolved_at!)).toBeGreaterThan(Date.parse(a.timestamp));
    expect((await (await call("GET", "/v1/anomalies?status=resolved&metric=rs", { key: t.key })).json<{ data: unknown[] }>()).data).toHaveLength(1);
  });

  it("answer 404 for an unknown id", async () => {
    const t = await newTenant();
    expect((await call("GET", "/v1/anomalies/anm_nope", { key: t.key })).status).toBe(404);
  });

  it("are written once even if the outbox is flushed again", async () => {
    const { env } = await import("cloudflare:test");
    const t = await newTenant();
    const a = await spike(t, "dup", 90_000);
    await flushed(t, "dup", async () => (await call("GET", `/v1/anomalies/${a.id}`, { key: t.key })).status === 200);
    // A second spike episode later, then flush again: the first anomaly row stays single.
    await ingest(t.key, steadyPoints("dup", 100, { start: T0 + 201 * 60_000 }));
    await flushed(t, "dup", async () => true);
    const n = await env.DB.prepare("SELECT count(*) AS n FROM anomalies WHERE id = ?").bind(a.id).first<{ n: number }>();
    expect(n!.n).toBe(1);
  });
});

describe("anomaly lifecycle", () => {
  it("acknowledge, then resolve; not back again", async () => {
    const t = await newTenant();
    const a = await spike(t, "life", 40_000);
    await flushed(t, "life", async () => (await call("GET", `/v1/anomalies/${a.id}`, { key: t.key })).status === 200);
    const ack = await call("POST", `/v1/anomalies/${a.id}/acknowledge`, { key: t.key });
    expect(ack.status).toBe(200);
    expect((await ack.json<{ status: string }>()).status).toBe("acknowledged");
    expect((await call("POST", `/v1/anomalies/${a.id}/acknowledge`, { key: t.key })).status).toBe(200);
    const resolved = await (await call("POST", `/v1/anomalies/${a.id}/resolve`, { key: t.key })).json<{ status: string; resolved_at: string }>();
    expect(resolved.status).toBe("resolved");
    expect(Date.parse(resolved.resolved_at)).toBeGreaterThan(0);
    expect((await call("POST", `/v1/anomalies/${a.id}/acknowledge`, { key: t.key })).status).toBe(409);
    expect((await call("POST", "/v1/anomalies/anm_missing/resolve", { key: t.key })).status).toBe(404);
  });
});
