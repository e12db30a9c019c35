import { createHist, histCount, learnHist, type HistState } from "./calibrate.ts";
import type { MemberName } from "./member.ts";
import type { Tuning } from "./tuning.ts";

/** Bins of the per-member excursion-peak histograms (quarter octaves of 1 + evidence: 24 reach about 60 nats, past any member's knee). */
const PEAK_BINS = 24;

/** Per member: a histogram of its past excursion peaks and the running excursion's maximum (absent in older snapshots). */
export interface MemberRateState {
  memberPeaks?: Record<string, HistState>;
  memberExc?: Record<string, number>;
}

/** The per-member excursion rate normalisation of evidence `s` (see Tuning.memberRateMemory); learns the excursion too. */
export function memberRate(state: MemberRateState, m: MemberName, s: number, tuning: Tuning): number {
  const peaks = (state.memberPeaks ??= {});
  const excs = (state.memberExc ??= {});
  const ph = (peaks[m] ??= createHist(PEAK_BINS));
  // Rounding in the histogram calibration can leave a hair below 0: evidence is never negative.
  let out = Math.max(0, s);
  if (s > 0 && ph.total > 0) {
    const past = histCount(ph, s, 0) - tuning.memberRateFree;
    if (past > 0) out = Math.max(0, s - tuning.memberRateGain * Math.log1p(past));
  }
  const exc = excs[m] ?? 0;
  if (s >= tuning.memberRateFloor) excs[m] = Math.max(exc, s);
  else if (exc > 0) {
    learnHist(ph, exc, tuning.memberRateMemory);
    excs[m] = 0;
  }
  return out;
}
