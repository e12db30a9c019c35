import { describe, expect, it } from "vitest";
import { call, flushed, ingest, newTenant, steadyPoints, T0 } from "./helpers.ts";

interface SeriesJson {
  metric: string;
  tags: Record<string, string>;
  points: number;
  last_value: number;
  last_at: string;
  last_anomaly_at: string | null;
  warming_up: boolean;
  config: Record<string, unknown>;
}
type PointJson = { timestamp: string; value: number; score: number | null; expected: { low: number; high: number } | null };

describe("GET /v1/series", () => {
  it("lists each series (metric + tag set) with its stats once flushed", async () => {
    const t = await newTenant();
    await ingest(t.key, [...steadyPoints("cpu", 10, { tags: { host: "a" } }), ...steadyPoints("cpu", 5, { tags: { host: "b" } }), ...steadyPoints("mem", 3)]);
    let list: SeriesJson[] = [];
    const done = async () => {
      list = (await (await call("GET", "/v1/series", { key: t.key })).json<{ data: SeriesJson[] }>()).data;
      return list.length === 3;
    };
    expect((await flushed(t, "cpu", done)) && (await flushed(t, "mem", done))).toBe(true);
    expect(list.map((s) => [s.metric, s.tags, s.points])).toEqual([
      ["cpu", { host: "a" }, 10],
      ["cpu", { host: "b" }, 5],
      ["mem", {}, 3],
    ]);
    const a = list[0]!;
    expect(a.last_at).toBe(new Date(T0 + 9 * 60_000).toISOString());
    expect(a.last_value).toBe(steadyPoints("cpu", 10)[9]!.value);
    expect(a.config).toMatchObject({ sensitivity: "medium", direction: "both" });
    const filtered = await (await call("GET", "/v1/series?metric=mem", { key: t.key })).json<{ data: SeriesJson[] }>();
    expect(filtered.data.map((s) => s.metric)).toEqual(["mem"]);
  });

  it("says a series is warming up until it has min_points points, and not after", async () => {
    const t = await newTenant();
    expect((await call("PUT", "/v1/metrics/queue.depth/config", { key: t.key, body: { min_points: 12 } })).status).toBe(200);
    const points = steadyPoints("queue.depth", 12);
    await ingest(t.key, points.slice(0, 11));
    let series: SeriesJson | undefined;
    const has = (n: number) => async () => {
      series = (await (await call("GET", "/v1/series?metric=queue.depth", { key: t.key })).json<{ data: SeriesJson[] }>()).data[0];
      return series?.points === n;
    };
    expect(await flushed(t, "queue.depth", has(11))).toBe(true);
    expect(series).toMatchObject({ warming_up: true, config: { min_points: 12 } });
    await ingest(t.key, points.slice(11));
    expect(await flushed(t, "queue.depth", has(12))).toBe(true);
    expect(series!.warming_up).toBe(false);
  });

  it("rejects a bad metric filter", async () => {
    const t = await newTenant();
    expect((await call("GET", "/v1/series?metric=bad%20name", { key: t.key })).status).toBe(400);
  });
});

describe("GET /v1/series/points", () => {
  it("returns points oldest first with score and expected band, filtered by tags and time", async () => {
    const t = await newTenant();
    await ingest(t.key, [...steadyPoints("lat", 40, { tags: { region: "eu", host: "x" } }), ...steadyPoints("lat", 40, { level: 9, tags: { region: "us" } })]);
    const res = await call("GET", `/v1/series/points?metric=lat&tags[host]=x&tags[region]=eu&from=${T0 + 10 * 60_000}&to=${new Date(T0 + 19 * 60_000).toISOString()}`, { key: t.key });
    expect(res.status).toBe(200);
    const body = await res.json<{ metric: string; tags: Record<string, string>; data: PointJson[] }>();
    expect(body.tags).toEqual({ host: "x", region: "eu" });
    expect(body.data).toHaveLength(10);
    expect(body.data[0]!.timestamp).toBe(new Date(T0 + 10 * 60_000).toISOString());
    expect(body.data.every((p) => p.value > 50)).toBe(true);
    const last = body.data.at(-1)!;
    expect(last.score).toBeGreaterThanOrEqual(0);
    expect(last.score).toBeLessThanOrEqual(1);
    expect(last.expected!.low).toBeLessThanOrEqual(last.expected!.high);
  });

  it("pages with limit and cursor", async () => {
    const t = await newTenant();
    await ingest(t.key, steadyPoints("pg", 25));
    const first = await (await call("GET", "/v1/series/points?metric=pg&limit=10", { key: t.key })).json<{ data: PointJson[]; next_cursor: string }>();
    const second = await (await call("GET", `/v1/series/points?metric=pg&limit=10&cursor=${first.next_cursor}`, { key: t.key })).json<{ data: PointJson[] }>();
    expect(first.data).toHaveLength(10);
    expect(second.data[0]!.timestamp).toBe(new Date(T0 + 10 * 60_000).toISOString());
  });

  it("answers 404 for a series that does not exist and 400 without a metric", async () => {
    const t = await newTenant();
    await ingest(t.key, steadyPoints("here", 3, { tags: { a: "1" } }));
    expect((await call("GET", "/v1/series/points?metric=absent", { key: t.key })).status).toBe(404);
    expect((await call("GET", "/v1/series/points?metric=here", { key: t.key })).status).toBe(404);
    expect((await call("GET", "/v1/series/points?metric=here&tags[a]=1", { key: t.key })).status).toBe(200);
    expect((await call("GET", "/v1/series/points", { key: t.key })).status).toBe(400);
    expect((await call("GET", "/v1/series/points?metric=here&from=soon", { key: t.key })).status).toBe(400);
  });

  it("keeps a bounded window per series", async () => {
    const { RETAINED_POINTS } = await import("../durable-objects/series.ts");
    const t = await newTenant("enterprise");
    const total = RETAINED_POINTS * 2;
    for (let start = 0; start < total; start += 10_000) {
      const n = Math.min(10_000, total - start);
      const res = await ingest(t.key, Array.from({ length: n }, (_, i) => ({ metric: "win", value: (start + i) % 13, timestamp: T0 + (start + i) * 1000 })));
      expect(res.status).toBe(202);
    }
    const res = await call("GET", "/v1/series/points?metric=win&limit=10000", { key: t.key });
    const first = (await res.json<{ data: PointJson[] }>()).data[0]!;
    const kept = total - (Date.parse(first.timestamp) - T0) / 1000;
    expect(kept).toBeGreaterThanOrEqual(RETAINED_POINTS);
    // Whole blocks are dropped, so up to a quarter more (plus one batch) may remain.
    expect(kept).toBeLessThanOrEqual(RETAINED_POINTS * 1.25 + 10_000);
  });
});
