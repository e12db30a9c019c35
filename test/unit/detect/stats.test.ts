import { describe, expect, it } from "vitest";
import { madSorted, medianSorted, normalQuantile, normalTail, quantileSorted, tQuantile } from "../../../src/detect/stats.ts";
import { createWindow, pushWindow, recent, truncateWindow } from "../../../src/detect/window.ts";
import { mulberry32 } from "../../../src/detect/prng.ts";

const naiveMad = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  const m = medianSorted(s);
  return medianSorted(s.map((x) => Math.abs(x - m)).sort((x, y) => x - y));
};

describe("order statistics", () => {
  it("computes the MAD of a sorted array exactly, for odd, even and tied inputs", () => {
    const r = mulberry32(7);
    for (const n of [1, 2, 3, 10, 11, 64, 257]) {
      const a = Array.from({ length: n }, () => Math.round(r() * 20) / 2).sort((x, y) => x - y);
      expect(madSorted(a, medianSorted(a))).toBeCloseTo(naiveMad(a), 12);
    }
  });

  it("interpolates quantiles linearly", () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });

  it("has accurate normal tails and quantiles", () => {
    expect(normalTail(0)).toBeCloseTo(0.5, 7);
    expect(normalTail(1.959964)).toBeCloseTo(0.025, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(tQuantile(0.975, 30)).toBeCloseTo(2.042, 2);
  });
});

describe("window", () => {
  it("keeps the ring and the sorted copy in step while evicting the oldest", () => {
    const w = createWindow(4);
    for (const x of [5, 1, 4, 2, 3, 9]) pushWindow(w, x);
    expect(w.sorted).toEqual([2, 3, 4, 9]);
    expect([0, 1, 2, 3].map((l) => recent(w, l))).toEqual([9, 3, 2, 4]);
    expect(recent(w, 4)).toBeUndefined();
  });

  it("truncates to the newest values", () => {
    const w = createWindow(8);
    for (const x of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) pushWindow(w, x);
    truncateWindow(w, 3);
    expect(w.sorted).toEqual([8, 9, 10]);
    pushWindow(w, 11);
    expect(recent(w, 0)).toBe(11);
    expect(w.sorted).toEqual([8, 9, 10, 11]);
  });
});
