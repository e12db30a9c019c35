import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SNAPSHOT_EVERY } from "../durable-objects/series-storage.ts";
import { call, ingest, newTenant, seriesObject, steadyPoints, T0 } from "./helpers.ts";

type PointJson = { timestamp: string; score: number | null; expected: { low: number; high: number } | null };

async function scores(key: string, metric: string) {
  const res = await call("GET", `/v1/series/points?metric=${metric}&limit=10000`, { key });
  return (await res.json<{ data: PointJson[] }>()).data.map((p) => [p.timestamp, p.score, p.expected]);
}

describe("Series Durable Object restart", () => {
  it("restores the detector exactly (snapshot + replay), whether evicted right after a snapshot or between snapshots", async () => {
    const t = await newTenant();
    const total = SNAPSHOT_EVERY * 3;
    const data = steadyPoints("x", total);
    const cuts = [SNAPSHOT_EVERY + 7, SNAPSHOT_EVERY * 2, SNAPSHOT_EVERY * 2 + 300];
    let from = 0;
    for (const cut of [...cuts, total]) {
      const slice = data.slice(from, cut);
      // The same points go to a series that is evicted at every cut and to one that never is.
      await ingest(t.key, slice.map((p) => ({ ...p, metric: "evicted" })));
      await ingest(t.key, slice.map((p) => ({ ...p, metric: "steady" })));
      await evictDurableObject(seriesObject(t.id, "evicted"));
      from = cut;
    }
    const a = await scores(t.key, "evicted");
    const b = await scores(t.key, "steady");
    expect(a).toHaveLength(total);
    expect(a).toEqual(b);
    // And it goes on alike after the last restart.
    const next = [{ value: 1e5, timestamp: T0 + total * 60_000 }];
    const ra = await (await ingest(t.key, next.map((p) => ({ ...p, metric: "evicted" })))).json<{ anomalies: unknown[] }>();
    const rb = await (await ingest(t.key, next.map((p) => ({ ...p, metric: "steady" })))).json<{ anomalies: unknown[] }>();
    expect(ra.anomalies.length).toBe(rb.anomalies.length);
    expect(ra.anomalies.length).toBe(1);
  });
});
