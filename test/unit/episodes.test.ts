import { describe, expect, it } from "vitest";
import { NO_EPISODE, NORMAL_BELOW, RESOLVE_AFTER, trackEpisode, type EpisodeState } from "../../src/series/episodes.ts";

const calm = { score: 0.01, anomalous: false, algorithms: [{ name: "robust_z", score: 0.01, flagged: false, weight: 1 }] };
const hot = { score: 0.9, anomalous: false, algorithms: [{ name: "robust_z", score: 0.9, flagged: true, weight: 1 }] };
const spike = { ...hot, anomalous: true };

describe("episodes", () => {
  it("open on an anomaly and resolve exactly once after enough normal points", () => {
    let step = trackEpisode(NO_EPISODE, spike, "anm_1");
    expect(step).toEqual({ state: { openId: "anm_1", normalStreak: 0 }, resolvedId: null });
    const resolved: string[] = [];
    for (let i = 0; i < RESOLVE_AFTER * 3; i++) {
      step = trackEpisode(step.state, calm, null);
      if (step.resolvedId) resolved.push(step.resolvedId);
      if (i === RESOLVE_AFTER - 2) expect(resolved).toEqual([]);
    }
    expect(resolved).toEqual(["anm_1"]);
    expect(step.state).toEqual(NO_EPISODE);
  });

  it("restart the normal streak on any abnormal point", () => {
    let state: EpisodeState = trackEpisode(NO_EPISODE, spike, "anm_1").state;
    for (let i = 0; i < RESOLVE_AFTER - 1; i++) state = trackEpisode(state, calm, null).state;
    state = trackEpisode(state, hot, null).state;
    expect(state.normalStreak).toBe(0);
    const borderline = { ...calm, score: NORMAL_BELOW };
    expect(trackEpisode(state, borderline, null).state.normalStreak).toBe(0);
  });

  it("close the open episode when a new one opens", () => {
    const first = trackEpisode(NO_EPISODE, spike, "anm_1");
    const second = trackEpisode(first.state, spike, "anm_2");
    expect(second).toEqual({ state: { openId: "anm_2", normalStreak: 0 }, resolvedId: "anm_1" });
  });

  it("property: every opened episode resolves at most once, in order", () => {
    let seed = 3;
    const rand = () => ((seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647);
    let state: EpisodeState = NO_EPISODE;
    const opened: string[] = [];
    const resolved: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      const r = rand();
      const id = r < 0.02 ? `anm_${i}` : null;
      const step = trackEpisode(state, id ? spike : r < 0.3 ? hot : calm, id);
      if (id) opened.push(id);
      if (step.resolvedId) resolved.push(step.resolvedId);
      state = step.state;
    }
    expect(new Set(resolved).size).toBe(resolved.length);
    expect(resolved).toEqual(opened.slice(0, resolved.length));
    expect(opened.length - resolved.length).toBeLessThanOrEqual(1);
  });
});
