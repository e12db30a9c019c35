/**
 * Peaks-over-threshold calibration of a member's surprise against its own
 * history: a streaming 90th percentile (stochastic approximation) and the
 * mean excess above it model an exponential tail, so
 *   P(U > u) ≈ 0.1 · exp(−(u − q90) / meanExcess)   for u > q90.
 * Heavy-tailed series thus need a larger surprise for the same probability,
 * which makes scores comparable across very different metrics.
 */
export interface TailState {
  n: number;
  q: number;
  excess: number;
  /** Running scale of U for the quantile step size. */
  spread: number;
  /** Excesses over q learnt so far (absent in older snapshots: taken as 10 % of n). */
  k?: number;
}

const TAIL = 0.1;
/** Observations before a member's calibration is trusted (until then it adds no evidence). */
export const MIN_OBSERVATIONS = 64;

export function createTail(): TailState {
  return { n: 0, q: 0, excess: 0, spread: 0, k: 0 };
}

/**
 * A prior on the tail's mean excess for young series, for a posterior predictive tail: k0
 * pseudo-excesses of mean me0. The exponential rate of the excesses gets a Gamma posterior
 * (shape k0' + k, rate k0'·me0 + k·excess) after the k excesses the series has shown, and
 * P(U − q > y) is the Lomax predictive (1 + y/rate)^−shape: heavier than the plug-in exponential
 * while few excesses have been seen. The prior's weight k0' = k0·(1 − k/fadeK) fades with the
 * series' own excesses (not with a clock) and is gone after fadeK of them.
 */
export interface TailPrior {
  k0: number;
  me0: number;
  fadeK: number;
}

/** −ln P(U ≥ u) under the current tail model (0 for ordinary values). Pure: does not learn. With `prior`, the posterior predictive tail. */
export function tailSurprisal(st: TailState, u: number, minExcess: number, prior?: TailPrior): number {
  if (st.n < MIN_OBSERVATIONS) return 0;
  const me = Math.max(st.excess, minExcess, 1e-12);
  // Below the 90th percentile: a linear ramp up to −ln 0.1 (these values are never alerts).
  if (u <= st.q) return u > 0 ? (Math.log(1 / TAIL) * u) / Math.max(st.q, 1e-12) : 0;
  const k = st.k ?? st.n * TAIL;
  if (prior && prior.k0 > 0 && k < prior.fadeK) {
    const k0 = prior.k0 * (1 - k / prior.fadeK);
    return Math.log(1 / TAIL) + (k0 + k) * Math.log1p((u - st.q) / (k0 * prior.me0 + k * me));
  }
  return Math.log(1 / TAIL) + (u - st.q) / me;
}

/** Learns one observation of U. Extreme values are capped so one spike cannot inflate the tail. */
export function learnTail(st: TailState, u: number, rate = 0.002): void {
  st.n += 1;
  if (st.n === 1) {
    st.q = u;
    st.spread = Math.abs(u) + 1e-12;
    st.excess = 0;
    return;
  }
  const r = st.n < 200 ? Math.max(rate, 2 / st.n) : rate;
  st.spread += (Math.abs(u - st.q) - st.spread) * r;
  // Stochastic quantile: moves up by 0.9·step when exceeded, down by 0.1·step otherwise.
  const step = st.spread * r * 10;
  st.q += u > st.q ? (1 - TAIL) * step : -TAIL * step;
  if (st.q < 0) st.q = 0;
  if (u > st.q) {
    st.k = (st.k ?? st.n * TAIL) + 1;
    const capped = Math.min(u - st.q, 10 * Math.max(st.excess, st.spread));
    st.excess += (capped - st.excess) * r * 5;
  }
}

/**
 * Empirical frequency of past surprises at least as large, from a decayed
 * histogram over log2(1 + u) (quarter-octave bins). A level seen before is
 * at most as surprising as its frequency says (a daily cron spike stops
 * being news), a level never seen is left to the tail model.
 */
export interface HistState {
  counts: number[];
  total: number;
  /** Weight of the next observation; grows so that older ones decay, renormalised when large. */
  inc: number;
  /** Highest bin ever counted (bins above it are 0, so sums stop there); absent in older snapshots. */
  top?: number;
}

const HIST_BINS = 96;
const HIST_RES = 4;

/** A histogram of `bins` quarter-octave bins (the last one takes everything above); 24 bins reach u ≈ 60. */
export function createHist(bins = HIST_BINS): HistState {
  return { counts: new Array<number>(bins).fill(0), total: 0, inc: 1, top: -1 };
}

function histBin(u: number, bins: number): number {
  const b = Math.floor(Math.log2(1 + Math.max(0, u)) * HIST_RES);
  return b < 0 ? 0 : b >= bins ? bins - 1 : b;
}

/**
 * −ln of the decayed frequency of past values at least `slack` octaves below
 * u (so "about as large" counts as seen); +∞ when none.
 */
export function histSurprisal(st: HistState, u: number, slack = 1): number {
  if (st.total <= 0) return Infinity;
  const bins = st.counts.length;
  const end = Math.min(bins, (st.top ?? bins - 1) + 1);
  let c = 0;
  for (let b = Math.max(0, histBin(u, bins) - Math.round(slack * HIST_RES)); b < end; b++) c += st.counts[b]!;
  if (c <= 0) return Infinity;
  return -Math.log(c / st.total);
}

/** Decayed count (in units of the newest observation's weight) of past values at least `slack` octaves below u. */
export function histCount(st: HistState, u: number, slack = 0): number {
  const bins = st.counts.length;
  const end = Math.min(bins, (st.top ?? bins - 1) + 1);
  let c = 0;
  for (let b = Math.max(0, histBin(u, bins) - Math.round(slack * HIST_RES)); b < end; b++) c += st.counts[b]!;
  return c / st.inc;
}

/** Highest bin with a count (−1 if none): for histograms from snapshots that carry no `top`. */
function highestCounted(counts: readonly number[]): number {
  for (let k = counts.length - 1; k >= 0; k--) if (counts[k]! > 0) return k;
  return -1;
}

/** The last half-life's growth factor 2^(1/halfLife) (one or two half-lives are in use at a time). */
let growHalfLife = Number.NaN;
let growFactor = Number.NaN;

export function learnHist(st: HistState, u: number, halfLife: number): void {
  const bins = st.counts.length;
  const b = histBin(u, bins);
  st.counts[b] = st.counts[b]! + st.inc;
  st.total += st.inc;
  st.top = Math.max(b, st.top ?? highestCounted(st.counts));
  if (halfLife !== growHalfLife) {
    growHalfLife = halfLife;
    growFactor = Math.pow(2, 1 / halfLife);
  }
  st.inc *= growFactor;
  if (st.inc > 1e6) {
    for (let k = 0; k < bins; k++) st.counts[k] = st.counts[k]! / st.inc;
    st.total /= st.inc;
    st.inc = 1;
  }
}
