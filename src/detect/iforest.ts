import { mulberry32 } from "./prng.ts";

/**
 * Isolation Forest (Liu, Ting & Zhou 2008) on small samples of lagged feature
 * vectors. Trees are flat typed arrays; a forest is rebuilt from (sample, seed), so
 * a snapshot stores only those and restores to the identical forest.
 */
export interface IsolationTree {
  /** Per node (preorder): split feature (-1 for a leaf), split value, children, leaf size. */
  feature: Int32Array;
  split: Float64Array;
  left: Int32Array;
  right: Int32Array;
  size: Int32Array;
  /** Per node: averagePathLength(size), the depth a leaf adds for the points it did not isolate. */
  leafDepth: Float64Array;
}

export interface IsolationForest {
  trees: IsolationTree[];
  psi: number;
}

/** Average path length of an unsuccessful BST search among n points. */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649) - (2 * (n - 1)) / n;
}

/** Scratch for tree growth (module-level: grown as needed, never shrunk). */
let idxBuf = new Int32Array(256);
let tmpBuf = new Int32Array(256);

function buildTree(sample: readonly number[][], rand: () => number, maxDepth: number): IsolationTree {
  const n = sample.length;
  const dim = sample[0]?.length ?? 0;
  // A binary tree of depth maxDepth has at most 2^(maxDepth+1) − 1 nodes.
  const cap = 2 ** (maxDepth + 1) - 1;
  const feature = new Int32Array(cap);
  const split = new Float64Array(cap);
  const left = new Int32Array(cap);
  const right = new Int32Array(cap);
  const size = new Int32Array(cap);
  if (idxBuf.length < n) {
    idxBuf = new Int32Array(n);
    tmpBuf = new Int32Array(n);
  }
  const idx = idxBuf;
  const tmp = tmpBuf;
  for (let i = 0; i < n; i++) idx[i] = i;
  let count = 0;
  // Grows the node holding idx[from, to) in preorder; the same draws from rand, in the same order, as the list version.
  const grow = (from: number, to: number, depth: number): number => {
    const node = count++;
    feature[node] = -1;
    left[node] = -1;
    right[node] = -1;
    size[node] = to - from;
    if (depth >= maxDepth || to - from <= 1) return node;
    // Pick a feature with spread; give up after a few tries (all duplicates).
    for (let attempt = 0; attempt < dim * 2; attempt++) {
      const f = Math.floor(rand() * dim);
      let lo = Infinity;
      let hi = -Infinity;
      for (let k = from; k < to; k++) {
        const v = sample[idx[k]!]![f]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (!(hi > lo)) continue;
      const s = lo + rand() * (hi - lo);
      // Partition in place: values below s first (membership is all that matters downstream).
      let l = from;
      let r = 0;
      for (let k = from; k < to; k++) {
        const i = idx[k]!;
        if (sample[i]![f]! < s) idx[l++] = i;
        else tmp[r++] = i;
      }
      for (let k = 0; k < r; k++) idx[l + k] = tmp[k]!;
      feature[node] = f;
      split[node] = s;
      left[node] = grow(from, l, depth + 1);
      right[node] = grow(l, to, depth + 1);
      return node;
    }
    return node;
  };
  grow(0, n, 0);
  const leafDepth = new Float64Array(count);
  for (let k = 0; k < count; k++) leafDepth[k] = averagePathLength(size[k]!);
  return { feature: feature.slice(0, count), split: split.slice(0, count), left: left.slice(0, count), right: right.slice(0, count), size: size.slice(0, count), leafDepth };
}

/** Builds one tree of a forest deterministically from the sample and the forest seed. */
export function buildIsolationTree(sample: readonly number[][], seed: number, index: number): IsolationTree {
  const rand = mulberry32((seed + Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  return buildTree(sample, rand, Math.ceil(Math.log2(Math.max(2, sample.length))));
}

export function buildIsolationForest(sample: readonly number[][], seed: number, trees: number): IsolationForest {
  const out: IsolationTree[] = [];
  for (let k = 0; k < trees; k++) out.push(buildIsolationTree(sample, seed, k));
  return { trees: out, psi: sample.length };
}

/** Mean isolation depth of v, normalised by c(psi): ≈1 for inliers, smaller for outliers. */
export function isolationDepth(forest: IsolationForest, v: readonly number[]): number {
  let total = 0;
  for (const t of forest.trees) {
    let node = 0;
    let depth = 0;
    const feature = t.feature;
    let f = feature[0]!;
    while (f >= 0) {
      node = v[f]! < t.split[node]! ? t.left[node]! : t.right[node]!;
      f = feature[node]!;
      depth += 1;
    }
    total += depth + t.leafDepth[node]!;
  }
  const c = averagePathLength(forest.psi);
  return c > 0 ? total / forest.trees.length / c : 1;
}

/** The classic anomaly score s = 2^(−E[h]/c(psi)) in (0, 1]; ~0.5 or less is normal. */
export function isolationScore(forest: IsolationForest, v: readonly number[]): number {
  return Math.pow(2, -isolationDepth(forest, v));
}
