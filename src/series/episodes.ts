import type { Verdict } from "../detect/index.ts";

/**
 * An anomaly episode opens with the point the detector reports as anomalous
 * and closes once the series has looked normal for RESOLVE_AFTER scored points
 * in a row. Closing yields exactly one "resolved" for the episode.
 */
export const RESOLVE_AFTER = 5;
/** A point at or above this score does not count as normal. */
export const NORMAL_BELOW = 0.5;

export interface EpisodeState {
  /** Id of the open episode (its opening anomaly's id), or null. */
  openId: string | null;
  normalStreak: number;
}

export const NO_EPISODE: EpisodeState = { openId: null, normalStreak: 0 };

export interface EpisodeStep {
  state: EpisodeState;
  /** Episode that this point closed, if any. */
  resolvedId: string | null;
}

/** Advances the episode of one series by one scored point. `anomalyId` is set when the point opened an anomaly. */
export function trackEpisode(state: EpisodeState, verdict: Pick<Verdict, "score" | "anomalous" | "algorithms">, anomalyId: string | null): EpisodeStep {
  if (anomalyId !== null) {
    // A new episode replaces an open one: the old one is over.
    return { state: { openId: anomalyId, normalStreak: 0 }, resolvedId: state.openId };
  }
  if (state.openId === null) return { state, resolvedId: null };
  const normal = verdict.score < NORMAL_BELOW && !verdict.algorithms.some((m) => m.flagged);
  const normalStreak = normal ? state.normalStreak + 1 : 0;
  if (normalStreak >= RESOLVE_AFTER) return { state: NO_EPISODE, resolvedId: state.openId };
  return { state: { openId: state.openId, normalStreak }, resolvedId: null };
}
