import { describe, expect, it } from "vitest";
import { createSeasonal, updateSeasonal } from "../../../src/detect/seasonal.ts";
import { FIVE_MIN, gaussian, T0 } from "./helpers.ts";

const HOUR = 3_600_000;
const daily = (t: number) => 50 + 20 * Math.sin((2 * Math.PI * (t % 86_400_000)) / 86_400_000);

describe("seasonal baseline", () => {
  it("detects a daily period by itself and predicts the cycle", () => {
    const st = createSeasonal("auto");
    const g = gaussian(4);
    let t = T0;
    for (let i = 0; i < 288 * 4; i++, t += FIVE_MIN) updateSeasonal(st, t, daily(t) + g());
    expect(st.components.find((c) => c.period === 86_400_000)?.active).toBe(true);
    const r = updateSeasonal(st, t, daily(t));
    expect(Math.abs(r.expected - daily(t))).toBeLessThan(3);
  });

  it("finds a value normal at its usual hour surprising at another", () => {
    const st = createSeasonal("auto");
    const g = gaussian(6);
    let t = T0;
    for (let i = 0; i < 288 * 4; i++, t += FIVE_MIN) updateSeasonal(st, t, daily(t) + g());
    const peakTime = T0 + 4 * 86_400_000 + 6 * HOUR; // sin peak: 70
    const troughTime = T0 + 4 * 86_400_000 + 18 * HOUR; // sin trough: 30
    // Score (the update learns, so compare on two copies of the state).
    const copy = structuredClone(st);
    const atPeak = updateSeasonal(st, peakTime, 70).surprise;
    const atTrough = updateSeasonal(copy, troughTime, 70).surprise;
    expect(atPeak).toBeLessThan(3);
    expect(atTrough).toBeGreaterThan(10);
  });

  it("stays off for a series without a cycle, and with 'none'", () => {
    const g = gaussian(8);
    const auto = createSeasonal("auto");
    const none = createSeasonal("none");
    let t = T0;
    for (let i = 0; i < 288 * 4; i++, t += FIVE_MIN) {
      updateSeasonal(auto, t, 10 + g());
      updateSeasonal(none, t, daily(t));
    }
    expect(auto.components.some((c) => c.active)).toBe(false);
    expect(none.components).toHaveLength(0);
  });

  it("learns the cycle from irregular intervals with gaps", () => {
    const st = createSeasonal("auto");
    const g = gaussian(10);
    let t = T0;
    for (let i = 0; i < 1400; i++) {
      t += FIVE_MIN * (0.5 + Math.abs(g())) + (i === 700 ? 6 * HOUR : 0);
      updateSeasonal(st, t, daily(t) + 0.5 * g());
    }
    expect(st.components.find((c) => c.period === 86_400_000)?.active).toBe(true);
    expect(Math.abs(updateSeasonal(st, t + FIVE_MIN, daily(t + FIVE_MIN)).expected - daily(t + FIVE_MIN))).toBeLessThan(3);
  });

  it("learns a sharp daily step that the clip would otherwise hold back for weeks, but not a one-off spike", () => {
    // Noise-free square wave: 20 at night, 80 from 09:00 to 18:00. The residual scale is tiny, so every
    // innovation at the edges is far beyond the 4-sigma clip; seen at the same hour two days running, it is the cycle.
    const square = (t: number) => {
      const h = (t % 86_400_000) / HOUR;
      return h >= 9 && h < 18 ? 80 : 20;
    };
    const st = createSeasonal("auto");
    let t = T0;
    for (let i = 0; i < 288 * 8; i++, t += FIVE_MIN) updateSeasonal(st, t, square(t) + (i === 288 * 6 + 30 ? 500 : 0));
    const noon = T0 + 8 * 86_400_000 + 12 * HOUR;
    const copy = structuredClone(st);
    expect(Math.abs(updateSeasonal(st, noon, 80).expected - 80)).toBeLessThan(3);
    // The night level is learned too (clipped updates alone leave it near the day's mean for weeks), and the
    // spike at 02:30 on day 6 happened once: the profile at that hour still expects the night.
    expect(Math.abs(updateSeasonal(copy, T0 + 8 * 86_400_000 + 2.5 * HOUR, 20).expected - 20)).toBeLessThan(10);
  });
});
