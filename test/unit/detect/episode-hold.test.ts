import { describe, expect, it } from "vitest";
import { createEnsemble, DEFAULT_TUNING, type Tuning } from "../../../src/detect/ensemble.ts";
import { DEFAULT_DETECTOR_CONFIG, type DetectorSnapshot, type Verdict } from "../../../src/detect/index.ts";
import { makeSeries, runTuned, evidenceOf } from "./helpers.ts";

/** Episode hold (Tuning.episodeFloor / episodeHold): one alert per burst, not one per new high. */
const ON: Tuning = { ...DEFAULT_TUNING, episodeFloor: 5.5, episodeHold: 48 };
const OFF: Tuning = { ...DEFAULT_TUNING, episodeFloor: 0 };
const passed = (v: Verdict) => v.score === 1 - Math.exp(-evidenceOf(v));

/** Noise, then a burst climbing over three points from row `at` (+8, +20, +60), and a lone spike `later` rows after it. */
const burst = (at: number, later: number) =>
  makeSeries(at + later + 100, (i, n) => 10 + n + (i === at ? 8 : i === at + 1 ? 20 : i === at + 2 ? 60 : i === at + later ? 200 : 0), 3);

describe("episode hold", () => {
  it("lets the first point of a climbing burst through and holds the points that climb after it", () => {
    const s = burst(2000, 150);
    const on = runTuned(s.t, s.x, ON);
    const off = runTuned(s.t, s.x, OFF);
    // Before the burst nothing differs.
    for (let i = 0; i < 2000; i++) expect(on[i]!.score).toBe(off[i]!.score);
    expect(passed(on[2000]!)).toBe(true);
    expect(evidenceOf(on[2000]!)).toBeGreaterThanOrEqual(ON.episodeFloor);
    // Without the hold each new high clears the remembered peak and passes again.
    expect(passed(off[2001]!) || passed(off[2002]!)).toBe(true);
    // With it, the climb is the same episode.
    for (const i of [2001, 2002]) {
      expect(evidenceOf(on[i]!)).toBeGreaterThan(ON.episodeFloor);
      expect(passed(on[i]!)).toBe(false);
      expect(on[i]!.score).toBeLessThan(0.8);
    }
  });

  it("never withholds an episode's first alert", () => {
    // The burst opens under the alert level (medium sensitivity), climbs, then reaches it.
    const s = makeSeries(2300, (i, n) => 10 + n + (i === 2000 ? 4 : i === 2001 ? 5 : i === 2002 ? 60 : 0), 3);
    const on = runTuned(s.t, s.x, ON);
    const off = runTuned(s.t, s.x, OFF);
    const alert = DEFAULT_TUNING.alertLog10.medium * Math.LN10;
    expect(passed(on[2000]!)).toBe(true);
    expect(evidenceOf(on[2000]!)).toBeGreaterThanOrEqual(ON.episodeFloor);
    expect(evidenceOf(on[2000]!)).toBeLessThan(alert);
    // The next high is still under the alert level: held.
    expect(evidenceOf(on[2001]!)).toBeLessThan(alert);
    expect(passed(off[2001]!)).toBe(true);
    expect(passed(on[2001]!)).toBe(false);
    // The point that reaches the alert level passes and alerts, as without the hold.
    expect(passed(on[2002]!)).toBe(true);
    expect(on[2002]!.anomalous).toBe(true);
    expect(off[2002]!.anomalous).toBe(true);
  });

  it("counts the hold in sampling steps: a day without data ends it", () => {
    const s = burst(2000, 150);
    // The same burst, with the climbing points a day after the first (288 steps of 5 minutes, one point).
    const t = s.t.map((x, i) => (i >= 2001 ? x + 86_400_000 : x));
    const on = runTuned(t, s.x, ON);
    const off = runTuned(t, s.x, OFF);
    // Without the gap row 2001 is held (first test); after a day it is an event of its own.
    for (let i = 0; i <= 2001; i++) expect(on[i]!.score).toBe(off[i]!.score);
    expect(passed(on[2001]!)).toBe(true);
    // It opens a new episode: the point right after it is held.
    expect(passed(on[2002]!)).toBe(false);
  });

  it("lets a new event through once the hold has run out", () => {
    const s = burst(2000, 150);
    const on = runTuned(s.t, s.x, ON);
    expect(passed(on[2150]!)).toBe(true);
    expect(evidenceOf(on[2150]!)).toBeGreaterThan(8);
  });

  it("changes nothing when no point passes at the floor", () => {
    const s = makeSeries(3000, (i, n) => 10 + n, 5);
    const on = runTuned(s.t, s.x, ON);
    const off = runTuned(s.t, s.x, OFF);
    for (let i = 0; i < s.x.length; i++) if (evidenceOf(off[i]!) < ON.episodeFloor) expect(on[i]!.score).toBe(off[i]!.score);
  });

  it("restores a snapshot taken inside an episode to identical scores", () => {
    const s = burst(2000, 150);
    const whole = runTuned(s.t, s.x, ON);
    const a = createEnsemble(DEFAULT_DETECTOR_CONFIG, null, ON);
    for (let i = 0; i <= 2000; i++) a.update(s.t[i]!, s.x[i]!);
    const snap = JSON.parse(JSON.stringify(a.snapshot())) as DetectorSnapshot;
    const b = createEnsemble(DEFAULT_DETECTOR_CONFIG, snap, ON);
    for (let i = 2001; i < s.x.length; i++) expect(b.update(s.t[i]!, s.x[i]!).score).toBe(whole[i]!.score);
  });
});

/** The discord member's say is muted while a level shift has left the window short (Tuning.discordMinWindow). */
describe("discord after a truncation", () => {
  const MUTE: Tuning = { ...DEFAULT_TUNING, discordMinWindow: 32 };
  const FREE: Tuning = { ...DEFAULT_TUNING, discordMinWindow: 0 };
  const s = makeSeries(2600, (i, n) => (i < 2000 ? 10 : 40) + n + (i % 7 === 0 ? 2 : 0), 9);
  const discordOf = (v: Verdict) => v.algorithms.find((a) => a.name === "discord")?.score ?? 0;

  it("scores nothing from the discord while the window is short, and the same as before elsewhere", () => {
    const on = runTuned(s.t, s.x, MUTE);
    const off = runTuned(s.t, s.x, FREE);
    const shift = on.findIndex((v) => v.breakdown?.levelShift);
    expect(shift).toBeGreaterThan(1990);
    // Up to the shift nothing differs.
    for (let i = 0; i <= shift; i++) expect(on[i]!.score).toBe(off[i]!.score);
    // The window restarts at 16 values or so: the next dozen points carry no discord evidence.
    for (let i = shift + 1; i < shift + 12; i++) expect(discordOf(on[i]!)).toBe(0);
    expect(Math.max(...off.slice(shift + 1, shift + 12).map(discordOf))).toBeGreaterThan(0);
  });
});
