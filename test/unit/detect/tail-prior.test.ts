import { describe, expect, it } from "vitest";
import { createTail, learnTail, tailSurprisal, type TailPrior } from "../../../src/detect/calibrate.ts";
import { createEnsemble, DEFAULT_TUNING, type Tuning } from "../../../src/detect/ensemble.ts";
import { DEFAULT_DETECTOR_CONFIG, type DetectorConfig, type Verdict } from "../../../src/detect/index.ts";
import { gaussian, makeSeries } from "./helpers.ts";

/** Young-series calibration: the members' posterior predictive tail (Tuning.tailPrior). */
describe("tailSurprisal with a prior", () => {
  const prior: TailPrior = { k0: 40, me0: 0.3, fadeK: 150 };
  const learnt = (n: number) => {
    const st = createTail();
    const g = gaussian(5);
    for (let i = 0; i < n; i++) learnTail(st, Math.log1p(Math.abs(g())));
    return st;
  };

  it("is heavier than the plug-in tail while few excesses have been seen, less so as they accumulate", () => {
    const young = learnt(300);
    const older = learnt(1000);
    expect(young.k).toBeGreaterThan(10);
    expect(young.k).toBeLessThan(older.k!);
    expect(older.k).toBeLessThan(prior.fadeK);
    const u = Math.log1p(8);
    const gap = (st: ReturnType<typeof createTail>) => tailSurprisal(st, u, 0.01) - tailSurprisal(st, u, 0.01, prior);
    expect(gap(young)).toBeGreaterThan(1);
    expect(gap(older)).toBeGreaterThan(0);
    expect(gap(older)).toBeLessThan(gap(young));
    // Still increasing in u.
    expect(tailSurprisal(young, Math.log1p(10), 0.01, prior)).toBeGreaterThan(tailSurprisal(young, u, 0.01, prior));
  });

  it("is the plug-in tail once the series has shown fadeK excesses of its own, and below the 90th percentile", () => {
    const mature = learnt(3000);
    expect(mature.k).toBeGreaterThanOrEqual(prior.fadeK);
    for (const u of [0.5, 1, 2, 3]) expect(tailSurprisal(mature, u, 0.01, prior)).toBe(tailSurprisal(mature, u, 0.01));
    const young = learnt(300);
    expect(tailSurprisal(young, young.q * 0.9, 0.01, prior)).toBe(tailSurprisal(young, young.q * 0.9, 0.01));
  });

  it("reads a snapshot without an excess count as 10 % of the observations", () => {
    const st = learnt(500);
    const { k: _k, ...old } = st;
    const u = Math.log1p(8);
    expect(tailSurprisal(old, u, 0.01, prior)).toBeCloseTo(tailSurprisal({ ...st, k: 50 }, u, 0.01, prior), 12);
  });
});

const run = (x: number[], t: number[], tuning: Tuning, config: DetectorConfig = DEFAULT_DETECTOR_CONFIG) => {
  const d = createEnsemble(config, null, tuning);
  const vs: Verdict[] = x.map((v, i) => d.update(t[i]!, v));
  return { vs, snap: JSON.stringify(d.snapshot()) };
};
const OFF: Tuning = { ...DEFAULT_TUNING, tailPrior: { ...DEFAULT_TUNING.tailPrior, k0: 0 } };
const evidence = (v: Verdict) => v.breakdown?.evidence ?? 0;

describe("young calibration in the ensemble", () => {
  it("judges a young series' first spike by a heavier tail, and a mature series' exactly as before", () => {
    for (const [at, young] of [[600, true], [3000, false]] as const) {
      const s = makeSeries(at + 10, (i, e) => 100 + 5 * e + (i === at ? 40 : 0), 3);
      const on = run(s.x, s.t, DEFAULT_TUNING).vs;
      const off = run(s.x, s.t, OFF).vs;
      const high = run(s.x, s.t, DEFAULT_TUNING, { ...DEFAULT_DETECTOR_CONFIG, sensitivity: "high" }).vs;
      expect(high[at]!.anomalous).toBe(true);
      expect(off[at]!.anomalous).toBe(true);
      // Mature: only a member with few excesses of its own (the changepoint CUSUM is mostly 0) still has a prior, and it barely counts.
      if (young) expect(evidence(on[at]!)).toBeLessThan(evidence(off[at]!) - 5);
      else expect(evidence(on[at]!)).toBeCloseTo(evidence(off[at]!), 1);
    }
  });

  it("changes only the decision: the state learns as without it, and no score goes up", () => {
    const s = makeSeries(3000, (i, e) => 100 + 5 * e + (i % 400 === 399 ? 30 + (i % 7) * 5 : 0) + (i >= 2200 ? 20 : 0), 9);
    const on = run(s.x, s.t, DEFAULT_TUNING);
    const off = run(s.x, s.t, OFF);
    // Everything but the episode bookkeeping (which follows the decision) is learnt identically.
    const learnt = (snap: string) => {
      const { inEpisode: _e, quiet: _q, ...rest } = JSON.parse(snap) as Record<string, unknown>;
      return JSON.stringify(rest);
    };
    expect(learnt(on.snap)).toBe(learnt(off.snap));
    let shrunk = 0;
    on.vs.forEach((v, i) => {
      expect(v.score).toBeLessThanOrEqual(off.vs[i]!.score);
      if (v.score < off.vs[i]!.score) shrunk++;
    });
    expect(shrunk).toBeGreaterThan(0);
    // Past the prior's reach the scores are the same.
    for (let i = 2500; i < 3000; i++) expect(-Math.log1p(-on.vs[i]!.score)).toBeCloseTo(-Math.log1p(-off.vs[i]!.score), 1);
  });
});

describe("a gross deviation is news whatever the young tails say (tailPriorZ)", () => {
  const NOFLOOR: Tuning = { ...DEFAULT_TUNING, tailPriorZ: 0 };
  const gross = (factor: number) => makeSeries(201, (i, e) => (i < 200 ? 100 * (1 + 0.05 * Math.max(-1, Math.min(1, e / 2))) : 100 * factor));

  it("keeps the full evidence of a gross jump or drop in a 200-point series, which the prior alone would silence", () => {
    for (const factor of [10, 1e-3]) {
      const s = gross(factor);
      const on = run(s.x, s.t, DEFAULT_TUNING).vs[200]!;
      const noFloor = run(s.x, s.t, NOFLOOR).vs[200]!;
      const off = run(s.x, s.t, OFF).vs[200]!;
      expect(noFloor.anomalous).toBe(false);
      expect(on.anomalous).toBe(true);
      expect(on.score).toBe(off.score);
    }
  });

  it("does not bind on a moderate spike: a 4-sigma first spike in a young series is judged by the predictive tails", () => {
    const s = makeSeries(310, (i, e) => 100 + 5 * e + (i === 300 ? 20 : 0), 3);
    const on = run(s.x, s.t, DEFAULT_TUNING).vs[300]!;
    const noFloor = run(s.x, s.t, NOFLOOR).vs[300]!;
    const off = run(s.x, s.t, OFF).vs[300]!;
    expect(on.score).toBe(noFloor.score);
    expect(on.score).toBeLessThan(off.score);
  });

  it("with tailPriorZDev, a move is gross only if the seasonal model agrees with the window's robust z", () => {
    // Wild for 300 points, then calm: a small move at 700 is 8 robust z in the calm window, while the
    // seasonal model, whose scale still remembers the wild start, sees nothing unusual.
    const s = makeSeries(710, (i, e) => 100 + (i < 300 ? 20 * e * e : 0.3 * e) + (i === 700 ? 6 : 0), 4);
    const score = (t: Tuning) => run(s.x, s.t, t).vs[700]!.score;
    const both = score(DEFAULT_TUNING);
    const windowOnly = score({ ...DEFAULT_TUNING, tailPriorZDev: false });
    expect(both).toBeLessThan(windowOnly);
    expect(both).toBeGreaterThanOrEqual(score(NOFLOOR));
    expect(windowOnly).toBeLessThanOrEqual(score(OFF));
  });

  it("lies between the prior's score and the plug-in score, on every point", () => {
    const s = makeSeries(2000, (i, e) => 100 + 5 * e + (i % 150 === 149 ? 10 * (2 + (i % 7)) : 0), 5);
    const on = run(s.x, s.t, DEFAULT_TUNING).vs;
    const noFloor = run(s.x, s.t, NOFLOOR).vs;
    const off = run(s.x, s.t, OFF).vs;
    on.forEach((v, i) => {
      expect(v.score).toBeGreaterThanOrEqual(noFloor[i]!.score);
      expect(v.score).toBeLessThanOrEqual(off[i]!.score);
    });
  });
});
