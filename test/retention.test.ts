import { createExecutionContext, createScheduledController, env, evictDurableObject, waitOnExecutionContext } from "cloudflare:test";
import worker from "../workers/index.ts";
import { describe, expect, it } from "vitest";
import { genesisHead, verifyChain } from "../src/audit/index.ts";
import { runRetention } from "../workers/jobs/retention.ts";
import { chainOf } from "./people.ts";
import { call, flushed, ingest, newTenant, seriesObject, steadyPoints, T0, type TestTenant } from "./helpers.ts";

const DAY = 86_400_000;

async function withHistory(plan: "free" | "pro"): Promise<{ tenant: TestTenant; anomalyId: string }> {
  const tenant = await newTenant(plan);
  // 600 points: past the 512-point snapshot, so the oldest block is no longer needed for replay.
  expect((await ingest(tenant.key, steadyPoints("shop.revenue", 600))).status).toBe(202);
  const spike = await (await ingest(tenant.key, [{ metric: "shop.revenue", value: 1e6, timestamp: T0 + 600 * 60_000 }])).json<{ anomalies: Array<{ id: string }> }>();
  const anomalyId = spike.anomalies[0]!.id;
  expect(await flushed(tenant, "shop.revenue", async () => (await call("GET", `/v1/anomalies/${anomalyId}`, { key: tenant.key })).status === 200)).toBe(true);
  return { tenant, anomalyId };
}

async function storedPoints(tenant: TestTenant) {
  const res = await call("GET", `/v1/series/points?metric=shop.revenue&from=${T0 - DAY}&to=${T0 + 2 * DAY}&limit=1000`, { key: tenant.key });
  return (await res.json<{ data: unknown[] }>()).data.length;
}

describe("retention", () => {
  it("prunes what a plan no longer keeps, records it in the audit chain, and leaves younger data and other plans alone", async () => {
    const free = await withHistory("free");
    const pro = await withHistory("pro");
    const before = { free: await storedPoints(free.tenant), pro: await storedPoints(pro.tenant) };
    expect(before.free).toBeGreaterThan(500);
    // 60 days after the points: past the free plan's 30 days, within pro's.
    const now = T0 + 60 * DAY;
    const reports = await runRetention(env, now);
    const mine = reports.find((r) => r.tenant_id === free.tenant.id)!;
    expect(mine).toMatchObject({ anomalies: 1, cutoff: now - 30 * DAY });
    expect(mine.points).toBeGreaterThan(0);
    expect(reports.find((r) => r.tenant_id === pro.tenant.id)).toBeUndefined();

    expect((await call("GET", `/v1/anomalies/${free.anomalyId}`, { key: free.tenant.key })).status).toBe(404);
    expect(await storedPoints(free.tenant)).toBe(before.free - mine.points);
    expect((await call("GET", `/v1/anomalies/${pro.anomalyId}`, { key: pro.tenant.key })).status).toBe(200);
    expect(await storedPoints(pro.tenant)).toBe(before.pro);

    const entries = await chainOf(free.tenant.id);
    expect(entries.at(-1)).toMatchObject({ actor: "system", action: "retention.pruned", data: { anomalies: 1, points: mine.points } });
    expect((await verifyChain(entries, await genesisHead(free.tenant.id))).ok).toBe(true);
  });

  it("a second run finds nothing more to prune", async () => {
    const free = await withHistory("free");
    const now = T0 + 60 * DAY;
    await runRetention(env, now);
    const again = await runRetention(env, now);
    expect(again.find((r) => r.tenant_id === free.tenant.id)).toBeUndefined();
  });

  it("does not change what the detector sees: a pruned series scores new points exactly as an unpruned one", async () => {
    const pruned = await withHistory("free");
    const kept = await withHistory("free");
    const reports = await runRetention(env, T0 + 60 * DAY);
    expect(reports.find((r) => r.tenant_id === pruned.tenant.id)!.points).toBeGreaterThan(0);
    // Evicted, the pruned series must rebuild its detector from what is left (snapshot + replay).
    await evictDurableObject(seriesObject(pruned.tenant.id, "shop.revenue"));
    const later = [...steadyPoints("shop.revenue", 100, { start: T0 + 601 * 60_000, level: 120 }), { metric: "shop.revenue", value: 5e5, timestamp: T0 + 701 * 60_000 }];
    const scores = async (t: TestTenant) => {
      expect((await ingest(t.key, later)).status).toBe(202);
      const res = await call("GET", `/v1/series/points?metric=shop.revenue&from=${T0 + 601 * 60_000}&to=${T0 + 2 * DAY}&limit=1000`, { key: t.key });
      return (await res.json<{ data: Array<{ score: number | null }> }>()).data.map((p) => p.score);
    };
    const a = await scores(pruned.tenant);
    expect(a).toHaveLength(101);
    expect(a).toEqual(await scores(kept.tenant));
  });

  it("runs from the Worker's daily cron", async () => {
    const free = await withHistory("free");
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "17 3 * * *", scheduledTime: T0 + 60 * DAY }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect((await call("GET", `/v1/anomalies/${free.anomalyId}`, { key: free.tenant.key })).status).toBe(404);
  });
});
