import { describe, expect, it } from "vitest";
import { createChangepoint, updateChangepoint } from "../../../src/detect/changepoint.ts";
import { createHist, createTail, histSurprisal, learnHist, learnTail, tailSurprisal } from "../../../src/detect/calibrate.ts";
import { discordDistance } from "../../../src/detect/discord.ts";
import { generalizedEsd } from "../../../src/detect/esd.ts";
import { createWindow, pushWindow } from "../../../src/detect/window.ts";
import { buildIsolationForest, isolationScore } from "../../../src/detect/iforest.ts";
import { iqrFences } from "../../../src/detect/iqr.ts";
import { buildLof, lofScore } from "../../../src/detect/lof.ts";
import { robustZ } from "../../../src/detect/robust-z.ts";
import { gaussian } from "./helpers.ts";

const normalWindow = (n: number, seed = 3) => {
  const g = gaussian(seed);
  return Array.from({ length: n }, () => 10 + g()).sort((a, b) => a - b);
};

describe("robust z", () => {
  it("measures distance from the median in MAD-sigmas, ignoring an outlier in the window", () => {
    const w = [...normalWindow(500), 1e6].sort((a, b) => a - b);
    const r = robustZ(w, 15);
    expect(r.surprise).toBeGreaterThan(4);
    expect(r.surprise).toBeLessThan(6);
    expect(r.sign).toBe(1);
    expect(robustZ(w, 10).surprise).toBeLessThan(0.3);
  });

  it("has a finite, strict scale on a constant window", () => {
    const w = new Array<number>(50).fill(7);
    expect(robustZ(w, 7).surprise).toBe(0);
    expect(robustZ(w, 7.1).surprise).toBeGreaterThan(100);
  });
});

describe("IQR fences", () => {
  it("is 0 inside the box and grows past the fences, with a side", () => {
    const w = normalWindow(400);
    expect(iqrFences(w, 10).surprise).toBe(0);
    const hi = iqrFences(w, 14);
    expect(hi.surprise).toBeGreaterThan(1.5);
    expect(hi.sign).toBe(1);
    expect(14).toBeGreaterThan(hi.high);
    expect(iqrFences(w, 6).sign).toBe(-1);
  });
});

describe("generalized ESD", () => {
  it("flags a gross outlier and not an ordinary value", () => {
    const w = normalWindow(300);
    expect(generalizedEsd(w, 20).outlier).toBe(true);
    expect(generalizedEsd(w, 20).surprise).toBeGreaterThan(1);
    expect(generalizedEsd(w, 10.2).outlier).toBe(false);
  });

  it("is not masked by other outliers already in the window", () => {
    const w = [...normalWindow(300), 30, 31, 32].sort((a, b) => a - b);
    expect(generalizedEsd(w, 29).outlier).toBe(true);
  });
});

describe("isolation forest", () => {
  it("isolates a far point faster than a central one, identically for the same seed", () => {
    const g = gaussian(5);
    const sample = Array.from({ length: 128 }, () => [g(), g(), g()]);
    const f = buildIsolationForest(sample, 11, 50);
    expect(isolationScore(f, [6, 6, 6])).toBeGreaterThan(0.65);
    expect(isolationScore(f, [0, 0, 0])).toBeLessThan(0.5);
    expect(isolationScore(buildIsolationForest(sample, 11, 50), [1, 2, 0])).toBe(isolationScore(f, [1, 2, 0]));
  });
});

describe("LOF", () => {
  it("is about 1 inside a cluster and well above 1 away from it", () => {
    const g = gaussian(9);
    const m = buildLof(Array.from({ length: 128 }, () => [g(), g()]), 10);
    expect(lofScore(m, [0, 0])).toBeLessThan(1.3);
    expect(lofScore(m, [8, 8])).toBeGreaterThan(3);
  });

  it("copes with duplicate references", () => {
    const m = buildLof(Array.from({ length: 20 }, () => [1, 1]), 5);
    expect(Number.isFinite(lofScore(m, [2, 2]))).toBe(true);
    expect(lofScore(m, [2, 2])).toBeGreaterThan(lofScore(m, [1, 1]));
  });
});

describe("changepoint (CUSUM)", () => {
  it("fires on a sustained shift, dating its onset, but not on one spike", () => {
    const st = createChangepoint();
    for (let i = 0; i < 50; i++) expect(updateChangepoint(st, i % 2 ? 0.5 : -0.5).shift).toBe(false);
    expect(updateChangepoint(st, 50).shift).toBe(false); // a spike is clipped
    let fired = -1;
    let run = 0;
    for (let i = 0; i < 20 && fired < 0; i++) {
      const r = updateChangepoint(st, 3);
      if (r.shift) {
        fired = i;
        run = r.run;
      }
    }
    expect(fired).toBeGreaterThan(0);
    expect(run).toBeGreaterThanOrEqual(fired);
  });
});

describe("calibration", () => {
  it("gives larger surprises larger evidence, and heavier tails less of it", () => {
    const light = createTail();
    const heavy = createTail();
    const g = gaussian(2);
    for (let i = 0; i < 3000; i++) {
      const z = Math.abs(g());
      learnTail(light, z);
      learnTail(heavy, z * z * z);
    }
    expect(tailSurprisal(light, 6, 0.01)).toBeGreaterThan(tailSurprisal(light, 4, 0.01));
    expect(tailSurprisal(light, 6, 0.01)).toBeGreaterThan(tailSurprisal(heavy, 6, 0.01));
  });

  it("stops finding a level news once it recurs", () => {
    const h = createHist();
    for (let i = 0; i < 1000; i++) learnHist(h, i % 50 === 0 ? 100 : 1, 3000);
    expect(histSurprisal(h, 100)).toBeLessThan(5); // 2% of points
    expect(histSurprisal(h, 1000)).toBe(Infinity); // never seen
  });
});

describe("discord (left matrix profile)", () => {
  const fill = (xs: number[], cap = 64) => {
    const w = createWindow(cap);
    for (const x of xs) pushWindow(w, x);
    return w;
  };
  const buf = new Float64Array(256);
  it("finds a recurring spike familiar and a new shape far, looking back across the ring", () => {
    // A spike every 20 points: the next spike matches an earlier one exactly.
    const xs = Array.from({ length: 100 }, (_, i) => (i % 20 === 19 ? 10 : 0));
    const w = fill(xs.slice(0, 99));
    expect(discordDistance(w, 10, 4, 256, buf)).toBe(0);
    // A spike right after a spike (a burst grown denser) forms a pattern never seen.
    const w2 = fill(xs.slice(0, 80));
    expect(discordDistance(w2, 10, 4, 256, buf)).toBeGreaterThan(4);
  });

  it("only searches within maxLag and needs 2m values", () => {
    expect(Number.isNaN(discordDistance(fill([1, 2, 3]), 4, 4, 256, buf))).toBe(true);
    const xs = [5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    // The only [.., 5]-like match is 23 points back; a 10-lag horizon cannot see it.
    expect(discordDistance(fill(xs), 1, 4, 10, buf)).toBe(0);
    expect(discordDistance(fill(xs), 5, 4, 10, buf)).toBeGreaterThan(1.9);
  });
});
