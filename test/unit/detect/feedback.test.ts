import { describe, expect, it } from "vitest";
import { applyFeedback, createDetector, DEFAULT_DETECTOR_CONFIG, initialWeights, MEMBER_NAMES } from "../../../src/detect/index.ts";
import { makeSeries } from "./helpers.ts";

const breakdown = MEMBER_NAMES.map((name) => ({ name, score: name === "iforest" ? 0.9999 : 0.1, flagged: name === "iforest" }));

describe("feedback on member weights", () => {
  it("raises the weight of members that flagged a true anomaly and lowers it for a false one", () => {
    const up = applyFeedback(initialWeights(), breakdown, "true_positive");
    const down = applyFeedback(initialWeights(), breakdown, "false_positive");
    expect(up.iforest).toBeGreaterThan(1);
    expect(up.robust_z).toBeLessThan(1);
    expect(down.iforest).toBeLessThan(1);
    expect(down.robust_z).toBeGreaterThan(1);
  });

  it("keeps weights normalised, bounded, and is pure", () => {
    const start = initialWeights();
    let w = start;
    for (let i = 0; i < 100; i++) w = applyFeedback(w, breakdown, "false_positive");
    expect(start.iforest).toBe(1);
    expect(w.iforest).toBeGreaterThanOrEqual(0.1);
    for (const m of MEMBER_NAMES) expect(w[m]).toBeLessThanOrEqual(4);
    expect(applyFeedback(null, [{ name: "nope", score: 1, flagged: true }], "true_positive")).toEqual(initialWeights());
  });

  it("changes what the adaptive sensitivity scores, and only it", () => {
    const s = makeSeries(1500, (i, e) => 100 + 5 * e + (i === 1200 ? 40 : 0));
    let w = initialWeights();
    for (let i = 0; i < 20; i++) w = applyFeedback(w, breakdown, "false_positive");
    const score = (sensitivity: "adaptive" | "medium", weights?: Record<string, number>) => {
      const d = createDetector({ ...DEFAULT_DETECTOR_CONFIG, sensitivity, weights });
      const vs = s.x.map((x, i) => d.update(s.t[i]!, x));
      return vs[1200]!.algorithms.find((a) => a.name === "iforest")!.weight;
    };
    expect(score("adaptive", w)).toBeLessThan(score("adaptive"));
    expect(score("medium", w)).toBe(score("medium"));
  });
});
