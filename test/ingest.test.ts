import { describe, expect, it } from "vitest";
import { call, flushed, ingest, keyWithScopes, newTenant, seriesObject, steadyPoints, T0 } from "./helpers.ts";

interface IngestBody {
  accepted: number;
  late: number;
  duplicates: number;
  anomalies: Array<{ id: string; metric: string; value: number; severity: string; timestamp: string }>;
  rejected?: Array<{ index: number; path: string; message: string }>;
}
interface Problem {
  type: string;
  status: number;
  detail: string;
  errors: Array<{ index?: number; path: string; message: string }>;
}

async function storedPoints(key: string, metric: string, tags = "") {
  const res = await call("GET", `/v1/series/points?metric=${metric}${tags}`, { key });
  if (res.status === 404) return 0;
  return (await res.json<{ data: unknown[] }>()).data.length;
}

describe("POST /v1/ingest", () => {
  it("accepts a batch, as an array or as { points }, and stores every point", async () => {
    const t = await newTenant();
    const res = await ingest(t.key, steadyPoints("revenue", 50));
    expect(res.status).toBe(202);
    expect(await res.json<IngestBody>()).toMatchObject({ accepted: 50, late: 0, duplicates: 0 });
    const res2 = await ingest(t.key, { points: steadyPoints("revenue", 10, { start: T0 + 50 * 60_000 }) });
    expect((await res2.json<IngestBody>()).accepted).toBe(10);
    expect(await storedPoints(t.key, "revenue")).toBe(60);
  });

  it("sends rate-limit headers with every accepted batch", async () => {
    const t = await newTenant();
    const res = await ingest(t.key, steadyPoints("m", 3));
    expect(res.headers.get("ratelimit-limit")).toBe("200000");
    expect(res.headers.get("ratelimit-remaining")).toBe(String(200000 - 3));
    expect(Number(res.headers.get("ratelimit-reset"))).toBeGreaterThanOrEqual(0);
  });

  it("serves an EU tenant (jurisdiction applies only when deployed)", async () => {
    const t = await newTenant("pro", "eu");
    expect((await ingest(t.key, steadyPoints("eu.orders", 12))).status).toBe(202);
    expect(await storedPoints(t.key, "eu.orders")).toBe(12);
  });

  it("defaults a missing timestamp to now", async () => {
    const t = await newTenant();
    const before = Date.now();
    expect((await ingest(t.key, [{ metric: "now", value: 1 }])).status).toBe(202);
    const res = await call("GET", "/v1/series/points?metric=now", { key: t.key });
    const [point] = (await res.json<{ data: Array<{ timestamp: string }> }>()).data;
    expect(Date.parse(point!.timestamp)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(point!.timestamp)).toBeLessThanOrEqual(Date.now());
  });

  it("fans several metrics out and returns the anomaly in the response", async () => {
    const t = await newTenant();
    const points = [...steadyPoints("latency", 200), ...steadyPoints("errors", 200, { level: 5 })];
    expect((await ingest(t.key, points)).status).toBe(202);
    const spike = await ingest(t.key, [
      { metric: "latency", value: 5000, timestamp: T0 + 200 * 60_000 },
      { metric: "errors", value: 5, timestamp: T0 + 200 * 60_000 },
    ]);
    const body = await spike.json<IngestBody>();
    expect(body.accepted).toBe(2);
    expect(body.anomalies.filter((a) => a.metric === "latency")).toHaveLength(1);
    expect(body.anomalies.find((a) => a.metric === "latency")).toMatchObject({ metric: "latency", value: 5000, timestamp: new Date(T0 + 200 * 60_000).toISOString() });
  });

  it.each([
    ["NaN as a string", { metric: "m", value: "NaN" }, "value"],
    ["a string value", { metric: "m", value: "12" }, "value"],
    ["Infinity (1e999)", null, "value"],
    ["a missing value", { metric: "m" }, "value"],
    ["a missing metric", { value: 1 }, "metric"],
    ["an empty metric", { metric: "", value: 1 }, "metric"],
    ["an over-long metric", { metric: "m".repeat(201), value: 1 }, "metric"],
    ["a metric with spaces", { metric: "my metric", value: 1 }, "metric"],
    ["too many tags", { metric: "m", value: 1, tags: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`t${i}`, "v"])) }, "tags"],
    ["a non-string tag value", { metric: "m", value: 1, tags: { host: 3 } }, "tags.host"],
    ["a timestamp before 2000", { metric: "m", value: 1, timestamp: "1999-12-31T23:59:59Z" }, "timestamp"],
    ["a timestamp in seconds", { metric: "m", value: 1, timestamp: 1_760_000_000 }, "timestamp"],
    ["a timestamp far in the future", { metric: "m", value: 1, timestamp: Date.now() + 86_400_000 }, "timestamp"],
    ["a timestamp that is not a date", { metric: "m", value: 1, timestamp: "yesterday" }, "timestamp"],
    ["a point that is not an object", 42, ""],
  ])("rejects %s with 400, names the point and field, and stores nothing", async (_name, bad, path) => {
    const t = await newTenant();
    const good = steadyPoints("m", 3);
    const raw = bad === null ? `[${JSON.stringify(good[0])},{"metric":"m","value":1e999}]` : undefined;
    const res = raw ? await call("POST", "/v1/ingest", { key: t.key, raw }) : await ingest(t.key, [...good, bad]);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const problem = await res.json<Problem>();
    expect(problem.type).toMatch(/\/validation$/);
    const index = raw ? 1 : 3;
    expect(problem.errors.some((e) => e.index === index && e.path === path)).toBe(true);
    expect(await storedPoints(t.key, "m")).toBe(0);
  });

  it("lists every bad point, not just the first", async () => {
    const t = await newTenant();
    const res = await ingest(t.key, [{ metric: "ok", value: 1, timestamp: T0 }, { metric: "", value: "x" }, { metric: "ok", value: 2, timestamp: 5 }]);
    const problem = await res.json<Problem>();
    expect(problem.errors.map((e) => [e.index, e.path]).sort()).toEqual([
      [1, "metric"],
      [1, "value"],
      [2, "timestamp"],
    ]);
    expect(problem.detail).toContain("2 of 3 points are invalid");
  });

  it("rejects duplicate timestamps of one series within a batch", async () => {
    const t = await newTenant();
    const res = await ingest(t.key, [
      { metric: "d", value: 1, timestamp: T0 },
      { metric: "d", value: 2, timestamp: T0 },
      { metric: "d", value: 3, timestamp: T0, tags: { other: "series" } },
    ]);
    expect(res.status).toBe(400);
    const problem = await res.json<Problem>();
    expect(problem.errors).toEqual([{ index: 1, path: "timestamp", message: "duplicate timestamp for this series (same as point 0)" }]);
    expect(await storedPoints(t.key, "d")).toBe(0);
  });

  it.each([
    ["an empty array", "[]"],
    ["an empty body", ""],
    ["an object without points", '{"metric":"m"}'],
    ["invalid JSON", '[{"metric":'],
  ])("rejects %s with 400", async (_name, raw) => {
    const t = await newTenant();
    const res = await call("POST", "/v1/ingest", { key: t.key, raw });
    expect(res.status).toBe(400);
    expect((await res.json<Problem>()).type).toMatch(/\/validation$/);
  });

  it("answers 413 past 10,000 points, and past 5 MB", async () => {
    const t = await newTenant();
    const many = Array.from({ length: 10_001 }, (_, i) => ({ metric: "big", value: i, timestamp: T0 + i }));
    expect((await ingest(t.key, many)).status).toBe(413);
    const huge = JSON.stringify([{ metric: "big", value: 1, tags: { pad: "x".repeat(200) } }]).padEnd(5 * 1024 * 1024 + 10, " ");
    const res = await call("POST", "/v1/ingest", { key: t.key, raw: huge });
    expect(res.status).toBe(413);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await storedPoints(t.key, "big")).toBe(0);
  });

  it("with ?partial=1 accepts the valid points and lists the rest", async () => {
    const t = await newTenant();
    const res = await ingest(t.key, [{ metric: "p", value: 1, timestamp: T0 }, { metric: "p", value: "bad" }, { metric: "p", value: 3, timestamp: T0 + 1000 }], "?partial=1");
    expect(res.status).toBe(202);
    const body = await res.json<IngestBody>();
    expect(body.accepted).toBe(2);
    expect(body.rejected).toEqual([{ index: 1, path: "value", message: "value must be a finite number" }]);
    expect(await storedPoints(t.key, "p")).toBe(2);
  });

  it("with ?dry_run=1 validates without storing", async () => {
    const t = await newTenant();
    const res = await ingest(t.key, steadyPoints("dry", 5), "?dry_run=1");
    expect(res.status).toBe(200);
    expect(await res.json<IngestBody & { dry_run: boolean }>()).toMatchObject({ accepted: 5, dry_run: true });
    expect(await storedPoints(t.key, "dry")).toBe(0);
  });

  it("stores late points without scoring them, and ignores exact duplicates", async () => {
    const t = await newTenant();
    await ingest(t.key, steadyPoints("late", 20));
    const res = await ingest(t.key, [
      { metric: "late", value: 1, timestamp: T0 + 5 * 60_000 + 30_000 }, // between stored points: late
      { metric: "late", value: 1, timestamp: T0 + 3 * 60_000 }, // already stored: duplicate
      { metric: "late", value: 1, timestamp: T0 + 19 * 60_000 }, // the newest stored point: duplicate
      { metric: "late", value: 1, timestamp: T0 + 30 * 60_000 }, // new
    ]);
    expect(await res.json<IngestBody>()).toMatchObject({ accepted: 2, late: 1, duplicates: 2 });
    const points = (await (await call("GET", "/v1/series/points?metric=late", { key: t.key })).json<{ data: Array<{ timestamp: string; score: number | null }> }>()).data;
    expect(points).toHaveLength(22);
    const late = points.find((p) => p.timestamp === new Date(T0 + 5 * 60_000 + 30_000).toISOString());
    expect(late?.score).toBeNull();
    expect(points.at(-1)?.score).not.toBeNull();
  });

  it("sorts a batch's points by time before scoring", async () => {
    const t = await newTenant();
    const shuffled = steadyPoints("order", 30).reverse();
    const body = await (await ingest(t.key, shuffled)).json<IngestBody>();
    expect(body).toMatchObject({ accepted: 30, late: 0 });
  });

  it("replays an Idempotency-Key without storing twice; a different body is 422", async () => {
    const t = await newTenant();
    const headers = { "idempotency-key": "batch-1" };
    const points = [{ metric: "idem", value: 1 }, { metric: "idem", value: 2, tags: { a: "b" } }];
    const first = await call("POST", "/v1/ingest", { key: t.key, body: points, headers });
    const again = await call("POST", "/v1/ingest", { key: t.key, body: points, headers });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(await first.json());
    expect(await storedPoints(t.key, "idem")).toBe(1);
    const other = await call("POST", "/v1/ingest", { key: t.key, body: [{ metric: "idem", value: 3 }], headers });
    expect(other.status).toBe(422);
    // Keys belong to their tenant: another tenant may use the same key freely.
    const u = await newTenant();
    expect((await call("POST", "/v1/ingest", { key: u.key, body: points, headers })).status).toBe(202);
  });

  it("caps the tag sets of one metric at the plan's limit", async () => {
    const t = await newTenant("free");
    const points = Array.from({ length: 105 }, (_, i) => ({ metric: "card", value: 1, timestamp: T0, tags: { host: `h${i}` } }));
    const body = await (await ingest(t.key, points)).json<IngestBody>();
    expect(body.accepted).toBe(100);
    expect(body.rejected).toHaveLength(5);
    expect(body.rejected![0]!.message).toContain("limit of 100 tag sets");
  });

  it("needs the ingest scope", async () => {
    const t = await newTenant();
    const readOnly = await keyWithScopes(t, ["read"]);
    const res = await ingest(readOnly, steadyPoints("scoped", 2));
    expect(res.status).toBe(403);
    expect(await storedPoints(t.key, "scoped")).toBe(0);
    const ingestOnly = await keyWithScopes(t, ["ingest"]);
    expect((await ingest(ingestOnly, steadyPoints("scoped", 2))).status).toBe(202);
  });

  it("keeps points, scores and detector state across a Durable Object restart", async () => {
    const { evictDurableObject } = await import("cloudflare:test");
    const t = await newTenant();
    await ingest(t.key, steadyPoints("restart", 200));
    await evictDurableObject(seriesObject(t.id, "restart"));
    expect(await storedPoints(t.key, "restart")).toBe(200);
    // The restored detector still knows the level: a spike right after the restart is caught.
    const body = await (await ingest(t.key, [{ metric: "restart", value: 9000, timestamp: T0 + 200 * 60_000 }])).json<IngestBody>();
    expect(body.anomalies).toHaveLength(1);
    const recorded = await flushed(t, "restart", async () => (await call("GET", `/v1/anomalies/${body.anomalies[0]!.id}`, { key: t.key })).status === 200);
    expect(recorded).toBe(true);
  });
});
