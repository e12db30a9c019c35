import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, ingest, newTenant, seriesObject, steadyPoints, T0 } from "./helpers.ts";

async function outboxSize(tenantId: string, metric: string): Promise<number> {
  return runInDurableObject(seriesObject(tenantId, metric), (_instance, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n);
}

/** Runs the alarm until the outbox is empty (it may also be firing by itself); bounded. */
async function drain(tenantId: string, metric: string): Promise<number> {
  for (let i = 0; i < 50; i++) {
    await runDurableObjectAlarm(seriesObject(tenantId, metric));
    const left = await outboxSize(tenantId, metric);
    if (left === 0) return 0;
    await new Promise((r) => setTimeout(r, 50));
  }
  return outboxSize(tenantId, metric);
}

describe("Series outbox", () => {
  it("keeps an anomaly while D1 is failing, survives a restart, and records it exactly once when D1 is back", async () => {
    const t = await newTenant();
    await ingest(t.key, steadyPoints("ob", 200));
    await runDurableObjectAlarm(seriesObject(t.id, "ob"));
    // Break D1 for this flush: the anomalies table is gone.
    await env.DB.exec("ALTER TABLE anomalies RENAME TO anomalies_away");
    let anomalyId = "";
    try {
      const body = await (await ingest(t.key, [{ metric: "ob", value: 1e6, timestamp: T0 + 200 * 60_000 }])).json<{ anomalies: Array<{ id: string }> }>();
      anomalyId = body.anomalies[0]!.id;
      await runDurableObjectAlarm(seriesObject(t.id, "ob"));
      expect(await outboxSize(t.id, "ob")).toBe(1);
    } finally {
      await env.DB.exec("ALTER TABLE anomalies_away RENAME TO anomalies");
    }
    await evictDurableObject(seriesObject(t.id, "ob"));
    expect(await drain(t.id, "ob")).toBe(0);
    expect((await call("GET", `/v1/anomalies/${anomalyId}`, { key: t.key })).status).toBe(200);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM anomalies WHERE id = ?").bind(anomalyId).first<{ n: number }>();
    expect(rows!.n).toBe(1);
  });

  it("a flush that is delivered twice (crash before the outbox is cleared) leaves one row", async () => {
    const t = await newTenant();
    await ingest(t.key, steadyPoints("ob2", 200));
    // Hold the flush back (no anomalies table) long enough to copy the pending outbox row.
    await env.DB.exec("ALTER TABLE anomalies RENAME TO anomalies_held");
    let id = "";
    let row: { id: string; body: string; created_at: number };
    try {
      const body = await (await ingest(t.key, [{ metric: "ob2", value: 1e6, timestamp: T0 + 200 * 60_000 }])).json<{ anomalies: Array<{ id: string }> }>();
      id = body.anomalies[0]!.id;
      row = await runInDurableObject(seriesObject(t.id, "ob2"), (_i, state) => state.storage.sql.exec<{ id: string; body: string; created_at: number }>("SELECT * FROM outbox").one());
    } finally {
      await env.DB.exec("ALTER TABLE anomalies_held RENAME TO anomalies");
    }
    // Deliver it, then put the row back as if the delete had never committed.
    expect(await drain(t.id, "ob2")).toBe(0);
    await runInDurableObject(seriesObject(t.id, "ob2"), async (_i, state) => {
      state.storage.sql.exec("INSERT OR IGNORE INTO outbox (id, body, created_at) VALUES (?, ?, ?)", row.id, row.body, row.created_at);
      await state.storage.setAlarm(Date.now());
    });
    await evictDurableObject(seriesObject(t.id, "ob2"));
    expect(await drain(t.id, "ob2")).toBe(0);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM anomalies WHERE id = ?").bind(id).first<{ n: number }>();
    expect(rows!.n).toBe(1);
  });
});
