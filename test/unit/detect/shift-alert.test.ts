import { describe, expect, it } from "vitest";
import { DEFAULT_TUNING, type Tuning } from "../../../src/detect/ensemble.ts";
import { createWindow, pushWindow, shiftSize } from "../../../src/detect/window.ts";
import { makeSeries, runTuned } from "./helpers.ts";

describe("shiftSize", () => {
  it("is the difference of medians of the newest values and the older ones, in units of scale", () => {
    const w = createWindow(64);
    for (let i = 0; i < 80; i++) pushWindow(w, i < 70 ? i % 3 : 10 + (i % 3));
    // Newest 10: 10 + (0, 1, 2 …), median 11; older 54 of the ring: median 1.
    expect(shiftSize(w, 10, 2)).toBeCloseTo(5, 12);
    expect(shiftSize(w, 64, 2)).toBe(0);
    expect(shiftSize(w, 0, 2)).toBe(0);
  });
});


describe("changepoint alert in the ensemble", () => {
  // A sustained step of 3 sigma: each point alone is ordinary for the window members.
  const s = makeSeries(3000, (i, e) => 100 + 2 * e + (i >= 2000 ? 6 : 0), 11);
  const on = runTuned(s.t, s.x, DEFAULT_TUNING);
  const off = runTuned(s.t, s.x, { ...DEFAULT_TUNING, shiftAlert: 0 });
  const at = on.findIndex((v, i) => i >= 2000 && !!v.breakdown?.levelShift);

  it("scores the confirmed shift by its size", () => {
    expect(at).toBeGreaterThan(2000);
    expect(at).toBeLessThan(2030);
    expect(off[at]!.breakdown?.levelShift).not.toBeNull();
    expect(on[at]!.breakdown!.evidence).toBeGreaterThan(off[at]!.breakdown!.evidence + 1);
    expect(on[at]!.anomalous).toBe(true);
  });

  it("changes nothing away from a shift, and keeps scores in [0, 1]", () => {
    for (let i = 0; i < at; i++) expect(on[i]!.score).toBe(off[i]!.score);
    expect(on.every((v) => v.score >= 0 && v.score <= 1)).toBe(true);
  });
});
