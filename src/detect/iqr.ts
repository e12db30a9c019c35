import type { MemberResult } from "./member.ts";
import { quantileSorted } from "./stats.ts";
import { tinyScale } from "./scale.ts";

/**
 * Tukey's IQR fences: the surprise is how far past the nearer fence
 * (Q1 − k·IQR, Q3 + k·IQR) the value lies, in IQR units, plus the fence
 * distance itself (so 0 inside the box, k at a fence). k = 1.5 marks an outlier.
 */
export function iqrFences(sorted: readonly number[], x: number): MemberResult & { low: number; high: number } {
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  const iqr = Math.max(q3 - q1, tinyScale((q1 + q3) / 2));
  if (x > q3) return { surprise: (x - q3) / iqr, sign: 1, low: q1 - 1.5 * iqr, high: q3 + 1.5 * iqr };
  if (x < q1) return { surprise: (q1 - x) / iqr, sign: -1, low: q1 - 1.5 * iqr, high: q3 + 1.5 * iqr };
  return { surprise: 0, sign: 0, low: q1 - 1.5 * iqr, high: q3 + 1.5 * iqr };
}
