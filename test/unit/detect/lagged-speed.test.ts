import { describe, expect, it } from "vitest";
import { createHist, histCount, histSurprisal, learnHist, type HistState } from "../../../src/detect/calibrate.ts";
import { esdLambda } from "../../../src/detect/esd.ts";
import { averagePathLength, buildIsolationTree } from "../../../src/detect/iforest.ts";
import { createLagged, DEFAULT_LAGGED, LaggedModels } from "../../../src/detect/lagged.ts";
import { buildLof, lofScore } from "../../../src/detect/lof.ts";
import { mulberry32 } from "../../../src/detect/prng.ts";
import { tQuantile } from "../../../src/detect/stats.ts";
import { createWindow, pushWindow } from "../../../src/detect/window.ts";
import { gaussian } from "./helpers.ts";

/** The textbook LOF of a query against references (reference-side neighbourhoods exclude the point itself). */
function naiveLof(ref: number[][], k: number, v: number[]): number {
  const dist = (a: number[], b: number[]) => Math.sqrt(a.reduce((s, x, f) => s + (x - b[f]!) ** 2, 0));
  const knn = (q: number[], skip: number) =>
    ref
      .map((r, i) => ({ i, d: dist(q, r) }))
      .filter((e) => e.i !== skip)
      .sort((a, b) => a.d - b.d || a.i - b.i)
      .slice(0, k);
  const kdist = ref.map((r, i) => Math.max(knn(r, i)[k - 1]!.d, 1e-9));
  const lrd = ref.map((r, i) => {
    const nb = knn(r, i);
    return nb.length / Math.max(nb.reduce((s, e) => s + Math.max(e.d, kdist[e.i]!), 0), 1e-9);
  });
  const nb = knn(v, -1);
  const lrdQ = nb.length / Math.max(nb.reduce((s, e) => s + Math.max(e.d, kdist[e.i]!), 0), 1e-9);
  return nb.reduce((s, e) => s + lrd[e.i]!, 0) / nb.length / lrdQ;
}

describe("LOF on flat references", () => {
  it("matches the textbook computation", () => {
    const g = gaussian(21);
    const ref = Array.from({ length: 40 }, () => [g(), g(), g()]);
    const m = buildLof(ref, 5);
    for (const v of [[0, 0, 0], [3, -1, 2], [10, 10, 10], ref[7]!]) expect(lofScore(m, v)).toBeCloseTo(naiveLof(ref, 5, v), 10);
  });
});

describe("isolation tree (typed arrays)", () => {
  it("is a valid preorder tree whose leaves partition the sample, with the leaf depth precomputed", () => {
    const g = gaussian(4);
    const sample = Array.from({ length: 64 }, () => [g(), g()]);
    const t = buildIsolationTree(sample, 99, 3);
    let leafPoints = 0;
    for (let node = 0; node < t.feature.length; node++) {
      if (t.feature[node]! < 0) {
        leafPoints += t.size[node]!;
        expect(t.leafDepth[node]).toBe(averagePathLength(t.size[node]!));
      } else {
        expect(t.left[node]).toBe(node + 1);
        expect(t.size[t.left[node]!]! + t.size[t.right[node]!]!).toBe(t.size[node]);
      }
    }
    expect(leafPoints).toBe(64);
    expect(t.size[0]).toBe(64);
  });
});

describe("ESD critical values", () => {
  it("are memoised without changing them", () => {
    for (const m of [10, 100, 1025, 1015, 5000, 10]) {
      const t = tQuantile(1 - 0.05 / (2 * m), m - 2);
      expect(esdLambda(m, 0.05)).toBe(((m - 1) * t) / Math.sqrt((m - 2 + t * t) * m));
    }
  });
});

describe("histogram sums up to the highest counted bin", () => {
  it("gives the same frequencies as a histogram without the bound (older snapshots)", () => {
    const r = mulberry32(5);
    const h = createHist();
    for (let i = 0; i < 2000; i++) learnHist(h, r() < 0.01 ? 200 * r() : r() * 3, 300);
    const old: HistState = { counts: [...h.counts], total: h.total, inc: h.inc };
    for (const u of [0, 0.5, 2, 10, 150, 1e5]) {
      expect(histSurprisal(h, u, 0)).toBe(histSurprisal(old, u, 0));
      expect(histSurprisal(h, u, 1)).toBe(histSurprisal(old, u, 1));
      expect(histCount(h, u, 0)).toBe(histCount(old, u, 0));
    }
    learnHist(old, 1, 300);
    expect(old.counts.slice((old.top ?? 0) + 1).every((c) => c === 0)).toBe(true);
    expect(old.counts[old.top!]).toBeGreaterThan(0);
  });
});

describe("lagged model parameters", () => {
  it("defaults to the cheap model and builds LOF on a prefix of the sample", () => {
    const st = createLagged();
    expect(st).toMatchObject(DEFAULT_LAGGED);
    const win = createWindow(256);
    const m = new LaggedModels(createLagged({ lofRefs: 32, psi: 64, trees: 8, refitEvery: 100 }), 7);
    const g = gaussian(8);
    for (let i = 0; i < 200; i++) {
      m.score(win, g());
      pushWindow(win, g());
      m.step(win);
    }
    expect(m.state.active?.sample.length).toBe(64);
    const far = m.score(win, 50);
    expect(far.iforest.surprise).toBeGreaterThan(m.score(win, 0).iforest.surprise);
    expect(far.lof.surprise).toBeGreaterThan(3);
    // Restored from its state, the model scores identically.
    const again = new LaggedModels(structuredClone(m.state), 7);
    expect(again.score(win, 1.5)).toEqual(m.score(win, 1.5));
  });
});
