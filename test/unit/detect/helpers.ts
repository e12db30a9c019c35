import { createEnsemble, type Tuning } from "../../../src/detect/ensemble.ts";
import { DEFAULT_DETECTOR_CONFIG, type Verdict } from "../../../src/detect/index.ts";
import { mulberry32 } from "../../../src/detect/prng.ts";

/** Seeded standard normal draws (Box–Muller). */
export function gaussian(seed: number): () => number {
  const r = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

export const T0 = Date.UTC(2024, 0, 1);
export const FIVE_MIN = 300_000;

/** n points every 5 minutes of f(i, noise). */
export function makeSeries(n: number, f: (i: number, noise: number) => number, seed = 1): { t: number[]; x: number[] } {
  const g = gaussian(seed);
  const t: number[] = [];
  const x: number[] = [];
  for (let i = 0; i < n; i++) {
    t.push(T0 + i * FIVE_MIN);
    x.push(f(i, g()));
  }
  return { t, x };
}

/** Every verdict of a fresh ensemble with `tuning` over the series, in order. */
export function runTuned(t: readonly number[], x: readonly number[], tuning: Tuning): Verdict[] {
  const d = createEnsemble(DEFAULT_DETECTOR_CONFIG, null, tuning);
  return x.map((v, i) => d.update(t[i]!, v));
}

/** A verdict's evidence after the second level (0 when the detector had nothing to score). */
export const evidenceOf = (v: Verdict): number => v.breakdown?.evidence ?? 0;
