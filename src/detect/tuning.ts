import type { TailPrior } from "./calibrate.ts";
import { DEFAULT_LAGGED, type LaggedParams } from "./lagged.ts";
import type { KnnParams } from "./knn.ts";
import type { MemberName } from "./member.ts";

/**
 * Every knob of the ensemble (src/detect/ensemble.ts) and its defaults. Each
 * mechanism added after the first version has a value that switches it off and
 * reproduces the detector as it was before it; `npm run bench:nab -- --tuning`
 * overrides any of them for an experiment (bench/results/nab-experiments.md).
 */
export interface Tuning {
  /** Default member weights (they scale each member's evidence in the max as well as in the mean; above 1 they only add to the mean). */
  weights: Record<MemberName, number>;
  /** Evidence combination: weighted mean of surprisals blended with their max. */
  maxBlend: number;
  /** Alert thresholds on the score per sensitivity, as −log10(1 − score). */
  alertLog10: { low: number; medium: number; high: number; adaptive: number };
  /** Decay per point of the novelty gate's memory of the last peak (fraction kept). */
  peakDecay: number;
  /**
   * How much of the remembered peak a new point's evidence must exceed, and by how much more (−ln p, so
   * 0.5 ≈ 1.6 × rarer). gateMargin was 0.75 before the memory decayed per sampling step (gateGapRate).
   */
  gate: number;
  gateMargin: number;
  /** Evidence below this never opens the gate memory (−ln p). */
  gateFloor: number;
  /**
   * The gate's memory decays per sampling step rather than per point received: the series' typical
   * step is tracked as a running median of ln(Δt) (moved ±gateGapRate per point), and a point that
   * arrives round(Δt / typical step) steps after the previous one decays the remembered peak that many
   * times. A gap, or a sparse night of a metric sampled on change, then forgets as much as the same
   * time of regular points would. On a regularly sampled series nothing changes. 0: off (decay per
   * point, the behaviour before this field, with gateMargin 0.75).
   */
  gateGapRate: number;
  /** Points an episode stays open after the score drops below the alert level. */
  cooldown: number;
  /**
   * Episode hold: a point that passes the novelty gate with evidence of at least episodeFloor (−ln p)
   * opens an episode, and for the next episodeHold sampling steps (counted as the gate's memory
   * counts them; points when gateGapRate is 0) no other point passes the gate (they score as gated points do), however high their
   * evidence climbs: a burst whose evidence climbs over several points is one event, not one per new
   * high. One exception: when the opening point stayed under the alert level of the configured
   * sensitivity, a later point that reaches it still passes, so the hold never withholds an episode's
   * first alert. The gate's memory still learns every point. episodeFloor 0: off (the behaviour
   * before this field); default 5.5 nats, 48 steps.
   */
  episodeFloor: number;
  episodeHold: number;
  /** Minimum points kept in the window after a level shift. */
  shiftKeep: number;
  /**
   * Changepoint alert: on the point that confirms a level shift, the changepoint member also scores
   * the shift's size, shiftAlert × |median of the run − median of the older window| / the window's
   * robust scale, through its own calibration (tail, histogram and excursion rate). The shift itself
   * is then the alert, before the window forgets the old level. 0: off.
   */
  shiftAlert: number;
  /**
   * The end of a temporary excursion is not news: a confirmed shift in the opposite direction to the last
   * confirmed shift, between shiftReturnMinAge and shiftReturnAge points after it, whose post-shift median
   * lies within shiftReturnTol × (the excursion's level − the level before it) of the level before it, is
   * not reported by its size (shiftAlert): the point's score is the evidence scaled by (combined evidence
   * with the changepoint member at its CUSUM surprise alone / combined evidence). Everything the detector
   * learns (the member's excursion rate, the histograms, the novelty gate and the episode hold) still sees
   * the full evidence, so the return stays part of its episode and its settling is not news either. The
   * excursion's level is the median of the values since the last shift (the window's older part). A
   * return sooner than shiftReturnMinAge points is the end of a short burst, which is left alone (its
   * start may never have been reported). shiftReturnTol 0: off (the behaviour before this field);
   * default 0.5, 32 to 1024 points.
   */
  shiftReturnTol: number;
  shiftReturnMinAge: number;
  shiftReturnAge: number;
  /** Half-life (points) of the empirical surprise histogram; 0 disables it. */
  histMemory: number;
  /** Evidence (−ln p) is compressed smoothly above this knee, so scores never round to exactly 1. */
  maxEvidence: number;
  /** Octaves below a surprise that still count as "seen before" in the histogram. */
  histSlack: number;
  /** Half-life of the evidence histogram (0: off) and the bonus over its frequency. */
  evMemory: number;
  evBonus: number;
  /** Per-member evidence beyond which growth is logarithmic. */
  memberKnee: number;
  /** Model the tail of ln(1 + surprise) instead of the surprise. */
  logTail: boolean;
  /** Per-member evidence, on a level never seen before, that counts as a novel magnitude. */
  novelMin: number;
  /** Share of the member weight that must see a novel magnitude to bypass the second-level calibration. */
  novelShare: number;
  /** Subsequence length of the discord member, and how far back (points) it looks for a match. */
  discordLength: number;
  discordLags: number;
  /**
   * The discord member's evidence does not count while the window holds fewer than this many values,
   * as right after a level shift truncates it: a nearest neighbour among a dozen earlier stretches,
   * straddling the shift itself, is no evidence that a shape is new. It is still computed and learnt
   * (tail, histogram, excursion rate), so its calibration is unchanged. 0: off (the behaviour before
   * this field); default 32.
   */
  discordMinWindow: number;
  /**
   * Corroboration: when the member holding the maximum evidence is not the changepoint member and no
   * other member reaches loneEvidence nats (weighted as in the max), the point's score is scaled by
   * loneFactor at the decision. The gate's memory, the episode hold and every calibration still see
   * the unscaled evidence, so the rest of that excursion is judged as before. The changepoint member
   * is exempt: its shift alert is by design a single member's view. loneEvidence 0: off (the
   * behaviour before this field); default 1.75 nats, factor 0.6.
   */
  loneEvidence: number;
  loneFactor: number;
  /**
   * Slow shifts: a confirmed level shift whose CUSUM run (points since its onset) is at least
   * slowShiftRun, on a point where the changepoint member holds the largest evidence, is scored
   * × slowShiftFactor at the decision. A level that took that long to confirm drifted there; its
   * confirmation is still reported, but it is not a sudden step. The gate, the episode hold and the
   * calibration see the unscaled evidence. slowShiftRun 0: off (the behaviour before this field);
   * default 24 points, factor 0.7.
   */
  slowShiftRun: number;
  slowShiftFactor: number;
  /** KNN conformal member: lagged vector length, neighbours, reference vectors (from the window), calibration set size. */
  knn: KnnParams;
  /** Isolation Forest + LOF shared lagged model: vector length, trees, sample size, refit period (points), LOF references (a prefix of the sample). A restored series keeps the values it was created with. */
  lagged: LaggedParams;
  /** Per-series rate of alert-level peaks: half-life (points; 0: off) of the peak histogram, floor (−ln p) of a peak, and nats taken off per ln(1 + past peaks at least as high). */
  rateMemory: number;
  rateFloor: number;
  rateGain: number;
  /** Octaves of evidence below the current level still counted as "as high". */
  rateSlack: number;
  /** Past peaks at least as high that are forgiven (a series may repeat a rare event once or twice). */
  rateFree: number;
  /**
   * Per-member rate of excursions, the same normalisation one level down: each member keeps a
   * histogram of its own excursion peaks (one per run of evidence over memberRateFloor, counted
   * once by its peak), and its evidence loses memberRateGain nats per ln(1 + past peaks at least
   * as high − memberRateFree). A member that keeps peaking at a level in this series (the seasonal
   * model on a bursty metric) is discounted there, while the members that have stayed quiet keep
   * their full say. Half-life in points (0: off).
   */
  memberRateMemory: number;
  memberRateFloor: number;
  memberRateGain: number;
  memberRateFree: number;
  /** Reset members' calibration when the seasonal model switches a component on or off. */
  resetOnSeasonChange: boolean;
  /**
   * Periodic recurrence (a cron spike every few hours, a nightly batch): the onset times of the last
   * recurRing excursions of the first-level evidence over recurFloor are remembered. At a new onset,
   * for each remembered onset Δ ago, the chain of earlier onsets at 2Δ, 3Δ, … back is counted (each
   * within recurTol sampling steps + recurTolFrac·Δ; the chain stops at the first missing multiple).
   * With c ≥ recurMin earlier onsets in the best chain the excursion is a regular repeat, and its
   * evidence loses recurGain · ln(1 + c) nats while it lasts, unless its first-level evidence grows
   * more than recurMargin nats over the highest peak of its chain (then it is news again).
   * recurFloor 0: off (the default before this change).
   */
  recurFloor: number;
  recurGain: number;
  recurTol: number;
  recurTolFrac: number;
  recurMin: number;
  recurRing: number;
  recurMargin: number;
  /**
   * Honest young calibration, at the decision only. A young member's tail is estimated from few
   * excesses and tends to be too light (on NAB the mean excess grows about 1.5× past the first
   * thousand points). Each member's evidence is therefore also computed under the posterior
   * predictive of its tail (see TailPrior: up to k0 pseudo-excesses of mean excess me0 on the
   * log scale, faded out over the member's first fadeK excesses). The score is the evidence scaled
   * by (combined predictive evidence / combined plug-in evidence), at most 1. Every piece of state
   * (histograms, excursion rates, the novelty gate) still learns the plug-in evidence, so the
   * detector's memory is unchanged, and a mature series scores exactly as without it. k0 0: off.
   * The prior's mean excess is conservative (0.7; a mature NAB member's is about 0.3): until a member
   * has shown its own bursts, a new metric's first moderate excursions do not page (tailPriorZ keeps the
   * gross ones). Introduced with me0 0.3 (exp-prior); 0.7 with tailPriorZ 2 on the round-3 base.
   */
  tailPrior: TailPrior;
  /**
   * A gross deviation is news whatever the young tails say: the young-calibration shrink never takes the
   * evidence below the Gaussian bound z² / (2·tailPriorZ²) (the cold-start bound's form, with the noise
   * taken twice as large as measured: z 8 keeps up to 8 nats, z 12 up to 18). z is the point's robust z in
   * the window or, with tailPriorZDev, the smaller of that and its deviation from the seasonal
   * expectation (in the seasonal model's scale): a move is gross only if both the recent window and the
   * seasonal model say so, not just because the last stretch was unusually flat. 0: off (tailPrior alone).
   */
  tailPriorZ: number;
  tailPriorZDev: boolean;
}

export const DEFAULT_TUNING: Tuning = {
  weights: { robust_z: 0.7, iqr: 1, esd: 1, seasonal: 1, iforest: 0.35, lof: 0.35, changepoint: 0.8, discord: 1, knn: 0.5 },
  maxBlend: 0.9,
  alertLog10: { low: 6, medium: 4.5, high: 3.5, adaptive: 4.5 },
  peakDecay: 0.995,
  gate: 1,
  gateMargin: 1,
  gateFloor: 3,
  gateGapRate: 0.01,
  cooldown: 12,
  episodeFloor: 5.5,
  episodeHold: 48,
  shiftKeep: 16,
  shiftAlert: 5,
  shiftReturnTol: 0.5,
  shiftReturnMinAge: 32,
  shiftReturnAge: 1024,
  maxEvidence: 26,
  histMemory: 3000,
  histSlack: 0,
  resetOnSeasonChange: false,
  rateMemory: 0,
  rateFloor: 3,
  rateGain: 1,
  rateSlack: 0,
  rateFree: 0,
  memberRateMemory: 5000,
  memberRateFloor: 3,
  memberRateGain: 2,
  memberRateFree: 0.5,
  recurFloor: 3,
  recurGain: 3,
  recurTol: 1,
  recurTolFrac: 0.02,
  recurMin: 3,
  recurRing: 16,
  recurMargin: 3,
  discordLength: 4,
  discordLags: 256,
  discordMinWindow: 32,
  loneEvidence: 1.75,
  loneFactor: 0.6,
  slowShiftRun: 24,
  slowShiftFactor: 0.7,
  knn: { dim: 6, k: 4, refs: 64, cal: 256 },
  lagged: DEFAULT_LAGGED,
  novelMin: 10,
  novelShare: 0.25,
  logTail: true,
  memberKnee: 30,
  evMemory: 3000,
  evBonus: 4,
  tailPrior: { k0: 40, me0: 0.7, fadeK: 150 },
  tailPriorZ: 2,
  tailPriorZDev: true,
};
