/** Small numeric helpers shared by the members. */

export const MAD_TO_SIGMA = 1.4826;
export const IQR_TO_SIGMA = 1 / 1.349;

/** Index of the first element >= x in an ascending array. */
export function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Linear-interpolated quantile (q in [0, 1]) of an ascending array; NaN when empty. */
export function quantileSorted(a: readonly number[], q: number): number {
  const n = a.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * Math.min(1, Math.max(0, q));
  const i = Math.floor(pos);
  const f = pos - i;
  const lo = a[i]!;
  return f > 0 && i + 1 < n ? lo + f * (a[i + 1]! - lo) : lo;
}

export function medianSorted(a: readonly number[]): number {
  return quantileSorted(a, 0.5);
}

/**
 * Median absolute deviation from `center` of an ascending array in O(log² n):
 * the distances form two ascending runs (left of center, right of center),
 * so the k-th smallest distance is found by bisection on the value.
 */
export function madSorted(a: readonly number[], center: number): number {
  const n = a.length;
  if (n === 0) return Number.NaN;
  const split = lowerBound(a, center);
  // k-th smallest (0-based) distance among left run L_i = center - a[split-1-i] and right run R_j = a[split+j] - center.
  const kth = (k: number): number => {
    const nl = split;
    const nr = n - split;
    const left = (i: number) => center - a[split - 1 - i]!;
    const right = (j: number) => a[split + j]! - center;
    // Binary search on the number of elements taken from the left run.
    let lo = Math.max(0, k + 1 - nr);
    let hi = Math.min(k + 1, nl);
    while (lo < hi) {
      const i = (lo + hi) >> 1; // take i from left, k+1-i from right
      const j = k + 1 - i;
      // If left[i] < right[j-1], take more from the left.
      if (i < nl && j > 0 && left(i) < right(j - 1)) lo = i + 1;
      else hi = i;
    }
    const i = lo;
    const j = k + 1 - i;
    const l = i > 0 ? left(i - 1) : -Infinity;
    const r = j > 0 ? right(j - 1) : -Infinity;
    return Math.max(l, r);
  };
  if (n % 2) return kth((n - 1) >> 1);
  return (kth(n / 2 - 1) + kth(n / 2)) / 2;
}

/** Standard normal upper tail Q(z) = P(Z > z), accurate to ~1e-7 relative (Abramowitz–Stegun 7.1.26 via erfc). */
export function normalTail(z: number): number {
  if (z < 0) return 1 - normalTail(-z);
  if (z > 38) return 0;
  // erfc via a continued-fraction-free rational approximation (W. J. Cody style, Numerical Recipes erfcc).
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const y =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return y / 2;
}

// Acklam's coefficients, hoisted so a call allocates nothing.
const NQ_A = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239] as const;
const NQ_B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572] as const;
const NQ_C = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783] as const;
const NQ_D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416] as const;

/** Inverse of the standard normal CDF (Acklam's rational approximation), p in (0, 1). */
export function normalQuantile(p: number): number {
  const a = NQ_A;
  const b = NQ_B;
  const c = NQ_C;
  const d = NQ_D;
  const pl = 0.02425;
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - pl) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Student-t quantile by the Cornish–Fisher expansion around the normal (good for df >= 10). */
export function tQuantile(p: number, df: number): number {
  const z = normalQuantile(p);
  const z3 = z * z * z;
  const z5 = z3 * z * z;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df);
}

/** Two-sided normal tail turned into a score in [0, 1): 0 at z = 0, → 1 as |z| grows. */
export function zToScore(z: number): number {
  return 1 - 2 * normalTail(Math.abs(z));
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
