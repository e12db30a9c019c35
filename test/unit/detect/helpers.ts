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
