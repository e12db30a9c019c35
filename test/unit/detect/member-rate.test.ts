import { describe, expect, it } from "vitest";
import { createEnsemble, DEFAULT_TUNING, type Tuning } from "../../../src/detect/ensemble.ts";
import { memberRate } from "../../../src/detect/member-rate.ts";
import { DEFAULT_DETECTOR_CONFIG, type Verdict } from "../../../src/detect/index.ts";
import { makeSeries, runTuned, evidenceOf } from "./helpers.ts";

/** Per-member excursion rate normalisation (Tuning.memberRateMemory). */
describe("memberRate", () => {
  const tuning: Tuning = { ...DEFAULT_TUNING, memberRateMemory: 1e9 };
  /** Feeds `s` for `rows` points, then a quiet point that closes the excursion; returns the outputs. */
  const excursion = (st: object, s: number, rows = 1) => {
    const out: number[] = [];
    for (let i = 0; i < rows; i++) out.push(memberRate(st, "seasonal", s, tuning));
    memberRate(st, "seasonal", 0, tuning);
    return out;
  };

  it("leaves a first excursion alone and discounts each repeat by gain · ln(1 + repeats − free)", () => {
    const st = {};
    expect(excursion(st, 8)).toEqual([8]);
    for (let k = 1; k <= 5; k++) {
      const [s] = excursion(st, 8);
      expect(s).toBeCloseTo(8 - tuning.memberRateGain * Math.log1p(k - tuning.memberRateFree), 6);
    }
  });

  it("counts an excursion once, by its peak, however many points it lasts", () => {
    const st = {};
    excursion(st, 8, 50);
    const [s] = excursion(st, 8);
    expect(s).toBeCloseTo(8 - tuning.memberRateGain * Math.log1p(1 - tuning.memberRateFree), 6);
  });

  it("does not discount a level above every past peak, nor evidence under the floor, and keeps members apart", () => {
    const st = {};
    for (let k = 0; k < 10; k++) excursion(st, 8);
    expect(memberRate(st, "seasonal", 16, tuning)).toBe(16);
    memberRate(st, "seasonal", 0, tuning);
    expect(memberRate(st, "robust_z", 8, tuning)).toBe(8);
    expect(memberRate(st, "seasonal", -1e-16, tuning)).toBe(0);
  });
});

// Noise around 100 with the same +40 burst every 250 points from 1000 on, then one burst of +150 at 3900.
const REPEATS = [1000, 1250, 1500, 1750, 2000, 2250, 2500, 2750, 3000, 3250, 3500];
const bursty = makeSeries(4000, (i, e) => 100 + 3 * e + (REPEATS.includes(i) ? 40 : 0) + (i === 3900 ? 150 : 0), 7);

describe("per-member excursion rate in the ensemble", () => {
  // The bursts are regular: the periodic-recurrence discount (tested in recur.test.ts) is off on both sides.
  const onTuning: Tuning = { ...DEFAULT_TUNING, recurFloor: 0 };
  const on = runTuned(bursty.t, bursty.x, onTuning);
  const off = runTuned(bursty.t, bursty.x, { ...onTuning, memberRateMemory: 0 });

  it("alerts on the first burst and weighs the repeats less", () => {
    expect(on[1000]!.anomalous).toBe(true);
    const late = REPEATS.slice(-6);
    for (const i of late) expect(evidenceOf(on[i]!)).toBeLessThanOrEqual(evidenceOf(off[i]!));
    const sum = (vs: Verdict[]) => late.reduce((a, i) => a + evidenceOf(vs[i]!), 0);
    expect(sum(on)).toBeLessThan(sum(off) - 3);
  });

  it("still alerts on a level the members have never reached", () => {
    expect(on[3900]!.anomalous).toBe(true);
    expect(evidenceOf(on[3900]!)).toBeGreaterThan(DEFAULT_TUNING.alertLog10.medium * Math.LN10);
  });

  it("keeps scores in [0, 1], and its state survives a JSON snapshot", () => {
    expect(on.every((v) => v.score >= 0 && v.score <= 1)).toBe(true);
    const a = createEnsemble(DEFAULT_DETECTOR_CONFIG, null, onTuning);
    for (let i = 0; i < 2600; i++) a.update(bursty.t[i]!, bursty.x[i]!);
    const b = createEnsemble(DEFAULT_DETECTOR_CONFIG, JSON.parse(JSON.stringify(a.snapshot())), onTuning);
    for (let i = 2600; i < 4000; i++) expect(b.update(bursty.t[i]!, bursty.x[i]!).score).toBe(on[i]!.score);
  });
});
