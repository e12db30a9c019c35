import { createChangepoint, updateChangepoint, type ChangepointState } from "./changepoint.ts";
import { createHist, createTail, histCount, histSurprisal, learnHist, learnTail, MIN_OBSERVATIONS, tailSurprisal, type HistState, type TailState } from "./calibrate.ts";
import { discord } from "./discord.ts";
import { generalizedEsd } from "./esd.ts";
import { iqrFences } from "./iqr.ts";
import { createKnn, knnScore, learnKnn, restoreKnn, type KnnState } from "./knn.ts";
import { createLagged, LaggedModels, type LaggedState } from "./lagged.ts";
import { MEMBER_NAMES, type MemberName, type MemberResult } from "./member.ts";
import { robustZ } from "./robust-z.ts";
import { createSeasonal, shiftSeasonalLevel, updateSeasonal, type SeasonalState } from "./seasonal.ts";
import { createWindow, levelGap, pushWindow, shiftLevels, truncateWindow, windowSize, type WindowState } from "./window.ts";
import type { Detector, DetectorConfig, DetectorSnapshot, MemberScore, Severity, Verdict } from "./index.ts";
import { memberRate, type MemberRateState } from "./member-rate.ts";
import { recur, type RecurrenceState } from "./recurrence.ts";
import type { Tuning } from "./tuning.ts";

export { DEFAULT_TUNING, type Tuning } from "./tuning.ts";

/**
 * The ensemble: every member scores the point against the past, each
 * surprise is calibrated into a tail probability against that member's own
 * history, and the weighted evidence (−ln p) becomes the score. A novelty
 * gate then keeps one high score per episode, and a confirmed level shift
 * makes the window forget the old level (alert once, then adapt). Its
 * knobs are in tuning.ts; the per-member excursion rate and the periodic
 * recurrence discount live in member-rate.ts and recurrence.ts.
 */

export const DEFAULT_WINDOW = 1024;
/** Values the window must hold before the cold-start bound may add evidence. */
const COLD_MIN_WINDOW = 16;
/** How much wider than measured the cold-start Gaussian bound takes the noise to be. */
const COLD_SCALE = 4;

/** The whole snapshot; the per-member excursion rates and the recurrence memory are described in their modules. */
interface EnsembleState extends MemberRateState, RecurrenceState {
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
          const lv = shiftLevels(win, Math.max(tuning.shiftKeep, cp.run));
          // The end of a temporary excursion (back to the level before the last, opposite shift).
          const last = state.cpLast;
          const age = last ? state.n - last.n : 0;
          if (tuning.shiftReturnTol > 0 && last && last.sign === -cp.sign && age >= tuning.shiftReturnMinAge && age <= tuning.shiftReturnAge) {
            if (lv && Math.abs(lv.newer - last.pre) <= tuning.shiftReturnTol * Math.abs(lv.older - last.pre)) cpNoSize = s;
          }
          const sz = levelGap(lv, rz.scale) * tuning.shiftAlert;
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
