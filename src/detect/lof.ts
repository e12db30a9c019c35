/**
 * Local Outlier Factor (Breunig et al. 2000) of a query against a fixed
 * reference sample: the reference k-distances and local reachability
 * densities are computed once per refit, so a query costs one pass over the
 * sample. LOF ≈ 1 for inliers, well above 1 for points in sparse regions.
 */
export interface LofModel {
  ref: number[][];
  k: number;
  kdist: number[];
  lrd: number[];
}

const EPS = 1e-9;

/** Indices and distances of the k nearest references to v (excluding index `skip`). Ranked on squared distances; only the k kept are square-rooted. */
function nearest(ref: readonly number[][], v: readonly number[], k: number, skip: number): { idx: number[]; d: number[] } {
  const idx: number[] = [];
  const d: number[] = [];
  const dim = v.length;
  for (let i = 0; i < ref.length; i++) {
    if (i === skip) continue;
    const r = ref[i]!;
    let di = 0;
    for (let f = 0; f < dim; f++) {
      const x = r[f]! - v[f]!;
      di += x * x;
    }
    if (d.length < k || di < d[d.length - 1]!) {
      let j = d.length < k ? d.length : d.length - 1;
      if (d.length < k) {
        d.push(di);
        idx.push(i);
      }
      while (j > 0 && d[j - 1]! > di) {
        d[j] = d[j - 1]!;
        idx[j] = idx[j - 1]!;
        j -= 1;
      }
      d[j] = di;
      idx[j] = i;
    }
  }
  for (let m = 0; m < d.length; m++) d[m] = Math.sqrt(d[m]!);
  return { idx, d };
}

export function buildLof(ref: number[][], k: number): LofModel {
  const kk = Math.max(1, Math.min(k, ref.length - 1));
  const neigh = ref.map((v, i) => nearest(ref, v, kk, i));
  const kdist = neigh.map((nb) => Math.max(nb.d[nb.d.length - 1] ?? 0, EPS));
  const lrd = neigh.map((nb) => {
    let s = 0;
    nb.idx.forEach((j, m) => (s += Math.max(nb.d[m]!, kdist[j]!)));
    return nb.idx.length / Math.max(s, EPS);
  });
  return { ref, k: kk, kdist, lrd };
}

export function lofScore(model: LofModel, v: readonly number[]): number {
  if (model.ref.length < 2) return 1;
  const nb = nearest(model.ref, v, model.k, -1);
  let reach = 0;
  let lrdSum = 0;
  nb.idx.forEach((j, m) => {
    reach += Math.max(nb.d[m]!, model.kdist[j]!);
    lrdSum += model.lrd[j]!;
  });
  const lrdQ = nb.idx.length / Math.max(reach, EPS);
  return lrdSum / nb.idx.length / lrdQ;
}
