import type { Tuning } from "./tuning.ts";

/** What the periodic-recurrence discount remembers of a series (fields absent in older snapshots). */
export interface RecurrenceState {
  /** Points seen and the last point's time (owned by the ensemble; read here for the sampling step). */
  n: number;
  lastT: number;
  /** Onset times of recent excursions (oldest first) and each one's peak first-level evidence. */
  recurOn?: number[];
  recurPk?: number[];
  /** The open excursion's discount (−1: none open) and the highest peak of its chain. */
  recurDisc?: number;
  recurPeak?: number;
}

/** The periodic-recurrence discount of `evidence` (see Tuning.recurFloor) at time `t`; learns the excursion onsets too. */
export function recur(state: RecurrenceState, t: number, first: number, evidence: number, tuning: Tuning): number {
  const open = (state.recurDisc ?? -1) >= 0;
  if (first < tuning.recurFloor) {
    if (open) state.recurDisc = -1;
    return evidence;
  }
  const on = (state.recurOn ??= []);
  const pk = (state.recurPk ??= []);
  if (!open) {
    // The sampling step here: the tolerance's unit, and periods under two steps are not considered.
    const step = state.n > 0 ? Math.max(0, t - state.lastT) : 0;
    let best = 0;
    let bestPeak = 0;
    for (let j = on.length - 1; j >= 0; j--) {
      const gap = t - on[j]!;
      if (gap <= 0 || gap < 2 * step) continue;
      const tol = tuning.recurTol * step + tuning.recurTolFrac * gap;
      // The chain of onsets at 2·gap, 3·gap, … back (the ring is in time order, so scan down from j).
      let c = 1;
      let peak = pk[j]!;
      let k = j - 1;
      for (let i = 2; ; i++) {
        const want = t - i * gap;
        while (k >= 0 && on[k]! > want + tol) k--;
        if (k < 0 || Math.abs(on[k]! - want) > tol) break;
        c++;
        if (pk[k]! > peak) peak = pk[k]!;
        k--;
      }
      if (c > best) {
        best = c;
        bestPeak = peak;
      }
    }
    state.recurDisc = best >= tuning.recurMin ? tuning.recurGain * Math.log1p(best) : 0;
    state.recurPeak = bestPeak;
    on.push(t);
    pk.push(first);
    if (on.length > tuning.recurRing) {
      on.shift();
      pk.shift();
    }
  } else if (first > pk[pk.length - 1]!) pk[pk.length - 1] = first;
  // A repeat much stronger than any in its chain is news again.
  if (first > (state.recurPeak ?? 0) + tuning.recurMargin) state.recurDisc = 0;
  return Math.max(0, evidence - state.recurDisc!);
}
