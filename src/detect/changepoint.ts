import type { MemberResult } from "./member.ts";

/**
 * Two-sided CUSUM (Page 1954) on standardised residuals, clipped so a single
 * spike cannot trip it: it fires on a sustained level shift. `run` counts
 * the points since the statistic last left zero, which dates the onset, so
 * the ensemble can keep only the post-shift values and adapt.
 */
export interface ChangepointState {
  up: number;
  down: number;
  runUp: number;
  runDown: number;
}

export const CUSUM_DRIFT = 1;
export const CUSUM_LIMIT = 12;
const CLIP = 4;

export function createChangepoint(): ChangepointState {
  return { up: 0, down: 0, runUp: 0, runDown: 0 };
}

/** Feeds one standardised residual; reports the surprise (statistic / limit × 3) and a detected shift. */
export function updateChangepoint(st: ChangepointState, z: number): MemberResult & { shift: boolean; run: number } {
  const c = Math.max(-CLIP, Math.min(CLIP, z));
  st.up = Math.max(0, st.up + c - CUSUM_DRIFT);
  st.down = Math.max(0, st.down - c - CUSUM_DRIFT);
  st.runUp = st.up > 0 ? st.runUp + 1 : 0;
  st.runDown = st.down > 0 ? st.runDown + 1 : 0;
  const upper = st.up >= st.down;
  const stat = upper ? st.up : st.down;
  const run = upper ? st.runUp : st.runDown;
  const shift = stat >= CUSUM_LIMIT;
  const out = { surprise: (3 * stat) / CUSUM_LIMIT, sign: stat > 0 ? (upper ? 1 : -1) : 0, shift, run };
  if (shift) resetChangepoint(st);
  return out;
}

export function resetChangepoint(st: ChangepointState): void {
  st.up = 0;
  st.down = 0;
  st.runUp = 0;
  st.runDown = 0;
}
