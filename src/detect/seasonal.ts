import type { MemberResult } from "./member.ts";
import { tinyScale } from "./scale.ts";

/**
 * Seasonal baseline, STL-like and online: level + daily profile + weekly
 * profile, learned by robust exponential smoothing (innovations clipped so a
 * spike cannot bend the profile). Profiles are binned by wall-clock phase,
 * so irregular intervals and gaps need no resampling. Each component turns
 * itself on ("auto") only once it has seen two full cycles and it predicts
 * clearly better than the model without it; that is the automatic period
 * detection, run for daily and weekly together.
 */
export type SeasonalMode = "auto" | "none" | "hourly" | "daily" | "weekly";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const MAE_TO_SIGMA = 1.2533;
/** Cycles of data needed before a component may switch itself on. */
const ACTIVATE_AFTER = 2;
/** Smoothing per point of the level (× 1/points-per-day) and per visit of a seasonal bin. */
const LEVEL_RATE = 1;
const SEASON_RATE = 0.25;
/** Rate at which an innovation beyond the clip, seen in the same phase slot on two visits running, is learned (1: at once). */
const CONFIRM_RATE = 1;

interface Component {
  period: number;
  bins: number;
  s: number[];
  visits: number[];
  /** Per bin, the part of the last visit's innovation beyond the clip (0: none); absent in old snapshots. */
  pend?: number[];
  /** EWMA absolute error without / with this component. */
  errWithout: number;
  errWith: number;
  active: boolean;
  forced: boolean;
}

export interface SeasonalState {
  mode: SeasonalMode;
  n: number;
  firstT: number;
  lastT: number;
  /** Recent sampling intervals, for the bin resolution. */
  dts: number[];
  level: number;
  /** Slow level the profiles are learned against; never re-anchored by a level shift (absent in old snapshots). */
  base?: number;
  mae: number;
  /** EWMA of the unclipped |residual|: a floor for the scale of sparse, spiky series. */
  meanAbs: number;
  components: Component[];
}

export function createSeasonal(mode: SeasonalMode): SeasonalState {
  return { mode, n: 0, firstT: 0, lastT: 0, dts: [], level: 0, mae: 0, meanAbs: 0, components: [] };
}

function medianOf(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[s.length >> 1]! : 0;
}

/** Lays the components out once the sampling interval is known (after 16 points). */
function initComponents(st: SeasonalState): void {
  const dt = Math.max(1000, medianOf(st.dts));
  const make = (period: number, maxBins: number, forced: boolean): Component | null => {
    const bins = Math.min(maxBins, Math.floor(period / dt));
    if (bins < 4) return null;
    return { period, bins, s: new Array<number>(bins).fill(0), visits: new Array<number>(bins).fill(0), errWithout: 0, errWith: 0, active: forced, forced };
  };
  const list: Array<Component | null> = [];
  if (st.mode === "hourly") list.push(make(HOUR, 60, true));
  if (st.mode === "daily" || st.mode === "weekly" || st.mode === "auto") list.push(make(DAY, 288, st.mode !== "auto"));
  if (st.mode === "weekly" || st.mode === "auto") list.push(make(WEEK, 336, st.mode === "weekly"));
  st.components = list.filter((c): c is Component => c !== null);
}

function binOf(c: Component, t: number): number {
  const phase = ((t % c.period) + c.period) % c.period;
  return Math.min(c.bins - 1, Math.floor((phase / c.period) * c.bins));
}

/** Prediction for time t from the current state (active components only). */
export function seasonalExpected(st: SeasonalState, t: number): number {
  let p = st.level;
  for (const c of st.components) if (c.active) p += c.s[binOf(c, t)]!;
  return p;
}

/** Scores x against the seasonal expectation, then learns from it. */
export function updateSeasonal(st: SeasonalState, t: number, x: number): MemberResult & { expected: number; scale: number; seasonal: number; changed: boolean } {
  if (st.n === 0) {
    st.level = x;
    st.base = x;
    st.firstT = t;
    st.lastT = t;
    st.n = 1;
    return { surprise: 0, sign: 0, expected: x, scale: tinyScale(x), seasonal: 0, changed: false };
  }
  if (t > st.lastT) {
    st.dts.push(t - st.lastT);
    if (st.dts.length > 16) st.dts.shift();
  }
  if (st.components.length === 0 && st.mode !== "none" && st.dts.length >= 16) initComponents(st);

  const expected = seasonalExpected(st, t);
  const scale = Math.max(st.mae * MAE_TO_SIGMA, 0.1 * st.meanAbs, tinyScale(expected));
  const r = x - expected;
  const result = { surprise: st.n < 8 ? 0 : Math.abs(r) / scale, sign: Math.sign(r), expected, scale, seasonal: expected - st.level, changed: false };

  // Learn, robustly: innovations are clipped at 4 sigma.
  const clip = 4 * scale;
  const warm = st.n < 64;
  const cl = (v: number) => (warm ? v : Math.max(-clip, Math.min(clip, v)));
  st.meanAbs += (Math.abs(r) - st.meanAbs) * Math.max(0.002, 1 / st.n);
  st.mae += ((warm ? Math.abs(r) : Math.min(Math.abs(r), clip)) - st.mae) * Math.max(0.01, 1 / st.n);
  const elapsed = t - st.firstT;
  const bins = st.components.map((c) => binOf(c, t));
  const activeSum = st.components.reduce((acc, c, k) => acc + (c.active ? c.s[bins[k]!]! : 0), 0);
  // Each component is judged and learned on what the other active components leave.
  const ref = st.base ?? st.level;
  const targets = st.components.map((c, k) => x - ref - (activeSum - (c.active ? c.s[bins[k]!]! : 0)));
  st.components.forEach((c, k) => {
    const b = bins[k]!;
    if (c.visits[b]! > 0) {
      const eWithout = Math.abs(targets[k]!);
      const eWith = Math.abs(targets[k]! - c.s[b]!);
      c.errWithout += (Math.min(eWithout, 10 * scale) - c.errWithout) * 0.005;
      c.errWith += (Math.min(eWith, 10 * scale) - c.errWith) * 0.005;
    }
  });
  const perDay = st.components[0] ? st.components[0].bins * (DAY / st.components[0].period) : 96;
  const levelAlpha = Math.min(0.2, LEVEL_RATE / Math.max(10, perDay));
  st.level += cl(x - activeSum - st.level) * levelAlpha;
  st.base = (st.base ?? st.level) + cl(x - activeSum - (st.base ?? st.level)) * levelAlpha;
  st.components.forEach((c, k) => {
    const b = bins[k]!;
    c.visits[b] = c.visits[b]! + 1;
    const a = Math.max(SEASON_RATE, 1 / c.visits[b]!);
    const delta = targets[k]! - c.s[b]!;
    const clipped = cl(delta);
    let step = clipped;
    if (clipped !== delta) {
      // A large innovation is a spike the first time; in the same phase slot on the next visit too, it is the pattern.
      const pend = (c.pend ??= new Array<number>(c.bins).fill(0));
      const prev = pend[b]!;
      const over = delta - clipped;
      if (prev !== 0 && Math.sign(prev) === Math.sign(over)) step = clipped + Math.sign(over) * Math.min(Math.abs(prev), Math.abs(over)) * (CONFIRM_RATE / a);
      pend[b] = over;
    } else if (c.pend) c.pend[b] = 0;
    c.s[b] = c.s[b]! + step * a;
    if (!c.forced) {
      const was = c.active;
      c.active = elapsed >= ACTIVATE_AFTER * c.period && c.errWith < 0.8 * c.errWithout;
      if (was !== c.active) result.changed = true;
    }
  });
  st.lastT = Math.max(st.lastT, t);
  st.n += 1;
  return result;
}

/** Re-anchors the level after a confirmed level shift, keeping the profiles. */
export function shiftSeasonalLevel(st: SeasonalState, newLevel: number): void {
  st.level = newLevel;
}
