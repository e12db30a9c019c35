import { mulberry32 } from "./prng.ts";

/**
 * Isolation Forest (Liu, Ting & Zhou 2008) on small samples of lagged feature
 * vectors. Trees are flat arrays; a forest is rebuilt from (sample, seed), so
 * a snapshot stores only those and restores to the identical forest.
 */
export interface IsolationTree {
  /** Per node: split feature (-1 for a leaf), split value, children, leaf size. */
  feature: number[];
  split: number[];
  left: number[];
  right: number[];
  size: number[];
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

function buildTree(sample: readonly number[][], rand: () => number, maxDepth: number): IsolationTree {
  const t: IsolationTree = { feature: [], split: [], left: [], right: [], size: [] };
  const dim = sample[0]?.length ?? 0;
  const grow = (idx: number[], depth: number): number => {
    const node = t.feature.length;
    t.feature.push(-1);
    t.split.push(0);
    t.left.push(-1);
    t.right.push(-1);
    t.size.push(idx.length);
    if (depth >= maxDepth || idx.length <= 1) return node;
    // Pick a feature with spread; give up after a few tries (all duplicates).
    for (let attempt = 0; attempt < dim * 2; attempt++) {
      const f = Math.floor(rand() * dim);
      let lo = Infinity;
      let hi = -Infinity;
      for (const i of idx) {
        const v = sample[i]![f]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (!(hi > lo)) continue;
      const s = lo + rand() * (hi - lo);
      const l: number[] = [];
      const r: number[] = [];
      for (const i of idx) (sample[i]![f]! < s ? l : r).push(i);
      t.feature[node] = f;
      t.split[node] = s;
      const ln = grow(l, depth + 1);
      t.left[node] = ln;
      const rn = grow(r, depth + 1);
      t.right[node] = rn;
      return node;
    }
    return node;
  };
  grow(sample.map((_, i) => i), 0);
  return t;
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
    while (t.feature[node]! >= 0) {
      node = v[t.feature[node]!]! < t.split[node]! ? t.left[node]! : t.right[node]!;
      depth += 1;
    }
    total += depth + averagePathLength(t.size[node]!);
  }
  const c = averagePathLength(forest.psi);
  return c > 0 ? total / forest.trees.length / c : 1;
}

/** The classic anomaly score s = 2^(−E[h]/c(psi)) in (0, 1]; ~0.5 or less is normal. */
export function isolationScore(forest: IsolationForest, v: readonly number[]): number {
  return Math.pow(2, -isolationDepth(forest, v));
}
