import { describe, expect, it } from "vitest";
import { createEnsemble, DEFAULT_TUNING, type Tuning } from "../../../src/detect/ensemble.ts";
import { DEFAULT_DETECTOR_CONFIG, type DetectorSnapshot, type Verdict } from "../../../src/detect/index.ts";
import { createWindow, pushWindow, shiftLevels } from "../../../src/detect/window.ts";
import { makeSeries, runTuned } from "./helpers.ts";

const OFF: Tuning = { ...DEFAULT_TUNING, shiftReturnTol: 0 };


const shifts = (v: Verdict[], from: number) => v.map((r, i) => (i >= from && r.breakdown?.levelShift ? i : -1)).filter((i) => i >= 0);

describe("shiftLevels", () => {
  it("gives the medians of the newest values and of the older ones", () => {
    const w = createWindow(64);
    for (let i = 0; i < 80; i++) pushWindow(w, i < 70 ? i % 3 : 10 + (i % 3));
    expect(shiftLevels(w, 10)).toEqual({ older: 1, newer: 11 });
    expect(shiftLevels(w, 64)).toBeUndefined();
  });
});

describe("a shift back to the level before a recent opposite shift (shiftReturnTol)", () => {
  // 100 ± 2, a sustained excursion to +12 for 300 points, then back to 100.
  const s = makeSeries(2600, (i, e) => 100 + 2 * e + (i >= 1500 && i < 1800 ? 6 : 0), 7);
  const on = runTuned(s.t, s.x, DEFAULT_TUNING);
  const off = runTuned(s.t, s.x, OFF);
  const up = shifts(off, 1500)[0]!;
  const back = shifts(off, 1800)[0]!;

  it("scores the excursion's start as before, and reports the return without its size", () => {
    expect(DEFAULT_TUNING.shiftReturnTol).toBeGreaterThan(0);
    expect(up).toBeLessThan(1530);
    expect(back).toBeGreaterThan(1800);
    expect(back).toBeLessThan(1830);
    for (let i = 0; i < back; i++) expect(on[i]!.score).toBe(off[i]!.score);
    expect(on[up]!.anomalous).toBe(true);
    expect(on[back]!.breakdown?.levelShift).not.toBeNull();
    expect(on[back]!.breakdown!.evidence).toBeLessThan(off[back]!.breakdown!.evidence - 1);
    expect(on.every((v) => v.score >= 0 && v.score <= 1)).toBe(true);
  });

  it("learns the return as before: every other point scores exactly as with the rule off", () => {
    for (let i = 0; i < on.length; i++) if (i !== back) expect(on[i]!.score).toBe(off[i]!.score);
    expect(on[back]!.score).toBeLessThan(off[back]!.score);
  });

  it("still scores a second shift onwards to a new level", () => {
    const s2 = makeSeries(2600, (i, e) => 100 + 2 * e + (i >= 1500 ? 12 : 0) + (i >= 1800 ? 12 : 0), 7);
    const a = runTuned(s2.t, s2.x, DEFAULT_TUNING);
    const b = runTuned(s2.t, s2.x, OFF);
    for (let i = 0; i < a.length; i++) expect(a[i]!.score).toBe(b[i]!.score);
  });

  it("leaves a quick return (the end of a short burst) alone", () => {
    const s3 = makeSeries(2600, (i, e) => 100 + 2 * e + (i >= 1500 && i < 1520 ? 12 : 0), 7);
    const a = runTuned(s3.t, s3.x, DEFAULT_TUNING);
    const b = runTuned(s3.t, s3.x, OFF);
    for (let i = 0; i < a.length; i++) expect(a[i]!.score).toBe(b[i]!.score);
  });

  it("restores a snapshot taken inside the excursion to identical scores", () => {
    const a = createEnsemble(DEFAULT_DETECTOR_CONFIG, null, DEFAULT_TUNING);
    for (let i = 0; i < 1700; i++) a.update(s.t[i]!, s.x[i]!);
    const snap = JSON.parse(JSON.stringify(a.snapshot())) as DetectorSnapshot;
    const b = createEnsemble(DEFAULT_DETECTOR_CONFIG, snap, DEFAULT_TUNING);
    for (let i = 1700; i < s.x.length; i++) expect(b.update(s.t[i]!, s.x[i]!).score).toBe(on[i]!.score);
  });
});
