import { describe, expect, it } from "vitest";
import { createEnsemble, DEFAULT_TUNING, type Tuning } from "../../../src/detect/ensemble.ts";
import { recur } from "../../../src/detect/recurrence.ts";
import { DEFAULT_DETECTOR_CONFIG } from "../../../src/detect/index.ts";
import { evidenceOf, makeSeries, runTuned } from "./helpers.ts";

/** Periodic-recurrence discount (Tuning.recurFloor). */
describe("recur", () => {
  const tuning: Tuning = DEFAULT_TUNING;
  const gain = tuning.recurGain;
  /** A series state fed one point per time unit, as the ensemble does (n and lastT move after each point). */
  const series = () => {
    const st: { n: number; lastT: number; recurOn?: number[] } = { n: 0, lastT: 0 };
    let t = 0;
    /** Feeds first-level evidence `ev` (also as the evidence) at the next time unit; returns the discounted evidence. */
    const point = (ev: number) => {
      t += 1;
      const out = recur(st, t, ev, ev, tuning);
      st.n += 1;
      st.lastT = t;
      return out;
    };
    /** Quiet points until time `at` − 1, then an excursion of `ev` for `rows` points; returns its outputs. */
    const excursionAt = (at: number, ev: number, rows = 1) => {
      while (t < at - 1) point(0);
      return Array.from({ length: rows }, () => point(ev));
    };
    return { st, point, excursionAt };
  };

  it("discounts an excursion once recurMin earlier ones came at multiples of the same interval", () => {
    const s = series();
    for (let k = 0; k < 12; k++) {
      const [out] = s.excursionAt(1000 + 100 * k, 8);
      // k earlier onsets, all on the chain at 100, 200, … back.
      expect(out).toBeCloseTo(k >= tuning.recurMin ? 8 - gain * Math.log1p(k) : 8, 12);
    }
  });

  it("holds the discount while the excursion lasts, and only then", () => {
    const s = series();
    for (let k = 0; k < 6; k++) s.excursionAt(1000 + 100 * k, 8);
    const during = s.excursionAt(1600, 8, 5);
    for (const out of during) expect(out).toBeCloseTo(8 - gain * Math.log1p(6), 12);
    // Off the schedule (half a period later): news.
    expect(s.excursionAt(1650, 8)).toEqual([8]);
    // Evidence under the floor is never touched.
    expect(s.point(2)).toBe(2);
  });

  it("leaves irregular excursions alone", () => {
    const s = series();
    let at = 1000;
    for (const gap of [100, 137, 71, 163, 94, 211, 58, 129, 177, 83, 149, 66, 191, 121]) {
      at += gap;
      expect(s.excursionAt(at, 8)).toEqual([8]);
    }
  });

  it("tolerates a jitter of a sampling step plus recurTolFrac of the period, not more", () => {
    const jittered = series();
    const offsets = [0, 1, 0, -1, 0, 1];
    let last: number[] = [];
    offsets.forEach((o, k) => (last = jittered.excursionAt(1000 + 100 * k + o, 8)));
    expect(last[0]).toBeLessThan(8);
    const loose = series();
    [0, 9, -9, 9, -9, 9].forEach((o, k) => (last = loose.excursionAt(1000 + 100 * k + o, 8)));
    expect(last).toEqual([8]);
  });

  it("lets a repeat much stronger than its chain through", () => {
    const s = series();
    for (let k = 0; k < 6; k++) s.excursionAt(1000 + 100 * k, 8);
    expect(s.excursionAt(1600, 8)[0]).toBeLessThan(8);
    // The same excursion grows past the highest peak of its chain by more than recurMargin.
    const higher = 8 + tuning.recurMargin + 1;
    expect(s.point(higher)).toBe(higher);
    expect(s.point(8)).toBe(8);
  });

  it("keeps its memory to recurRing onsets", () => {
    const s = series();
    for (let k = 0; k < 40; k++) s.excursionAt(1000 + 100 * k, 8);
    expect(s.st.recurOn).toHaveLength(tuning.recurRing);
  });
});

// The young-series calibration (tailPrior, tail-prior.test.ts) and the corroboration factor (loneEvidence,
// lone.test.ts) are off on both sides, so the test isolates the recurrence.
const ON: Tuning = { ...DEFAULT_TUNING, tailPrior: { ...DEFAULT_TUNING.tailPrior, k0: 0 }, loneEvidence: 0 };
const OFF: Tuning = { ...ON, recurFloor: 0 };

describe("periodic recurrence in the ensemble", () => {
  // A flat metric with the same double spike (a job and its retry) every 100 points (8 h 20 min).
  const cron = makeSeries(3000, (i) => (i % 100 === 0 || i % 100 === 6 ? 20 : 0));
  const on = runTuned(cron.t, cron.x, ON);
  const off = runTuned(cron.t, cron.x, OFF);

  it("scores the first repeats as before and the later ones far lower", () => {
    // Without it the second-level calibration holds every repeat near −ln(1/100) + evBonus.
    for (let i = 0; i < 300; i++) expect(on[i]!.score).toBe(off[i]!.score);
    for (let i = 600; i <= 2000; i += 100) {
      expect(evidenceOf(off[i]!)).toBeGreaterThan(8);
      expect(evidenceOf(on[i]!)).toBeLessThan(evidenceOf(off[i]!) - 4);
    }
  });

  it("changes nothing when the spikes come at irregular intervals", () => {
    const at = new Set<number>();
    let p = 50;
    // No three of these gaps chain into a regular period within the tolerance.
    const gaps = [115, 126, 171, 220, 137, 167, 189, 158, 206, 149, 196, 209, 164, 209, 119, 146, 67, 131, 215, 101, 143];
    for (const gap of gaps) {
      at.add(p);
      p += gap;
    }
    const irregular = makeSeries(3000, (i) => (at.has(i) ? 20 : 0));
    const a = runTuned(irregular.t, irregular.x, ON);
    const b = runTuned(irregular.t, irregular.x, OFF);
    for (let i = 0; i < 3000; i++) expect(a[i]!.score).toBe(b[i]!.score);
  });

  it("keeps scores in [0, 1], and its state survives a JSON snapshot", () => {
    expect(on.every((v) => v.score >= 0 && v.score <= 1)).toBe(true);
    const a = createEnsemble(DEFAULT_DETECTOR_CONFIG, null, ON);
    for (let i = 0; i < 1650; i++) a.update(cron.t[i]!, cron.x[i]!);
    const b = createEnsemble(DEFAULT_DETECTOR_CONFIG, JSON.parse(JSON.stringify(a.snapshot())), ON);
    for (let i = 1650; i < 3000; i++) expect(b.update(cron.t[i]!, cron.x[i]!).score).toBe(on[i]!.score);
  });
});
