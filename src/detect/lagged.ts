import { buildIsolationTree, isolationDepth, type IsolationForest, type IsolationTree } from "./iforest.ts";
import { buildLof, lofScore, type LofModel } from "./lof.ts";
import type { MemberResult } from "./member.ts";
import { mixSeed, mulberry32 } from "./prng.ts";
import { robustCenterScale } from "./scale.ts";
import { recent, windowSize, type WindowState } from "./window.ts";

/**
 * Isolation Forest and LOF share one model of "normal" lagged feature vectors
 * [x_t, x_t−1, …] (standardised by the window's median and MAD at fit time),
 * refitted on a schedule from a seeded sample of the window. The refit is
 * amortized: a few trees are grown per point while the old model keeps
 * scoring, then the new one replaces it. Only samples and seeds are state;
 * trees and LOF densities are caches rebuilt identically on restore.
 */
export interface LaggedModelSpec {
  sample: number[][];
  seed: number;
  center: number;
  scale: number;
}

export interface LaggedState {
  dim: number;
  trees: number;
  psi: number;
  refitEvery: number;
  /** References of the LOF model: the first lofRefs vectors of the sample (absent in older snapshots: all of it). */
  lofRefs?: number;
  fits: number;
  sinceFit: number;
  active: LaggedModelSpec | null;
  pending: (LaggedModelSpec & { built: number }) | null;
}

interface Cache {
  forest: IsolationForest | null;
  lof: LofModel | null;
  pendingTrees: IsolationTree[];
}

const TREES_PER_STEP = 4;
const LOF_K = 10;

export interface LaggedParams {
  dim: number;
  trees: number;
  psi: number;
  refitEvery: number;
  lofRefs: number;
}

export const DEFAULT_LAGGED: LaggedParams = { dim: 4, trees: 16, psi: 64, refitEvery: 1024, lofRefs: 64 };

export function createLagged(opts: Partial<LaggedParams> = {}): LaggedState {
  const p = { ...DEFAULT_LAGGED, ...opts };
  return { dim: p.dim, trees: p.trees, psi: p.psi, refitEvery: p.refitEvery, lofRefs: p.lofRefs, fits: 0, sinceFit: 0, active: null, pending: null };
}

export class LaggedModels {
  readonly state: LaggedState;
  private readonly baseSeed: number;
  private cache: Cache = { forest: null, lof: null, pendingTrees: [] };

  constructor(state: LaggedState, baseSeed: number) {
    this.state = state;
    this.baseSeed = baseSeed;
    if (state.active) this.activate(state.active);
    if (state.pending) {
      for (let k = 0; k < state.pending.built; k++) this.cache.pendingTrees.push(buildIsolationTree(state.pending.sample, state.pending.seed, k));
    }
  }

  /** Feature vector of x given the window (newest values before x); null until enough lags exist. */
  features(win: WindowState, x: number, spec: LaggedModelSpec): number[] | null {
    const v = [(x - spec.center) / spec.scale];
    for (let lag = 0; lag < this.state.dim - 1; lag++) {
      const p = recent(win, lag);
      if (p === undefined) return null;
      v.push((p - spec.center) / spec.scale);
    }
    return v;
  }

  /** Scores x with both models: isolation surprise (1/normalised depth) and LOF. */
  score(win: WindowState, x: number): { iforest: MemberResult; lof: MemberResult } {
    const spec = this.state.active;
    const none = { surprise: 0, sign: 0 };
    if (!spec || !this.cache.forest || !this.cache.lof) return { iforest: none, lof: none };
    const v = this.features(win, x, spec);
    if (!v) return { iforest: none, lof: none };
    // The side of the vector's most deviant value: the point after a drop, back to normal, is still about the drop.
    let sign = 0;
    let far = -1;
    for (const c of v) if (Math.abs(c) > far) { far = Math.abs(c); sign = Math.sign(c); }
    const depth = isolationDepth(this.cache.forest, v);
    return {
      iforest: { surprise: 1 / Math.max(depth, 0.05), sign },
      lof: { surprise: lofScore(this.cache.lof, v), sign },
    };
  }

  /** Advances the refit schedule by one point (call after the point joined the window). */
  step(win: WindowState): void {
    const st = this.state;
    st.sinceFit += 1;
    if (!st.pending && (st.active === null ? windowSize(win) >= 48 : st.sinceFit >= st.refitEvery)) {
      st.pending = { ...this.drawSample(win), built: 0 };
      this.cache.pendingTrees = [];
      st.sinceFit = 0;
    }
    const p = st.pending;
    if (!p) return;
    // The first model is built at once; later ones a few trees per point.
    const quota = st.active === null ? st.trees : TREES_PER_STEP;
    for (let q = 0; q < quota && p.built < st.trees; q++) {
      this.cache.pendingTrees.push(buildIsolationTree(p.sample, p.seed, p.built));
      p.built += 1;
    }
    if (p.built >= st.trees) {
      const { built: _built, ...spec } = p;
      st.active = spec;
      st.pending = null;
      this.cache.forest = { trees: this.cache.pendingTrees, psi: spec.sample.length };
      this.cache.pendingTrees = [];
      this.cache.lof = this.lofOf(spec);
    }
  }

  private lofOf(spec: LaggedModelSpec): LofModel {
    const refs = this.state.lofRefs ?? spec.sample.length;
    return buildLof(refs < spec.sample.length ? spec.sample.slice(0, refs) : spec.sample, LOF_K);
  }

  private activate(spec: LaggedModelSpec): void {
    const trees: IsolationTree[] = [];
    for (let k = 0; k < this.state.trees; k++) trees.push(buildIsolationTree(spec.sample, spec.seed, k));
    this.cache.forest = { trees, psi: spec.sample.length };
    this.cache.lof = this.lofOf(spec);
  }

  private drawSample(win: WindowState): LaggedModelSpec {
    const st = this.state;
    st.fits += 1;
    const seed = mixSeed(this.baseSeed, st.fits);
    const rand = mulberry32(seed);
    const n = windowSize(win);
    const { center, scale } = robustCenterScale(win.sorted);
    const spec: LaggedModelSpec = { sample: [], seed, center, scale };
    const usable = n - (st.dim - 1);
    const count = Math.min(st.psi, usable);
    for (let k = 0; k < count; k++) {
      // lag of the vector's newest element, so that all its lags are held
      const lag0 = Math.floor(rand() * usable);
      const v: number[] = [];
      for (let d = 0; d < st.dim; d++) v.push((recent(win, lag0 + d)! - center) / scale);
      spec.sample.push(v);
    }
    return spec;
  }
}
