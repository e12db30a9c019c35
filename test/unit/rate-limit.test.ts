import { describe, expect, it } from "vitest";
import { freshBucket, takeTokens, utcDay } from "../../src/rate-limit.ts";

const limits = { ratePerSecond: 100, burst: 1_000 };

describe("token bucket", () => {
  it("starts full and grants up to the burst at once", () => {
    const b = freshBucket(limits, 0);
    const r = takeTokens(b, limits, 1_000, 0);
    expect(r).toMatchObject({ ok: true, remaining: 0 });
    expect(takeTokens(r.bucket, limits, 1, 0).ok).toBe(false);
  });

  it("refills at the rate and says when to retry", () => {
    const empty = takeTokens(freshBucket(limits, 0), limits, 1_000, 0).bucket;
    const denied = takeTokens(empty, limits, 50, 0);
    expect(denied.ok).toBe(false);
    if (!denied.ok) expect(denied.retryAfterMs).toBe(500);
    expect(takeTokens(empty, limits, 50, 500).ok).toBe(true);
    expect(takeTokens(empty, limits, 51, 500).ok).toBe(false);
  });

  it("never holds more than the burst", () => {
    const b = takeTokens(freshBucket(limits, 0), limits, 10, 0).bucket;
    const later = takeTokens(b, limits, 0, 1e9);
    expect(later.remaining).toBe(1_000);
  });

  it("a denied request takes nothing", () => {
    const b = takeTokens(freshBucket(limits, 0), limits, 900, 0).bucket;
    const denied = takeTokens(b, limits, 200, 0);
    expect(denied.ok).toBe(false);
    expect(takeTokens(denied.bucket, limits, 100, 0).ok).toBe(true);
  });

  it("a request larger than the burst is told to wait for a full bucket", () => {
    const r = takeTokens(freshBucket(limits, 0), limits, 5_000, 0);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.retryAfterMs).toBeGreaterThanOrEqual(1);
  });

  it("property: over any schedule, granted tokens ≤ burst + rate × elapsed", () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647);
    for (let run = 0; run < 200; run++) {
      let bucket = freshBucket(limits, 0);
      let now = 0;
      let granted = 0;
      for (let i = 0; i < 100; i++) {
        now += Math.floor(rand() * 50);
        const cost = 1 + Math.floor(rand() * 300);
        const r = takeTokens(bucket, limits, cost, now);
        bucket = r.bucket;
        if (r.ok) granted += cost;
        expect(r.remaining).toBeGreaterThanOrEqual(0);
        expect(r.remaining).toBeLessThanOrEqual(limits.burst);
        expect(r.resetMs).toBeGreaterThanOrEqual(0);
      }
      expect(granted).toBeLessThanOrEqual(limits.burst + (limits.ratePerSecond * now) / 1000 + 1e-9);
    }
  });

  it("a clock that steps back does not mint tokens", () => {
    const b = takeTokens(freshBucket(limits, 1_000), limits, 1_000, 1_000).bucket;
    expect(takeTokens(b, limits, 1, 0).ok).toBe(false);
  });
});

describe("utcDay", () => {
  it("is the UTC calendar day", () => {
    expect(utcDay(Date.UTC(2026, 0, 1, 23, 59, 59))).toBe("2026-01-01");
    expect(utcDay(Date.UTC(2026, 0, 2))).toBe("2026-01-02");
  });
});
