import { robustZ } from "./robust-z.ts";
import { createWindow, pushWindow, windowSize } from "./window.ts";

/**
 * Reference detectors for the benchmarks, not used in production: a trailing
 * mean/std z-score (O(1) per point with running sums) and a trailing robust
 * z-score (median/MAD). Each returns |z| of the point against the past.
 */
export interface ScoreOnly {
  update(timestamp: number, value: number): number;
}

export function createRollingZ(window: number): ScoreOnly {
  const ring: number[] = [];
  let head = 0;
  let ref = Number.NaN;
  let s1 = 0;
  let s2 = 0;
  return {
    update(_t, x) {
      if (!Number.isFinite(x)) return 0;
      if (Number.isNaN(ref)) ref = x;
      const n = ring.length;
      let z = 0;
      if (n >= 2) {
        const mean = s1 / n;
        const sd = Math.sqrt(Math.max(0, (s2 - s1 * mean) / (n - 1)));
        z = sd > 0 ? Math.abs(x - ref - mean) / sd : x - ref === mean ? 0 : 1e6;
      }
      const d = x - ref;
      if (n < window) ring.push(d);
      else {
        const old = ring[head]!;
        ring[head] = d;
        head = (head + 1) % window;
        s1 -= old;
        s2 -= old * old;
      }
      s1 += d;
      s2 += d * d;
      return z;
    },
  };
}

export function createRollingRobustZ(window: number): ScoreOnly {
  const w = createWindow(window);
  return {
    update(_t, x) {
      if (!Number.isFinite(x)) return 0;
      const z = windowSize(w) >= 2 ? robustZ(w.sorted, x).surprise : 0;
      pushWindow(w, x);
      return z;
    },
  };
}
