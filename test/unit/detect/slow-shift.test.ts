import { describe, expect, it } from "vitest";
import { DEFAULT_TUNING, type Tuning } from "../../../src/detect/ensemble.ts";
import type { Verdict } from "../../../src/detect/index.ts";
import { makeSeries, runTuned } from "./helpers.ts";

/** Slow shifts (Tuning.slowShiftRun / slowShiftFactor): a level that took long to confirm is scored lower at the decision. */
const ON: Tuning = { ...DEFAULT_TUNING, slowShiftRun: 24, slowShiftFactor: 0.7 };
const OFF: Tuning = { ...DEFAULT_TUNING, slowShiftRun: 0 };
const ev = (score: number) => -Math.log1p(-score);
const cpTop = (v: Verdict) => {
  const best = v.algorithms.reduce((a, b) => (ev(b.score) * Math.min(1, DEFAULT_TUNING.weights[b.name as keyof Tuning["weights"]]) > ev(a.score) * Math.min(1, DEFAULT_TUNING.weights[a.name as keyof Tuning["weights"]]) ? b : a));
  return best.name === "changepoint";
};

/** Checks that ON differs from OFF only by the factor, and only on slowly confirmed shifts; returns the scaled rows. */
function compare(x: { t: number[]; x: number[] }) {
  const on = runTuned(x.t, x.x, ON);
  const off = runTuned(x.t, x.x, OFF);
  const scaled: number[] = [];
  for (let i = 0; i < x.x.length; i++) {
    const a = ev(on[i]!.score);
    const b = ev(off[i]!.score);
    if (Math.abs(a - b) <= 1e-9 * Math.max(1, b)) continue;
    expect(a).toBeCloseTo(b * ON.slowShiftFactor, 9);
    // Only a confirmed shift (levelShift set) whose onset is slowShiftRun or more points back.
    expect(off[i]!.breakdown?.levelShift?.onsetPointsAgo).toBeGreaterThanOrEqual(ON.slowShiftRun);
    expect(cpTop(off[i]!)).toBe(true);
    scaled.push(i);
  }
  return { on, off, scaled };
}

describe("slow shifts", () => {
  it("scores a shift the CUSUM took many points to confirm at slowShiftFactor, and nothing else", () => {
    // A 1.75 sigma step: the CUSUM confirms it 30 points after its onset (about 7.8 nats without the factor).
    const s = makeSeries(3000, (i, e) => 100 + 2 * e + (i >= 2000 ? 3.5 : 0), 11);
    const { on, off, scaled } = compare(s);
    const at = off.findIndex((v, i) => i >= 2000 && !!v.breakdown?.levelShift);
    expect(at).toBeGreaterThan(2000);
    expect(off[at]!.breakdown!.levelShift!.onsetPointsAgo).toBeGreaterThanOrEqual(ON.slowShiftRun);
    expect(scaled).toContain(at);
    expect(on[at]!.score).toBeLessThan(off[at]!.score);
  });

  it("leaves a sudden step at its full score", () => {
    // A 3 sigma step is confirmed within a few points (shift-alert.test.ts) and still alerts.
    const s = makeSeries(3000, (i, e) => 100 + 2 * e + (i >= 2000 ? 6 : 0), 11);
    const { on, off } = compare(s);
    const at = off.findIndex((v, i) => i >= 2000 && !!v.breakdown?.levelShift);
    expect(off[at]!.breakdown!.levelShift!.onsetPointsAgo).toBeLessThan(ON.slowShiftRun);
    expect(on[at]!.score).toBe(off[at]!.score);
    expect(on[at]!.anomalous).toBe(true);
  });
});
