import { IQR_TO_SIGMA, MAD_TO_SIGMA, madSorted, medianSorted, quantileSorted } from "./stats.ts";

/**
 * A robust location and sigma-equivalent scale of a sorted window. MAD is 0
 * for count series that are mostly one value, so it falls back to wider
 * quantile spreads, then to a tiny relative floor, so that a constant series
 * still has a finite (and very strict) scale.
 */
export function robustCenterScale(sorted: readonly number[]): { center: number; scale: number } {
  const center = medianSorted(sorted);
  let scale = madSorted(sorted, center) * MAD_TO_SIGMA;
  if (!(scale > 0)) scale = (quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25)) * IQR_TO_SIGMA;
  if (!(scale > 0)) scale = (quantileSorted(sorted, 0.95) - quantileSorted(sorted, 0.05)) / 3.29;
  if (!(scale > 0)) {
    // Mostly one value (sparse counts): the mean absolute deviation still sees the rare others.
    let s = 0;
    for (const v of sorted) s += Math.abs(v - center);
    scale = s / sorted.length;
  }
  return { center, scale: Math.max(scale, tinyScale(center)) };
}

/** The smallest scale we accept around a value: relative to its magnitude, never 0. */
export function tinyScale(center: number): number {
  return Math.max(Math.abs(center) * 1e-6, 1e-12);
}
