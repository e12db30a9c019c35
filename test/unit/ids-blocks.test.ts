import { describe, expect, it } from "vitest";
import { fullJitterDelay } from "../../src/backoff.ts";
import { randomId, stableId } from "../../src/ids.ts";
import { anomalyId } from "../../src/series/anomaly.ts";
import { BlockWriter, blockHasTimestamp, readBlock } from "../../src/series/blocks.ts";

describe("ids", () => {
  it("stableId is deterministic and separates its parts", () => {
    expect(stableId("x", "a", 1)).toBe(stableId("x", "a", 1));
    expect(stableId("x", "a", 1)).toMatch(/^x_[0-9a-z]{26}$/);
    expect(stableId("x", "ab", "c")).not.toBe(stableId("x", "a", "bc"));
    const ids = new Set(Array.from({ length: 5_000 }, (_, i) => anomalyId("ten_1", "m", "{}", i)));
    expect(ids.size).toBe(5_000);
    expect(anomalyId("ten_1", "m", "{}", 5)).not.toBe(anomalyId("ten_2", "m", "{}", 5));
  });

  it("randomId has the requested entropy", () => {
    expect(randomId("req")).toMatch(/^req_[0-9a-z]{16}$/);
    expect(randomId("t", 5)).toMatch(/^t_[0-9a-z]{8}$/);
    expect(randomId("r")).not.toBe(randomId("r"));
  });
});

describe("point blocks", () => {
  it("round-trips points, keeps late points unscored, filters by time", () => {
    const w = new BlockWriter(1);
    w.push(30, 3, 0.5, 1, 5);
    w.push(10, 1, NaN, NaN, NaN);
    w.push(20, 2, 0.1, 0, 4);
    const block = w.finish()!;
    expect(block).toMatchObject({ count: 3, firstTs: 10, lastTs: 30 });
    expect(readBlock(block.bytes, 0, 100)).toEqual([
      { timestamp: 30, value: 3, score: 0.5, expected: { low: 1, high: 5 } },
      { timestamp: 10, value: 1, score: null, expected: null },
      { timestamp: 20, value: 2, score: 0.1, expected: { low: 0, high: 4 } },
    ]);
    expect(readBlock(block.bytes, 15, 25).map((p) => p.timestamp)).toEqual([20]);
    expect(blockHasTimestamp(block.bytes, 10)).toBe(true);
    expect(blockHasTimestamp(block.bytes, 11)).toBe(false);
    expect(new BlockWriter(4).finish()).toBeNull();
  });
});

describe("full-jitter backoff", () => {
  it("stays within [0, min(cap, base·2^attempt))", () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      expect(fullJitterDelay(attempt, () => 0)).toBe(0);
      const top = fullJitterDelay(attempt, () => 0.999999);
      expect(top).toBeLessThan(Math.min(60_000, 500 * 2 ** attempt));
      expect(top).toBeGreaterThanOrEqual(Math.min(60_000, 500 * 2 ** attempt) * 0.99);
    }
  });
});
