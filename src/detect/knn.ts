import type { MemberResult } from "./member.ts";
import { lowerBound } from "./stats.ts";
import type { WindowState } from "./window.ts";

/**
 * KNN conformal anomaly detection (in the spirit of KNN-CAD, Burnaev &
 * Ishimtsev 2016, and NAB's CAD-OSE): the non-conformity of the newest
 * lagged vector [x_t, x_t−1, …, x_t−dim+1] is the mean distance to its k
 * nearest neighbours among the earlier lagged vectors of the window (those
 * ending `dim` to `dim + refs − 1` steps back, so none overlaps the query),
 * in units of the window's robust scale. It is judged against the
 * non-conformity scores of the last `cal` points (the calibration set). The
 * reference set is the window itself, so the only state is the calibration
 * ring; time and memory per point are bounded by refs × dim and cal.
 * Deterministic: no sampling.
 */
export interface KnnParams {
  dim: number;
  k: number;
  refs: number;
  cal: number;
}

export interface KnnState {
  /** Ring of past non-conformity scores (the calibration set). */
  ring: number[];
  head: number;
  /** Derived: the ring sorted (left out of snapshots, rebuilt on restore). */
  sorted: number[];
}

export function createKnn(): KnnState {
  return { ring: [], head: 0, sorted: [] };
}

export function restoreKnn(st: KnnState): void {
  st.sorted = [...st.ring].sort((a, b) => a - b);
}

/** Scratch for the k best distances (module-level: no allocation per point). */
let kBest = new Float64Array(16);

/**
 * Mean distance (RMS per coordinate) from the query vector ending at x to its
 * k nearest earlier lagged vectors; NaN until the window holds enough values.
 * `buf` must hold at least refs + 2·dim values.
 */
export function knnDistance(win: WindowState, x: number, p: KnnParams, buf: Float64Array): number {
  const n = win.ring.length;
  const dim = p.dim;
  const horizon = Math.min(n, p.refs + 2 * dim - 1);
  const last = horizon - dim + 1; // largest usable lag of a reference vector's newest value
  if (last - dim + 1 < p.k) return Number.NaN;
  const cap = win.capacity;
  buf[0] = x;
  let q = n < cap ? n - 1 : (win.head - 1 + cap) % cap;
  const ring = win.ring;
  for (let L = 1; L <= horizon; L++) {
    buf[L] = ring[q]!;
    q = q === 0 ? cap - 1 : q - 1;
  }
  // The k smallest squared distances, ascending; early abandoning against the k-th.
  const k = p.k;
  const best = kBest.length >= k ? kBest : (kBest = new Float64Array(k));
  best.fill(Infinity, 0, k);
  for (let L = dim; L <= last; L++) {
    const bound = best[k - 1]!;
    let s = 0;
    for (let j = 0; j < dim; j++) {
      const d = buf[j]! - buf[L + j]!;
      s += d * d;
      if (s >= bound) break;
    }
    if (s < bound) {
      let i = k - 1;
      while (i > 0 && best[i - 1]! > s) {
        best[i] = best[i - 1]!;
        i -= 1;
      }
      best[i] = s;
    }
  }
  let sum = 0;
  for (let i = 0; i < k; i++) sum += Math.sqrt(best[i]! / dim);
  return sum / k;
}

const MIN_ALPHA = 1e-6;

/** Calibration scores needed before the member reports anything. */
export const KNN_MIN_CALIBRATION = 32;

/**
 * The member: the non-conformity score relative to the calibration set's
 * median (1 = as non-conforming as a typical recent point). The ensemble's
 * per-member calibration turns this into a tail probability; it is used
 * instead of the conformal p-value itself, which cannot go below
 * 1/(cal + 1) and scored lower on NAB (see bench/results/nab-experiments.md).
 */
export function knnScore(st: KnnState, win: WindowState, x: number, scale: number, p: KnnParams, buf: Float64Array): MemberResult & { alpha: number } {
  const d = knnDistance(win, x, p, buf);
  if (!Number.isFinite(d)) return { surprise: 0, sign: 0, alpha: Number.NaN };
  const alpha = d / scale;
  const n = win.ring.length;
  const prev = win.ring[n < win.capacity ? n - 1 : (win.head - 1 + win.capacity) % win.capacity]!;
  const sign = Math.sign(x - prev);
  const m = st.sorted.length;
  if (m < Math.min(p.cal, KNN_MIN_CALIBRATION)) return { surprise: 0, sign, alpha };
  // A calibration set of exact repeats (a sparse or flat series) leaves a strict, finite normaliser.
  return { surprise: alpha / Math.max(st.sorted[m >> 1]!, MIN_ALPHA), sign, alpha };
}

/** Adds a non-conformity score to the calibration set, evicting the oldest beyond `cal`. */
export function learnKnn(st: KnnState, alpha: number, cal: number): void {
  if (!Number.isFinite(alpha)) return;
  const a = alpha;
  if (st.ring.length < cal) st.ring.push(a);
  else {
    const old = st.ring[st.head]!;
    st.ring[st.head] = a;
    st.head = (st.head + 1) % cal;
    st.sorted.splice(lowerBound(st.sorted, old), 1);
  }
  st.sorted.splice(lowerBound(st.sorted, a), 0, a);
}
