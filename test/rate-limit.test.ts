import { describe, expect, it } from "vitest";
import { call, ingest, newTenant, T0 } from "./helpers.ts";

const batch = (metric: string, n: number, offset = 0) => Array.from({ length: n }, (_, i) => ({ metric, value: i % 7, timestamp: T0 + (offset + i) * 1000 }));

describe("ingest rate limit (TenantGate)", () => {
  it("answers 429 with Retry-After and RateLimit headers once the burst is spent, storing nothing", async () => {
    const t = await newTenant("free"); // burst 20,000 points, 1,000 points/s
    expect((await ingest(t.key, batch("r", 10_000))).status).toBe(202);
    expect((await ingest(t.key, batch("r", 10_000, 10_000))).status).toBe(202);
    const limited = await ingest(t.key, batch("r", 5_000, 20_000));
    expect(limited.status).toBe(429);
    expect(limited.headers.get("content-type")).toBe("application/problem+json");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(6);
    expect(limited.headers.get("ratelimit-limit")).toBe("20000");
    expect(Number(limited.headers.get("ratelimit-remaining"))).toBeLessThan(5_000);
    expect(Number(limited.headers.get("ratelimit-reset"))).toBeGreaterThan(0);
    const stored = await (await call("GET", "/v1/series/points?metric=r&limit=10000&from=" + (T0 + 20_000_000), { key: t.key })).json<{ data: unknown[] }>();
    expect(stored.data).toHaveLength(0);
  });

  it("is per tenant: one tenant's exhaustion does not limit another", async () => {
    const { env } = await import("cloudflare:test");
    const a = await newTenant("free");
    const b = await newTenant("free");
    // Spend a's whole bucket through its gate directly, so refill during slow requests cannot blur the test.
    const gate = env.TENANT_GATE.get(env.TENANT_GATE.idFromName(a.id));
    expect((await gate.take({ points: 20_000, ratePerSecond: 1_000, burst: 20_000 })).ok).toBe(true);
    expect((await ingest(a.key, batch("x", 2_000))).status).toBe(429);
    expect((await ingest(b.key, batch("x", 10))).status).toBe(202);
  });

  it("counts accepted points per day in the same round trip", async () => {
    const { env } = await import("cloudflare:test");
    const t = await newTenant();
    await ingest(t.key, batch("u", 30));
    await ingest(t.key, batch("u", 12, 30));
    const gate = env.TENANT_GATE.get(env.TENANT_GATE.idFromName(t.id));
    const today = new Date().toISOString().slice(0, 10);
    expect(await gate.usage(today, today)).toEqual([{ day: today, points: 42 }]);
  });
});
