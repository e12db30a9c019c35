import { describe, expect, it } from "vitest";
import { createDetector, DEFAULT_DETECTOR_CONFIG, MEMBER_NAMES, type DetectorConfig, type Verdict } from "../../../src/detect/index.ts";
import { FIVE_MIN, makeSeries, T0 } from "./helpers.ts";

const run = (t: number[], x: number[], config: DetectorConfig = DEFAULT_DETECTOR_CONFIG): Verdict[] => {
  const d = createDetector(config);
  return x.map((v, i) => d.update(t[i]!, v));
};
const alerts = (vs: Verdict[]) => vs.map((v, i) => (v.anomalous ? i : -1)).filter((i) => i >= 0);

const noisy = makeSeries(1500, (i, e) => 100 + 5 * e + (i === 1200 ? 80 : 0));

describe("ensemble detector", () => {
  it("alerts on a clear spike and not on the noise around it", () => {
    const vs = run(noisy.t, noisy.x);
    expect(alerts(vs)).toEqual([1200]);
    const v = vs[1200]!;
    expect(v.score).toBeGreaterThan(0.999);
    expect(v.direction).toBe("up");
    expect(v.deviation).toBeGreaterThan(8);
    expect(v.severity).not.toBe("info");
    expect(v.expected.high).toBeLessThan(180);
    expect(v.expected.low).toBeLessThan(100);
    expect(v.algorithms.filter((a) => a.flagged).length).toBeGreaterThan(0);
    expect(v.breakdown?.expected).toBeGreaterThan(90);
  });

  it("scores in [0, 1] and is deterministic", () => {
    const a = run(noisy.t, noisy.x).map((v) => v.score);
    const b = run(noisy.t, noisy.x).map((v) => v.score);
    expect(a).toEqual(b);
    expect(a.every((s) => s >= 0 && s <= 1)).toBe(true);
  });

  it("is causal: a prefix scores exactly as in the whole series", () => {
    const whole = run(noisy.t, noisy.x).map((v) => v.score);
    const prefix = run(noisy.t.slice(0, 900), noisy.x.slice(0, 900)).map((v) => v.score);
    expect(prefix).toEqual(whole.slice(0, 900));
  });

  it("restores from a JSON snapshot to identical behaviour", () => {
    const d = createDetector(DEFAULT_DETECTOR_CONFIG);
    for (let i = 0; i < 700; i++) d.update(noisy.t[i]!, noisy.x[i]!);
    const json = JSON.stringify(d.snapshot());
    const restored = createDetector(DEFAULT_DETECTOR_CONFIG, JSON.parse(json));
    for (let i = 700; i < 1500; i++) expect(restored.update(noisy.t[i]!, noisy.x[i]!)).toEqual(d.update(noisy.t[i]!, noisy.x[i]!));
  });

  it("keeps the snapshot under 64 KB at the default window", () => {
    const s = makeSeries(6000, (i, e) => 1e6 * Math.PI + 1234.5678 * e + (i % 288) * 17.123);
    const d = createDetector(DEFAULT_DETECTOR_CONFIG);
    s.x.forEach((v, i) => d.update(s.t[i]!, v));
    expect(new TextEncoder().encode(JSON.stringify(d.snapshot())).length).toBeLessThan(64 * 1024);
  });

  it("never alerts while warming up, and says so", () => {
    const s = makeSeries(40, (i) => (i === 20 ? 1e6 : 1 + (i % 3)));
    const vs = run(s.t, s.x, { ...DEFAULT_DETECTOR_CONFIG, minPoints: 30 });
    expect(vs.slice(0, 30).every((v) => v.warmingUp && !v.anomalous)).toBe(true);
    expect(vs[35]!.warmingUp).toBe(false);
  });

  it("catches a gross outlier right after minPoints, before the members are calibrated", () => {
    const s = makeSeries(61, (i) => (i < 60 ? 120 + 5 * Math.sin(i / 5) : 2400));
    const vs = run(s.t, s.x);
    expect(alerts(vs)).toEqual([60]);
    expect(vs[60]!.score).toBeGreaterThan(0.999);
  });

  it("raises exactly one alert on a gross spike or drop after 200 noisy points, and none for a drop with direction up", () => {
    for (const factor of [10, 1e-3]) {
      const s = makeSeries(201, (i, e) => (i < 200 ? 100 * (1 + 0.05 * Math.max(-1, Math.min(1, e / 2))) : 100 * factor));
      expect(alerts(run(s.t, s.x))).toEqual([200]);
      if (factor < 1) expect(alerts(run(s.t, s.x, { ...DEFAULT_DETECTOR_CONFIG, direction: "up" }))).toEqual([]);
    }
  });

  it("calms a series that keeps peaking at the same level, and still alerts on a larger peak", () => {
    const s = makeSeries(4000, (i, e) => 100 + 5 * e + (i > 500 && i % 300 === 0 ? 40 : 0) + (i === 3900 ? 200 : 0));
    // High sensitivity: at 600 points the series is young, and its first spike is judged against
    // the members' predictive tails (see tail-prior.test.ts).
    const vs = run(s.t, s.x, { ...DEFAULT_DETECTOR_CONFIG, sensitivity: "high" });
    const spikes = vs.filter((_, i) => i > 500 && i % 300 === 0 && i < 3900).map((v) => v.breakdown!.evidence);
    // The first one is news; its repeats weigh less and less.
    expect(alerts(vs)).toEqual([600, 3900]);
    expect(spikes[spikes.length - 1]!).toBeLessThan(spikes[1]!);
    expect(vs[3900]!.score).toBeGreaterThan(0.999);
  });

  it("is quiet on a constant series and alerts when it changes", () => {
    const s = makeSeries(600, (i) => (i < 500 ? 42 : 50));
    const vs = run(s.t, s.x);
    expect(alerts(vs)).toEqual([500]);
  });

  it("raises one alert per episode, then adapts to a level shift", () => {
    const s = makeSeries(2000, (i, e) => (i < 1000 ? 10 : 40) + e);
    const vs = run(s.t, s.x);
    expect(alerts(vs)).toEqual([1000]);
    expect(vs.slice(1000, 1010).some((v) => v.breakdown?.levelShift)).toBe(true);
    // Adapted: the band now sits around the new level.
    expect(vs[1999]!.expected.low).toBeGreaterThan(30);
  });

  it("is scale-free: tiny and huge magnitudes give the same alerts", () => {
    const base = makeSeries(1500, (i, e) => 1 + 0.05 * e + (i === 1100 ? 1 : 0));
    const tiny = run(base.t, base.x.map((v) => v * 1e-9));
    const huge = run(base.t, base.x.map((v) => v * 1e12));
    expect(alerts(tiny)).toEqual([1100]);
    expect(alerts(huge)).toEqual([1100]);
  });

  it("handles count series that are mostly zero", () => {
    const s = makeSeries(1500, (i) => (i === 1300 ? 40 : i % 97 === 0 ? 1 : 0));
    const a = alerts(run(s.t, s.x));
    expect(a).toContain(1300);
    // The first non-zero counts may be news; their regular recurrences (13 of them) are not.
    expect(a.filter((i) => i !== 1300).length).toBeLessThanOrEqual(2);
  });

  it("skips non-finite points without learning from them", () => {
    const d1 = createDetector(DEFAULT_DETECTOR_CONFIG);
    const d2 = createDetector(DEFAULT_DETECTOR_CONFIG);
    const out: number[][] = [[], []];
    noisy.x.slice(0, 400).forEach((v, i) => {
      if (i === 200) expect(d1.update(noisy.t[i]!, Number.NaN).score).toBe(0);
      out[0]!.push(d1.update(noisy.t[i]!, v).score);
      out[1]!.push(d2.update(noisy.t[i]!, v).score);
    });
    expect(out[0]).toEqual(out[1]);
  });

  it("respects the direction setting", () => {
    const s = makeSeries(1500, (i, e) => 100 + 5 * e + (i === 1200 ? -80 : 0));
    expect(alerts(run(s.t, s.x, { ...DEFAULT_DETECTOR_CONFIG, direction: "up" }))).toEqual([]);
    expect(alerts(run(s.t, s.x, { ...DEFAULT_DETECTOR_CONFIG, direction: "down" }))).toEqual([1200]);
  });

  it("ignores changes under the magnitude floor", () => {
    const s = makeSeries(1500, (i, e) => 100 + 0.01 * e + (i === 1200 ? 0.5 : 0));
    expect(alerts(run(s.t, s.x))).toEqual([1200]);
    expect(alerts(run(s.t, s.x, { ...DEFAULT_DETECTOR_CONFIG, minDelta: { rel: 0.01 } }))).toEqual([]);
  });

  it("alerts more readily at high sensitivity than at low", () => {
    // Spikes of 6 to 6.8 sigma once the series is mature (the first 1500 points are clean: a young
    // series' spikes are judged by its members' predictive tails, see tail-prior.test.ts).
    const s = makeSeries(3000, (i, e) => 100 + 5 * e + (i >= 1500 && i % 500 === 499 ? 5 * (5 + (i / 500) * 0.3) : 0));
    const count = (sens: DetectorConfig["sensitivity"]) => alerts(run(s.t, s.x, { ...DEFAULT_DETECTOR_CONFIG, sensitivity: sens })).length;
    expect(count("high")).toBeGreaterThan(count("low"));
  });

  it("weighs each member in the max as well: demoted members carry less evidence", () => {
    const ev = (weights?: Record<string, number>) =>
      run(noisy.t, noisy.x, { ...DEFAULT_DETECTOR_CONFIG, sensitivity: "adaptive", ...(weights ? { weights } : {}) })[1200]!.breakdown!.evidence;
    const all = (w: number) => Object.fromEntries(MEMBER_NAMES.map((m) => [m, w]));
    expect(ev(all(0.2))).toBeLessThan(ev());
    // Above the default, a weight only adds to the mean: the evidence cannot fall.
    expect(ev(all(2))).toBeGreaterThanOrEqual(ev() - 1e-9);
  });

  it("runs only the chosen algorithms", () => {
    const vs = run(noisy.t, noisy.x, { ...DEFAULT_DETECTOR_CONFIG, algorithms: ["robust_z", "seasonal"] });
    const w = Object.fromEntries(vs[1200]!.algorithms.map((a) => [a.name, a.weight]));
    expect(w.iforest).toBe(0);
    expect(w.robust_z).toBeGreaterThan(0);
    expect(alerts(vs)).toEqual([1200]);
  });

  it("uses wall-clock time, so irregular intervals still learn a daily cycle", () => {
    let t = T0;
    const ts: number[] = [];
    const xs: number[] = [];
    for (let i = 0; i < 2500; i++) {
      t += FIVE_MIN * (i % 7 === 0 ? 3 : 1);
      ts.push(t);
      xs.push(100 + 50 * Math.sin((2 * Math.PI * (t % 86_400_000)) / 86_400_000) + (i % 5) * 0.3);
    }
    const vs = run(ts, xs);
    expect(Math.abs(vs[2400]!.breakdown!.seasonal)).toBeGreaterThan(5);
    expect(alerts(vs).filter((i) => i > 1500)).toEqual([]);
  });
});
