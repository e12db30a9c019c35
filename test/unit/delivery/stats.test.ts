import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../../src/detect/prng.ts";
import { emptyStats, percentile, recordAttempt, summarizeStats } from "../../../src/delivery/stats.ts";

describe("delivery stats", () => {
  it("is empty before the first attempt", () => {
    expect(summarizeStats(emptyStats())).toEqual({ attempts: 0, successes: 0, failures: 0, successRate: null, p50Ms: null, p95Ms: null });
  });

  it("counts successes and computes nearest-rank percentiles", () => {
    let s = emptyStats();
    for (let i = 1; i <= 100; i++) s = recordAttempt(s, i % 4 !== 0, i);
    expect(summarizeStats(s)).toEqual({ attempts: 100, successes: 75, failures: 25, successRate: 0.75, p50Ms: 50, p95Ms: 95 });
  });

  it("keeps only the most recent sampleSize latencies", () => {
    let s = emptyStats(10);
    for (let i = 1; i <= 25; i++) s = recordAttempt(s, true, i);
    expect(s.latencies).toHaveLength(10);
    expect([...s.latencies].sort((a, b) => a - b)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    expect(s.attempts).toBe(25);
  });

  it("property: sample percentiles match a sort of the last N values", () => {
    const rnd = mulberry32(9);
    for (let run = 0; run < 30; run++) {
      const n = 1 + Math.floor(rnd() * 50);
      let s = emptyStats(n);
      const all: number[] = [];
      const count = Math.floor(rnd() * 200);
      for (let i = 0; i < count; i++) {
        const v = Math.floor(rnd() * 1_000);
        all.push(v);
        s = recordAttempt(s, rnd() < 0.9, v);
      }
      const recent = all.slice(-n).sort((a, b) => a - b);
      const summary = summarizeStats(s);
      expect(summary.p50Ms).toBe(percentile(recent, 0.5));
      expect(summary.p95Ms).toBe(percentile(recent, 0.95));
    }
  });

  it("percentile handles tiny samples", () => {
    expect(percentile([7], 0.95)).toBe(7);
    expect(percentile([1, 2], 0.5)).toBe(1);
    expect(percentile([], 0.5)).toBeNull();
  });
});
