import { describe, expect, it } from "vitest";
import { createEnsemble, DEFAULT_TUNING, type Tuning } from "../../../src/detect/ensemble.ts";
import { DEFAULT_DETECTOR_CONFIG, type Verdict } from "../../../src/detect/index.ts";
import { FIVE_MIN, gaussian, makeSeries, T0, runTuned, evidenceOf } from "./helpers.ts";

/** The novelty gate's memory decays per sampling step, not per point received (Tuning.gateGapRate). */
// The young-series calibration (tailPrior, tail-prior.test.ts) is off on both sides: it scales the gated
// score, and these tests read "passed the gate" as score = 1 − e^(−evidence).
const ON: Tuning = { ...DEFAULT_TUNING, tailPrior: { ...DEFAULT_TUNING.tailPrior, k0: 0 } };
const OFF: Tuning = { ...ON, gateGapRate: 0 };
/** The gate let the point's evidence through unchanged. */
const passed = (v: Verdict) => v.score === 1 - Math.exp(-evidenceOf(v));

/**
 * Noise every 5 minutes, a large spike at row 1500 and a smaller one `after` rows later; `gapDays`
 * of missing data (no points at all) just before the smaller spike.
 */
function spikes(after: number, gapDays: number) {
  const g = gaussian(7);
  const t: number[] = [];
  const x: number[] = [];
  let time = T0;
  for (let i = 0; i < 1500 + after + 50; i++) {
    if (i === 1500 + after - 5) time += gapDays * 86_400_000;
    t.push(time);
    x.push(10 + g() + (i === 1500 ? 60 : i === 1500 + after ? 12 : 0));
    time += FIVE_MIN;
  }
  return { t, x, second: 1500 + after };
}

describe("gate memory by sampling steps", () => {
  it("changes nothing on a regularly sampled series", () => {
    const s = makeSeries(4000, (i, n) => 10 + n + (i % 397 === 0 ? 9 : 0) + (i > 2500 ? 4 : 0));
    const on = runTuned(s.t, s.x, ON);
    const off = runTuned(s.t, s.x, OFF);
    for (let i = 0; i < s.x.length; i++) expect(on[i]!.score).toBe(off[i]!.score);
  });

  it("gates a smaller spike soon after a large one, with or without the change", () => {
    const s = spikes(40, 0);
    const on = runTuned(s.t, s.x, ON);
    const off = runTuned(s.t, s.x, OFF);
    expect(evidenceOf(on[s.second]!)).toBeGreaterThan(4);
    expect(passed(on[s.second]!)).toBe(false);
    expect(on[s.second]!.score).toBe(off[s.second]!.score);
  });

  it("forgets the large spike across two days without data", () => {
    const s = spikes(40, 2);
    const on = runTuned(s.t, s.x, ON);
    const off = runTuned(s.t, s.x, OFF);
    // Before the gap both score the same.
    for (let i = 0; i < s.second - 5; i++) expect(on[i]!.score).toBe(off[i]!.score);
    expect(evidenceOf(on[s.second]!)).toBeGreaterThan(4);
    // Counted in points the memory is 40 points old and still gates; counted in steps it is 2 days old.
    expect(passed(off[s.second]!)).toBe(false);
    expect(passed(on[s.second]!)).toBe(true);
  });

  it("counts a sparse stretch (one point every 30 minutes) as the steps it spans", () => {
    // Every 5 minutes, then 200 points every 30 minutes after a large spike, then a smaller spike.
    const g = gaussian(3);
    const t: number[] = [];
    const x: number[] = [];
    let time = T0;
    for (let i = 0; i < 1800; i++) {
      t.push(time);
      x.push(10 + g() + (i === 1500 ? 60 : i === 1700 ? 12 : 0));
      time += i >= 1500 && i < 1700 ? 6 * FIVE_MIN : FIVE_MIN;
    }
    const on = runTuned(t, x, ON);
    const off = runTuned(t, x, OFF);
    // 200 points at 0.995 each keep 37 % of the peak; 1200 steps keep 0.25 %.
    expect(evidenceOf(on[1700]!)).toBeGreaterThan(4);
    expect(passed(off[1700]!)).toBe(false);
    expect(passed(on[1700]!)).toBe(true);
  });

  it("tracks the typical step as a median: occasional longer steps do not move it", () => {
    const g = gaussian(5);
    const t: number[] = [];
    const x: number[] = [];
    let time = T0;
    for (let i = 0; i < 3000; i++) {
      t.push(time);
      x.push(10 + g());
      time += i % 10 === 9 ? 2 * FIVE_MIN : FIVE_MIN;
    }
    const d = createEnsemble(DEFAULT_DETECTOR_CONFIG, null, DEFAULT_TUNING);
    for (let i = 0; i < t.length; i++) d.update(t[i]!, x[i]!);
    const gapLog = (d.snapshot() as unknown as { gapLog: number }).gapLog;
    expect(Math.abs(gapLog - Math.log(FIVE_MIN))).toBeLessThanOrEqual(DEFAULT_TUNING.gateGapRate + 1e-9);
  });

  it("survives a JSON snapshot with its typical step", () => {
    const s = spikes(40, 2);
    const all = runTuned(s.t, s.x, DEFAULT_TUNING);
    const cut = s.second - 20;
    const a = createEnsemble(DEFAULT_DETECTOR_CONFIG, null, DEFAULT_TUNING);
    for (let i = 0; i < cut; i++) a.update(s.t[i]!, s.x[i]!);
    const b = createEnsemble(DEFAULT_DETECTOR_CONFIG, JSON.parse(JSON.stringify(a.snapshot())), DEFAULT_TUNING);
    for (let i = cut; i < s.x.length; i++) expect(b.update(s.t[i]!, s.x[i]!).score).toBe(all[i]!.score);
  });
});
