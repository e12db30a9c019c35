/**
 * Local Outlier Factor (Breunig et al. 2000) of a query against a fixed
 * reference sample: the reference k-distances and local reachability
 * densities are computed once per refit, so a query costs one pass over the
 * sample. LOF ≈ 1 for inliers, well above 1 for points in sparse regions.
 */
export interface LofModel {
  ref: number[][];
  k: number;
  kdist: Float64Array;
  lrd: Float64Array;
  /** The references row after row (dim values each), for the query pass. */
  flat: Float64Array;
  dim: number;
}

const EPS = 1e-9;

/** Scratch for the k nearest of one query (module-level: no allocation per query). */
let nbIdx = new Int32Array(16);
let nbD = new Float64Array(16);
/** Scratch for the query vector (one element type in the distance loop). */
let query = new Float64Array(8);

/**
 * The k nearest references to v (excluding index `skip`) into nbIdx/nbD, nearest first; returns how many.
 * Ranked on squared distances (ties keep the earlier reference first); only the k kept are square-rooted.
 */
function nearest(flat: Float64Array, n: number, dim: number, v: Float64Array, vOff: number, k: number, skip: number): number {
  if (nbIdx.length < k) {
    nbIdx = new Int32Array(k);
    nbD = new Float64Array(k);
  }
  const idx = nbIdx;
  const d = nbD;
  let len = 0;
  for (let i = 0, o = 0; i < n; i++, o += dim) {
    if (i === skip) continue;
    let di = 0;
    for (let f = 0; f < dim; f++) {
      const x = flat[o + f]! - v[vOff + f]!;
      di += x * x;
    }
    if (len < k || di < d[len - 1]!) {
      let j = len < k ? len : len - 1;
      if (len < k) len += 1;
      while (j > 0 && d[j - 1]! > di) {
        d[j] = d[j - 1]!;
        idx[j] = idx[j - 1]!;
        j -= 1;
      }
      d[j] = di;
      idx[j] = i;
    }
  }
  for (let m = 0; m < len; m++) d[m] = Math.sqrt(d[m]!);
  return len;
}

export function buildLof(ref: number[][], k: number): LofModel {
  const n = ref.length;
  const dim = ref[0]?.length ?? 0;
  const kk = Math.max(1, Math.min(k, n - 1));
  const flat = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) for (let f = 0; f < dim; f++) flat[i * dim + f] = ref[i]![f]!;
  const kdist = new Float64Array(n);
  const nbIdxAll = new Int32Array(n * kk);
  const nbDAll = new Float64Array(n * kk);
  const nbLen = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const len = nearest(flat, n, dim, flat, i * dim, kk, i);
    nbLen[i] = len;
    for (let m = 0; m < len; m++) {
      nbIdxAll[i * kk + m] = nbIdx[m]!;
      nbDAll[i * kk + m] = nbD[m]!;
    }
    kdist[i] = Math.max(len > 0 ? nbD[len - 1]! : 0, EPS);
  }
  const lrd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const len = nbLen[i]!;
    for (let m = 0; m < len; m++) s += Math.max(nbDAll[i * kk + m]!, kdist[nbIdxAll[i * kk + m]!]!);
    lrd[i] = len / Math.max(s, EPS);
  }
  return { ref, k: kk, kdist, lrd, flat, dim };
}

export function lofScore(model: LofModel, v: readonly number[]): number {
  const n = model.ref.length;
  if (n < 2) return 1;
  if (query.length < v.length) query = new Float64Array(v.length);
  for (let f = 0; f < v.length; f++) query[f] = v[f]!;
  const len = nearest(model.flat, n, model.dim, query, 0, model.k, -1);
  let reach = 0;
  let lrdSum = 0;
  for (let m = 0; m < len; m++) {
    const j = nbIdx[m]!;
    reach += Math.max(nbD[m]!, model.kdist[j]!);
    lrdSum += model.lrd[j]!;
  }
  const lrdQ = len / Math.max(reach, EPS);
  return lrdSum / len / lrdQ;
}
