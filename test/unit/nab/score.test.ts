import { describe, expect, it } from "vitest";
import { buildCorpus, evaluate, NAB_PROFILES, nabScores, optimizeThreshold, probationRows, scoreAt, windowCurve } from "../../../src/nab/score.ts";
import { formatScoredCsv, parseNabCsv } from "../../../src/nab/csv.ts";
import { parseNabTime } from "../../../src/nab/time.ts";

const STD = NAB_PROFILES.standard;
const T0 = Date.UTC(2020, 0, 1);

/** One file of n 5-minute rows, windows as row-index pairs, score 1 on `detections`. */
function file(n: number, windows: Array<[number, number]>, detections: number[], name = "syn/f.csv") {
  const times = Array.from({ length: n }, (_, i) => T0 + i * 300_000);
  return {
    name,
    times,
    windows: windows.map(([a, b]) => [times[a]!, times[b]!] as [number, number]),
    scores: times.map((_, i): number => (detections.includes(i) ? 1 : 0)),
  };
}

const rawAt = (f: ReturnType<typeof file>, thr = 0.5) => scoreAt(buildCorpus([f]), STD, thr).raw;

describe("NAB scoring", () => {
  it("uses NAB's scaled sigmoid", () => {
    expect(windowCurve(-1)).toBeCloseTo(0.98661, 5);
    expect(windowCurve(0)).toBe(0);
    expect(windowCurve(3.5)).toBe(-1);
  });

  it("skips 15% of a file, at most 750 rows", () => {
    expect(probationRows(100)).toBe(15);
    expect(probationRows(4032)).toBe(604);
    expect(probationRows(18050)).toBe(750);
  });

  it("scores a detection on a window's first row as exactly +1 (the reference's cases, with no probation)", () => {
    // 1000 rows: probation 150 rows, so place everything after it.
    expect(rawAt(file(1000, [[400, 409]], [400]))).toBeCloseTo(1, 9);
  });

  it("rewards earlier detections more, and counts only the first in a window", () => {
    const early = rawAt(file(1000, [[400, 409]], [402]));
    const both = rawAt(file(1000, [[400, 409]], [402, 405]));
    const late = rawAt(file(1000, [[400, 409]], [408]));
    expect(early).toBeGreaterThan(late);
    expect(late).toBeGreaterThan(0);
    expect(both).toBeCloseTo(early, 12);
  });

  it("charges a miss fnWeight and a false positive before any window fpWeight", () => {
    expect(rawAt(file(1000, [[400, 409]], [200]))).toBeCloseTo(-1.11, 9);
  });

  it("charges little for a false positive just after a window and the full weight far from it", () => {
    const near = rawAt(file(2000, [[400, 409]], [400, 410])) - 1;
    const far = rawAt(file(2000, [[400, 409]], [400, 1500])) - 1;
    expect(near).toBeGreaterThan(-0.11);
    expect(near).toBeLessThan(-0.01);
    expect(far).toBeCloseTo(-0.11, 9);
  });

  it("ignores detections in the probationary period", () => {
    expect(rawAt(file(1000, [[400, 409]], [5, 400]))).toBeCloseTo(1, 9);
  });

  it("normalises the null detector to 0 and a perfect one to 100", () => {
    expect(evaluate(buildCorpus([file(1000, [[400, 409]], [])]), STD).normalized).toBeCloseTo(0, 9);
    expect(evaluate(buildCorpus([file(1000, [[400, 409]], [400])]), STD).normalized).toBeCloseTo(100, 9);
  });

  it("optimises one threshold over the corpus and prefers the highest on ties", () => {
    const a = file(1000, [[400, 409]], [], "a/a.csv");
    a.scores[400] = 0.9;
    a.scores[700] = 0.8; // a false positive just below the true detection
    const corpus = buildCorpus([a]);
    const best = optimizeThreshold(corpus, STD);
    expect(best.threshold).toBe(0.9);
    expect(best.raw).toBeCloseTo(1, 9);
  });

  it("gives each profile its own threshold", () => {
    const a = file(1000, [[400, 409]], [], "a/a.csv");
    a.scores[409] = 0.9; // a detection on the window's last row is worth 0.25
    for (const i of [200, 250, 300, 350, 400]) a.scores[i] = 0.5; // 4 FPs and a first-row detection (worth 1) at a lower score
    const s = nabScores([a]);
    expect(s.standard.threshold).toBe(0.5); // 4 × 0.11 < the 0.75 gained by detecting earlier
    expect(s.reward_low_FP_rate.threshold).toBe(0.9); // 4 × 0.22 is not
  });

  it("treats non-finite scores as no detection", () => {
    const f = file(1000, [[400, 409]], [400]);
    f.scores[400] = Number.NaN;
    expect(rawAt(f, -1e9)).toBeLessThan(0);
  });
});

describe("NAB files", () => {
  it("parses timestamps with and without fractions to the same instant", () => {
    expect(parseNabTime("2014-02-19 10:50:00.000000")).toBe(parseNabTime("2014-02-19 10:50:00"));
    expect(parseNabTime("2014-02-19 10:50:00")).toBe(Date.UTC(2014, 1, 19, 10, 50));
    expect(parseNabTime("nope")).toBeNaN();
  });

  it("echoes the input's text and appends the score", () => {
    const s = parseNabCsv("timestamp,value\n2014-01-01 00:00:00,1.50\n2014-01-01 00:05:00,2\n");
    expect(s.values).toEqual([1.5, 2]);
    expect(formatScoredCsv(s, [0, 0.25])).toBe("timestamp,value,anomaly_score\n2014-01-01 00:00:00,1.50,0\n2014-01-01 00:05:00,2,0.25\n");
  });
});
