import { createChangepoint, updateChangepoint, type ChangepointState } from "./changepoint.ts";
import { createHist, createTail, histCount, histSurprisal, learnHist, learnTail, MIN_OBSERVATIONS, tailSurprisal, type HistState, type TailPrior, type TailState } from "./calibrate.ts";
import { discord } from "./discord.ts";
import { generalizedEsd } from "./esd.ts";
import { iqrFences } from "./iqr.ts";
import { createKnn, knnScore, learnKnn, restoreKnn, type KnnParams, type KnnState } from "./knn.ts";
import { createLagged, DEFAULT_LAGGED, LaggedModels, type LaggedParams, type LaggedState } from "./lagged.ts";
import { MEMBER_NAMES, type MemberName, type MemberResult } from "./member.ts";
import { robustZ } from "./robust-z.ts";
import { createSeasonal, shiftSeasonalLevel, updateSeasonal, type SeasonalState } from "./seasonal.ts";
import { createWindow, pushWindow, shiftLevels, shiftSize, truncateWindow, windowSize, type WindowState } from "./window.ts";
import type { Detector, DetectorConfig, DetectorSnapshot, MemberScore, Severity, Verdict } from "./index.ts";

/**
 * The ensemble: every member scores the point against the past, each
 * surprise is calibrated into a tail probability against that member's own
 * history, and the weighted evidence (−ln p) becomes the score. A novelty
 * gate then keeps one high score per episode, and a confirmed level shift
 * makes the window forget the old level (alert once, then adapt).
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

export const DEFAULT_WINDOW = 1024;
/** Values the window must hold before the cold-start bound may add evidence. */
const COLD_MIN_WINDOW = 16;
/** How much wider than measured the cold-start Gaussian bound takes the noise to be. */
const COLD_SCALE = 4;
/** Bins of the per-member excursion-peak histograms (quarter octaves of 1 + evidence: 24 reach about 60 nats, past any member's knee). */
const PEAK_BINS = 24;

interface EnsembleState {
  v: 2;
  n: number;
  lastT: number;
  win: WindowState;
  seasonal: SeasonalState;
  lagged: LaggedState;
  cp: ChangepointState;
  /** Calibration set of the KNN member (absent in older snapshots). */
  knn?: KnnState;
  tails: Record<string, TailState>;
  hists: Record<string, HistState>;
  /** Histogram of the combined evidence: the second-level calibration. */
  evHist: HistState;
  peak: number;
  /** ln of the typical sampling step (ms), a running median (absent: not yet seen, or gateGapRate off). */
  gapLog?: number;
  /** Histogram of past evidence peaks (one per excursion over rateFloor) and the running excursion's maximum (0: none open). */
  peakHist?: HistState;
  excursion?: number;
  /** Per member: histogram of its past excursion peaks and the running excursion's maximum (absent in older snapshots). */
  memberPeaks?: Record<string, HistState>;
  memberExc?: Record<string, number>;
  /** Periodic recurrence: onset times of recent excursions (oldest first) and each one's peak first-level evidence. */
  recurOn?: number[];
  recurPk?: number[];
  /** The open excursion's discount (−1: none open) and the highest peak of its chain (absent in older snapshots). */
  recurDisc?: number;
  recurPeak?: number;
  /** Sampling steps since a point passed the gate with evidence ≥ episodeFloor, and that point's evidence (absent: none within episodeHold). */
  epiAge?: number;
  epiOpen?: number;
  /** The last confirmed shift: the level before it (window values before its run), its direction and the point count then (absent: none, or shiftReturnTol off). */
  cpLast?: { pre: number; sign: number; n: number };
  inEpisode: boolean;
  quiet: number;
}

function freshState(config: DetectorConfig, tuning: Tuning): EnsembleState {
  const tails: Record<string, TailState> = {};
  const hists: Record<string, HistState> = {};
  for (const m of MEMBER_NAMES) {
    tails[m] = createTail();
    hists[m] = createHist();
  }
  return {
    v: 2,
    n: 0,
    lastT: 0,
    win: createWindow(config.window ?? DEFAULT_WINDOW),
    seasonal: createSeasonal(config.seasonality),
    lagged: createLagged(tuning.lagged),
    cp: createChangepoint(),
    knn: createKnn(),
    tails,
    hists,
    evHist: createHist(),
    peak: 0,
    inEpisode: false,
    quiet: 0,
  };
}

function restore(snapshot: EnsembleState): EnsembleState {
  const state = structuredClone(snapshot);
  state.win.sorted = [...state.win.ring].sort((a, b) => a - b);
  if (state.knn) restoreKnn(state.knn);
  // A member added since the snapshot was taken starts its calibration afresh.
  for (const m of MEMBER_NAMES) {
    state.tails[m] ??= createTail();
    state.hists[m] ??= createHist();
  }
  return state;
}

function isState(s: unknown): s is EnsembleState {
  const o = s as Partial<EnsembleState> | null;
  return !!o && o.v === 2 && typeof o.n === "number" && !!o.win && !!o.seasonal && !!o.lagged && !!o.cp && !!o.tails;
}

/** Member weights in force: the feedback-adapted ones for "adaptive", the defaults otherwise. */
function weightsFor(config: DetectorConfig, tuning: Tuning): Record<MemberName, number> {
  const w = { ...tuning.weights };
  if (config.sensitivity === "adaptive" && config.weights) {
    for (const m of MEMBER_NAMES) {
      const v = config.weights[m];
      if (typeof v === "number" && Number.isFinite(v) && v >= 0) w[m] = tuning.weights[m] * v;
    }
  }
  const enabled = config.algorithms && config.algorithms.length ? new Set(config.algorithms) : null;
  if (enabled) for (const m of MEMBER_NAMES) if (!enabled.has(m)) w[m] = 0;
  return w;
}

export function createEnsemble(config: DetectorConfig, snapshot: DetectorSnapshot | null | undefined, tuning: Tuning): Detector {
  const state: EnsembleState = isState(snapshot) ? restore(snapshot) : freshState(config, tuning);
  const models = new LaggedModels(state.lagged, config.seed ?? 0x5eed);
  const weights = weightsFor(config, tuning);
  const alertEvidence = tuning.alertLog10[config.sensitivity] * Math.LN10;
  const zBand = Math.sqrt(2 * alertEvidence);
  const floorAbs = config.minDelta?.abs ?? 0;
  const floorRel = config.minDelta?.rel ?? 0;
  const used = MEMBER_NAMES.filter((m) => weights[m] > 0);
  const scratch = new Float64Array(Math.max(state.win.capacity + 1, tuning.knn.refs + 2 * tuning.knn.dim));
  const totalWeight = used.reduce((s, m) => s + weights[m], 0) || 1;

  const update = (timestamp: number, value: number): Verdict => {
    if (!Number.isFinite(value) || !Number.isFinite(timestamp)) return idleVerdict(state, value, config.minPoints);
    const win = state.win;
    const warm = windowSize(win) > 0;
    // Score against the past.
    const results: Partial<Record<MemberName, MemberResult>> = {};
    // Window members see the deseasonalized value, so a daily swing is not an outlier.
    const se = updateSeasonal(state.seasonal, timestamp, value);
    const d = value - se.seasonal;
    const rz = warm ? robustZ(win.sorted, d) : null;
    let knnAlpha = Number.NaN;
    // Members switched off by `algorithms` are not computed at all.
    if (rz) {
      results.robust_z = rz;
      if (weights.iqr > 0) results.iqr = iqrFences(win.sorted, d);
      if (weights.esd > 0) results.esd = generalizedEsd(win.sorted, d);
      if (weights.discord > 0) results.discord = discord(win, d, rz.scale, tuning.discordLength, tuning.discordLags, scratch);
      if (weights.knn > 0) {
        const kr = knnScore((state.knn ??= createKnn()), win, d, rz.scale, tuning.knn, scratch);
        results.knn = kr;
        knnAlpha = kr.alpha;
      }
    }
    results.seasonal = se;
    const useLagged = weights.iforest > 0 || weights.lof > 0;
    if (useLagged) {
      const lag = models.score(win, d);
      results.iforest = lag.iforest;
      results.lof = lag.lof;
    }
    const cp = updateChangepoint(state.cp, se.surprise * se.sign);
    results.changepoint = cp;

    // Magnitude floor: a change smaller than the floor is not news, whatever its z.
    const delta = Math.abs(value - se.expected);
    const belowFloor = delta < Math.max(floorAbs, floorRel * Math.abs(se.expected));
    const dirOk = (sign: number) => config.direction === "both" || (config.direction === "up" ? sign >= 0 : sign <= 0);

    let wsum = 0;
    let smax = 0;
    // A return (shiftReturnTol): the changepoint member's evidence without the shift's size (-1: not a
    // return), its evidence as scored, and the largest weighted evidence of the other members.
    let cpNoSize = -1;
    let cpScored = 0;
    let smaxOther = 0;
    // The same combination under the members' predictive tails (tailPrior).
    const usePrior = tuning.tailPrior.k0 > 0;
    let wsumP = 0;
    let smaxP = 0;
    // Weight of the members that see a magnitude this series has never shown.
    let novel = 0;
    const algorithms: MemberScore[] = [];
    // The strongest and second-strongest weighted member evidence (corroboration).
    let top1 = 0;
    let top2 = 0;
    let topM: MemberName | null = null;
    for (const m of MEMBER_NAMES) {
      const r = results[m];
      const tail = state.tails[m]!;
      let s = 0;
      let sp = 0;
      if (r) {
        const hist = state.hists[m]!;
        // The tail is modelled on ln(1 + u): a Pareto tail, honest about heavy-tailed metrics.
        const lu = tuning.logTail ? Math.log1p(r.surprise) : r.surprise;
        const hs = tuning.histMemory > 0 ? histSurprisal(hist, r.surprise, tuning.histSlack) : Infinity;
        const minExcess = tuning.logTail ? 0.01 : 0.05;
        const scored = !belowFloor && dirOk(r.sign);
        s = scored ? Math.min(tailSurprisal(tail, lu, minExcess), hs) : 0;
        if (usePrior) sp = scored ? Math.min(tailSurprisal(tail, lu, minExcess, tuning.tailPrior), hs) : 0;
        // Novel: over twice any surprise this member has seen (within the histogram's memory).
        if (s >= tuning.novelMin && histSurprisal(hist, r.surprise, 1) === Infinity) novel += weights[m];
        // Soft ceiling per member: past it, more surprise adds little, so no single member drowns the rest.
        if (s > tuning.memberKnee) s = tuning.memberKnee + Math.log1p(s - tuning.memberKnee);
        if (sp > tuning.memberKnee) sp = tuning.memberKnee + Math.log1p(sp - tuning.memberKnee);
        // Changepoint alert: the confirmed shift is scored by its size too (learning stays on the CUSUM's own surprise).
        if (m === "changepoint" && cp.shift && tuning.shiftAlert > 0 && rz && !belowFloor && dirOk(cp.sign)) {
          const keep = Math.max(tuning.shiftKeep, cp.run);
          // The end of a temporary excursion (back to the level before the last, opposite shift).
          const last = state.cpLast;
          const age = last ? state.n - last.n : 0;
          if (tuning.shiftReturnTol > 0 && last && last.sign === -cp.sign && age >= tuning.shiftReturnMinAge && age <= tuning.shiftReturnAge) {
            const lv = shiftLevels(win, keep);
            if (lv && Math.abs(lv.newer - last.pre) <= tuning.shiftReturnTol * Math.abs(lv.older - last.pre)) cpNoSize = s;
          }
          const sz = shiftSize(win, keep, rz.scale) * tuning.shiftAlert;
          const lz = tuning.logTail ? Math.log1p(sz) : sz;
          const hz = histSurprisal(hist, sz, tuning.histSlack);
          s = Math.max(s, Math.min(tailSurprisal(tail, lz, minExcess), hz));
          if (usePrior) sp = Math.max(sp, Math.min(tailSurprisal(tail, lz, minExcess, tuning.tailPrior), hz));
        }
        if (tuning.memberRateMemory > 0) {
          const before = s;
          s = memberRate(state, m, s, tuning);
          // The predictive evidence takes the same excursion-rate discount (learnt once, on the plug-in evidence).
          sp = Math.max(0, sp - (before - s));
        }
        learnTail(tail, lu);
        if (tuning.histMemory > 0) learnHist(hist, r.surprise, tuning.histMemory);
        // A discord searched among a handful of stretches (the window just truncated) is not evidence.
        if (m === "discord" && tuning.discordMinWindow > 0 && windowSize(win) < tuning.discordMinWindow) {
          s = 0;
          sp = 0;
        }
      }
      if (weights[m] > 0) {
        wsum += weights[m] * s;
        // The max is weighted too (a weight above 1 counts as 1), so a member with a low default
        // weight, or one that feedback has demoted, cannot carry the evidence on its own.
        const sw = s * Math.min(1, weights[m]);
        if (sw > smax) smax = sw;
        if (sw > top1) {
          top2 = top1;
          top1 = sw;
          topM = m;
        } else if (sw > top2) top2 = sw;
        if (m === "changepoint") cpScored = s;
        else if (sw > smaxOther) smaxOther = sw;
        if (usePrior) {
          wsumP += weights[m] * sp;
          const swp = sp * Math.min(1, weights[m]);
          if (swp > smaxP) smaxP = swp;
        }
      }
      algorithms.push({ name: m, score: 1 - Math.exp(-s), flagged: s >= alertEvidence, weight: weights[m] / totalWeight });
    }
    const mean = wsum / totalWeight;
    const combined = (1 - tuning.maxBlend) * mean + tuning.maxBlend * smax;
    const knee = tuning.maxEvidence;
    let first = combined <= knee ? combined : knee + 8 * (1 - Math.exp(-(combined - knee) / 8));
    // Cold start: until the members' calibration is trusted, bounds on the robust z
    // still catch gross outliers: distribution-free (Chebyshev, P(|Z| >= z) <= 1/z^2),
    // and a Gaussian tail with the scale inflated COLD_SCALE-fold (z = 20 is then about 12.5 nats).
    if (rz && state.tails.robust_z!.n < MIN_OBSERVATIONS && windowSize(win) >= COLD_MIN_WINDOW && rz.surprise > 1 && !belowFloor && dirOk(rz.sign)) {
      const z = rz.surprise;
      first = Math.max(first, Math.min(knee, Math.max(2 * Math.log(z), (z * z) / (2 * COLD_SCALE * COLD_SCALE))));
    }
    // Second level: evidence this strong is only as rare as this series has made it.
    // A magnitude that several members have never seen is news however often strong evidence came before.
    const isNovel = novel >= tuning.novelShare * totalWeight;
    let evidence = tuning.evMemory > 0 && !isNovel ? Math.min(first, histSurprisal(state.evHist, first, 0) + tuning.evBonus) : first;
    if (tuning.evMemory > 0) learnHist(state.evHist, first, tuning.evMemory);
    // Rate normalisation: a series that has often peaked this high is chatty at this level.
    if (tuning.rateMemory > 0) {
      const ph = (state.peakHist ??= createHist());
      if (evidence > 0 && ph.total > 0) {
        const past = histCount(ph, evidence, tuning.rateSlack) - tuning.rateFree;
        if (past > 0) evidence = Math.max(0, evidence - tuning.rateGain * Math.log1p(past));
      }
      const exc = state.excursion ?? 0;
      if (first >= tuning.rateFloor) state.excursion = Math.max(exc, first);
      else if (exc > 0) {
        learnHist(ph, exc, tuning.rateMemory);
        state.excursion = 0;
      }
    }

    // Periodic recurrence: an excursion that starts on a regular schedule of earlier ones is a repeat.
    if (tuning.recurFloor > 0) evidence = recur(state, timestamp, first, evidence, tuning);

    // The gate's memory forgets by sampling steps elapsed, so a gap in the data counts as time passed.
    let elapsed = 1;
    if (tuning.gateGapRate > 0 && state.n > 0 && timestamp > state.lastT) {
      const l = Math.log(timestamp - state.lastT);
      const typ = state.gapLog ?? l;
      const steps = Math.round(Math.exp(l - typ));
      elapsed = Math.max(1, steps);
      if (steps > 1 && state.peak > 0) {
        state.peak *= tuning.peakDecay ** (steps - 1);
        if (state.peak < tuning.gateFloor) state.peak = 0;
      }
      state.gapLog = typ + (l > typ ? tuning.gateGapRate : l < typ ? -tuning.gateGapRate : 0);
    }
    // Novelty gate: within the memory of a recent peak, only evidence above it counts.
    const remembered = state.peak;
    let passes = !(remembered > 0 && evidence <= tuning.gate * remembered + tuning.gateMargin);
    // Episode hold: within episodeHold steps of a point that passed at episodeFloor or more, nothing
    // else passes, unless it is the episode's first point at the alert level.
    if (tuning.episodeFloor > 0) {
      const age = state.epiAge === undefined ? undefined : state.epiAge + elapsed;
      const open = state.epiOpen ?? 0;
      if (passes && age !== undefined && age <= tuning.episodeHold && !(evidence >= alertEvidence && open < alertEvidence)) passes = false;
      if (passes && evidence >= tuning.episodeFloor) {
        state.epiAge = 0;
        state.epiOpen = evidence;
      } else if (age !== undefined && age < tuning.episodeHold) state.epiAge = age;
      else {
        delete state.epiAge;
        delete state.epiOpen;
      }
    }
    let gated = passes ? evidence : Math.min(evidence, tuning.gateFloor) * 0.5;
    state.peak = Math.max(state.peak * tuning.peakDecay, evidence >= tuning.gateFloor ? evidence : 0);
    if (state.peak < tuning.gateFloor) state.peak = 0;
    // Young calibration: the decision takes the predictive tails' share of the evidence (state is not affected).
    let shrink = 1;
    let zFloor = 0;
    if (usePrior && combined > 0) {
      shrink = Math.min(1, ((1 - tuning.maxBlend) * (wsumP / totalWeight) + tuning.maxBlend * smaxP) / combined);
      // ...but never below the Gaussian bound of a gross deviation (tailPriorZ).
      if (tuning.tailPriorZ > 0 && rz && !belowFloor && dirOk(rz.sign)) {
        const dz = Math.abs((value - se.expected) / se.scale);
        const z = tuning.tailPriorZDev && Number.isFinite(dz) ? Math.min(rz.surprise, dz) : rz.surprise;
        zFloor = (z * z) / (2 * tuning.tailPriorZ * tuning.tailPriorZ);
      }
    }
    // A return is reported without its size: the score takes the share of the evidence it keeps without it.
    let noSize = 1;
    if (cpNoSize >= 0 && combined > 0) {
      const keptCp = Math.min(cpScored, cpNoSize);
      const alt = (1 - tuning.maxBlend) * ((wsum - weights.changepoint * (cpScored - keptCp)) / totalWeight) + tuning.maxBlend * Math.max(smaxOther, keptCp * Math.min(1, weights.changepoint));
      noSize = Math.min(1, Math.max(0, alt / combined));
    }
    // Uncorroborated: one member (not the changepoint alert) sees it and no other reaches loneEvidence.
    const lone = tuning.loneEvidence > 0 && topM !== null && topM !== "changepoint" && top2 < tuning.loneEvidence ? tuning.loneFactor : 1;
    // A slow shift: the changepoint alert carries a level that took slowShiftRun points or more to confirm.
    const slow = tuning.slowShiftRun > 0 && cp.shift && topM === "changepoint" && cp.run >= tuning.slowShiftRun ? tuning.slowShiftFactor : 1;
    // The decision alone takes these off (everything above learnt the full evidence): a young series' heavier
    // tails, uncorroborated evidence, a slow shift, a return's size.
    const atDecision = (e: number) => (shrink < 1 ? Math.max(e * shrink, Math.min(e, zFloor)) : e) * lone * slow * noSize;
    gated = atDecision(gated);

    const score = 1 - Math.exp(-gated);
    const warmingUp = state.n < config.minPoints;
    const over = !warmingUp && gated >= alertEvidence;
    const opens = over && !state.inEpisode;
    if (over) {
      state.inEpisode = true;
      state.quiet = 0;
    } else if (state.inEpisode && ++state.quiet >= tuning.cooldown) state.inEpisode = false;

    // Learn.
    if (se.changed && tuning.resetOnSeasonChange) {
      state.tails.seasonal = createTail();
      state.hists.seasonal = createHist();
    }
    if (state.knn) learnKnn(state.knn, knnAlpha, tuning.knn.cal);
    pushWindow(win, d);
    if (useLagged) models.step(win);
    if (cp.shift) {
      if (tuning.shiftReturnTol > 0) {
        // The level before this shift: the window's values before its run (this point included in the run).
        const lv = shiftLevels(win, Math.max(tuning.shiftKeep, cp.run) + 1);
        if (lv) state.cpLast = { pre: lv.older, sign: cp.sign, n: state.n };
        else delete state.cpLast;
      }
      truncateWindow(win, Math.max(tuning.shiftKeep, cp.run));
      shiftSeasonalLevel(state.seasonal, value - se.seasonal);
    }
    state.n += 1;
    state.lastT = timestamp;

    const deviation = (value - se.expected) / se.scale;
    const dir = deviation > 0 ? "up" : deviation < 0 ? "down" : null;
    const flaggedWeight = algorithms.reduce((s, a) => s + (a.flagged ? a.weight : 0), 0);
    return {
      score,
      anomalous: opens,
      severity: severityOf(over, gated, alertEvidence),
      confidence: Math.min(1, state.n / Math.max(1, 4 * config.minPoints)) * (over ? Math.max(0.5, flaggedWeight) : 1 - score),
      expected: { low: se.expected - zBand * se.scale, high: se.expected + zBand * se.scale },
      direction: dir,
      deviation,
      warmingUp,
      algorithms,
      breakdown: {
        value,
        expected: se.expected,
        seasonal: se.seasonal,
        scale: se.scale,
        robustZ: rz ? (d - rz.center) / rz.scale : 0,
        evidence: atDecision(evidence),
        pointScore: 1 - Math.exp(-atDecision(evidence)),
        levelShift: cp.shift ? { direction: cp.sign > 0 ? "up" : "down", onsetPointsAgo: cp.run } : null,
        belowFloor,
      },
    };
  };

  return {
    update,
    // The sorted copy of the window is derived data: left out, rebuilt on restore.
    snapshot: () => structuredClone({ ...state, win: { ...state.win, sorted: [] }, ...(state.knn ? { knn: { ...state.knn, sorted: [] } } : {}) }) as unknown as DetectorSnapshot,
  };
}

/** The per-member excursion rate normalisation of evidence `s` (see Tuning.memberRateMemory); learns the excursion too. */
export function memberRate(state: Pick<EnsembleState, "memberPeaks" | "memberExc">, m: MemberName, s: number, tuning: Tuning): number {
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

/** The periodic-recurrence discount of `evidence` (see Tuning.recurFloor) at time `t`; learns the excursion onsets too. */
export function recur(state: Pick<EnsembleState, "n" | "lastT" | "recurOn" | "recurPk" | "recurDisc" | "recurPeak">, t: number, first: number, evidence: number, tuning: Tuning): number {
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

function severityOf(over: boolean, evidence: number, alert: number): Severity {
  if (!over) return "info";
  return evidence >= alert + 3 * Math.LN10 ? "critical" : "warning";
}

function idleVerdict(state: EnsembleState, value: number, minPoints: number): Verdict {
  return {
    score: 0,
    anomalous: false,
    severity: "info",
    confidence: 0,
    expected: { low: value, high: value },
    direction: null,
    deviation: 0,
    warmingUp: state.n < minPoints,
    algorithms: [],
    breakdown: null,
  };
}
