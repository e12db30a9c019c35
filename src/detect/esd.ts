import type { MemberResult } from "./member.ts";
import { tQuantile } from "./stats.ts";

/** Rosner's critical value λ for m values at level alpha; pure, so memoised per (alpha, m) (NaN: not yet computed). */
const lambdaCache = new Map<number, Float64Array>();
export function esdLambda(m: number, alpha: number): number {
  let row = lambdaCache.get(alpha);
  if (!row || m >= row.length) {
    if (m >= 1 << 20) return lambdaOf(m, alpha);
    const grown = new Float64Array(Math.max(64, m + 1, (row?.length ?? 0) * 2)).fill(Number.NaN);
    if (row) grown.set(row);
    lambdaCache.set(alpha, (row = grown));
  }
  const hit = row[m]!;
  if (hit === hit) return hit;
  return (row[m] = lambdaOf(m, alpha));
}

function lambdaOf(m: number, alpha: number): number {
  const p = 1 - alpha / (2 * m);
  const t = tQuantile(p, m - 2);
  return ((m - 1) * t) / Math.sqrt((m - 2 + t * t) * m);
}

/**
 * Generalized ESD (Rosner 1983) on the window plus the new point, with at most
 * `maxOutliers` outliers. Extremes are peeled from both ends of the sorted
 * window (the new point merged in), updating mean and variance in O(1) per
 * step. The surprise is R/λ at the step where the new point is peeled (≥ 1
 * means it is among the detected outliers), 0 if it is never peeled.
 */
export function generalizedEsd(sorted: readonly number[], x: number, maxOutliers = 10, alpha = 0.05): MemberResult & { outlier: boolean } {
  const n0 = sorted.length;
  const n = n0 + 1;
  if (n0 < 8) return { surprise: 0, sign: 0, outlier: false };
  // Centre sums on the median for numerical stability with huge magnitudes.
  const ref = sorted[n0 >> 1]!;
  let s1 = x - ref;
  let s2 = (x - ref) * (x - ref);
  for (let i = 0; i < n0; i++) {
    const d = sorted[i]! - ref;
    s1 += d;
    s2 += d * d;
  }
  let lo = 0;
  let hi = n0 - 1;
  let xTaken = false;
  let m = n;
  let lastSignificant = 0;
  let xStep = 0;
  let xRatio = 0;
  let xSign = 0;
  const steps = Math.min(maxOutliers, n - 3);
  for (let i = 1; i <= steps; i++) {
    const mean = s1 / m;
    const variance = Math.max(0, (s2 - s1 * mean) / (m - 1));
    const sd = Math.sqrt(variance);
    // Candidates: smallest and largest remaining, either from the window or x itself.
    const lowV = !xTaken && (lo > hi || x <= sorted[lo]!) ? x : sorted[lo]!;
    const highV = !xTaken && (lo > hi || x >= sorted[hi]!) ? x : sorted[hi]!;
    const dLow = Math.abs(lowV - ref - mean);
    const dHigh = Math.abs(highV - ref - mean);
    const takeHigh = dHigh >= dLow;
    const v = takeHigh ? highV : lowV;
    const r = sd > 0 ? Math.max(dLow, dHigh) / sd : 0;
    const lambda = esdLambda(m, alpha);
    if (r > lambda) lastSignificant = i;
    const isX = !xTaken && v === x && (takeHigh ? highV === x : lowV === x);
    if (isX) {
      xTaken = true;
      xStep = i;
      xRatio = lambda > 0 ? r / lambda : 0;
      xSign = Math.sign(v - ref - mean);
    } else if (takeHigh) hi -= 1;
    else lo += 1;
    const d = v - ref;
    s1 -= d;
    s2 -= d * d;
    m -= 1;
    if (xTaken && i >= xStep && lastSignificant >= xStep) break;
  }
  if (!xTaken) return { surprise: 0, sign: 0, outlier: false };
  return { surprise: xRatio, sign: xSign, outlier: lastSignificant >= xStep };
}
