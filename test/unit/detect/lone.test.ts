import { describe, expect, it } from "vitest";
import { DEFAULT_TUNING, type Tuning } from "../../../src/detect/ensemble.ts";
import type { Verdict } from "../../../src/detect/index.ts";
import { MEMBER_NAMES } from "../../../src/detect/member.ts";
import { makeSeries, runTuned } from "./helpers.ts";

/** Corroboration (Tuning.loneEvidence / loneFactor): one member's view alone is scored lower at the decision. */
const ON: Tuning = { ...DEFAULT_TUNING, loneEvidence: 1.75, loneFactor: 0.6 };
const OFF: Tuning = { ...DEFAULT_TUNING, loneEvidence: 0 };
const ev = (score: number) => -Math.log1p(-score);
/** Weighted member evidence (as in the ensemble's max), strongest first. */
const ranked = (v: Verdict) =>
  v.algorithms
    .map((a) => ({ name: a.name, e: ev(a.score) * Math.min(1, DEFAULT_TUNING.weights[a.name as (typeof MEMBER_NAMES)[number]]) }))
    .sort((a, b) => b.e - a.e);

// A daily cycle with noise, a few isolated blips of different sizes, and one gross spike.
const blips = new Map<number, number>([
  [1500, 4],
  [1800, -5],
  [2100, 6],
  [2400, 3.5],
  [2700, 40],
]);
const s = makeSeries(3200, (i, n) => 50 + 10 * Math.sin((2 * Math.PI * i) / 288) + n + (blips.get(i) ?? 0), 7);
const on = runTuned(s.t, s.x, ON);
const off = runTuned(s.t, s.x, OFF);

describe("corroboration", () => {
  it("only ever scales a point's evidence by loneFactor, so the gate and the calibration see the same evidence", () => {
    let scaled = 0;
    for (let i = 0; i < s.x.length; i++) {
      const a = ev(on[i]!.score);
      const b = ev(off[i]!.score);
      if (Math.abs(a - b) <= 1e-9 * Math.max(1, b)) continue;
      expect(a).toBeCloseTo(b * ON.loneFactor, 9);
      // Only when one member (not the changepoint alert) holds the evidence and no other reaches loneEvidence.
      const r = ranked(off[i]!);
      expect(r[0]!.name).not.toBe("changepoint");
      expect(r[1]!.e).toBeLessThan(ON.loneEvidence);
      // The members themselves are untouched.
      expect(on[i]!.algorithms.map((x) => x.score)).toEqual(off[i]!.algorithms.map((x) => x.score));
      scaled++;
    }
    expect(scaled).toBeGreaterThan(0);
  });

  it("leaves a gross spike that several members see at its full score", () => {
    const i = 2700;
    expect(ranked(off[i]!)[1]!.e).toBeGreaterThanOrEqual(ON.loneEvidence);
    expect(on[i]!.score).toBe(off[i]!.score);
    expect(on[i]!.anomalous).toBe(true);
  });

  it("is off at loneEvidence 0", () => {
    const base = runTuned(s.t, s.x, { ...DEFAULT_TUNING, loneEvidence: 0, loneFactor: 0.1 });
    for (let i = 0; i < s.x.length; i++) expect(base[i]!.score).toBe(off[i]!.score);
  });
});
