import { createDetector } from "./create.ts";
import type { DetectorConfig, Verdict } from "./index.ts";

/**
 * Runs a detector causally over a whole series, one point at a time, as the
 * Series Durable Object does live; returns each point's score. `onProgress`
 * is called every `progressEvery` points.
 */
export function scoreSeries(
  times: readonly number[],
  values: readonly number[],
  config: DetectorConfig,
  opts: { onVerdict?: (i: number, v: Verdict) => void; onProgress?: (done: number) => void; progressEvery?: number } = {},
): number[] {
  const det = createDetector(config);
  const every = opts.progressEvery ?? 5000;
  const out: number[] = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = det.update(times[i]!, values[i]!);
    out[i] = v.score;
    opts.onVerdict?.(i, v);
    if (opts.onProgress && (i + 1) % every === 0) opts.onProgress(i + 1);
  }
  return out;
}
