/**
 * NAB scoring (Lavin & Ahmad 2015), written to agree with the reference
 * scorer in ../shared/tools/nab_score.py: scaled-sigmoid window weights,
 * probationary period, first detection per window, one threshold for the
 * whole corpus chosen by sweeping every distinct score, normalised against
 * the null detector.
 */
export interface Profile {
  tpWeight: number;
  fnWeight: number;
  fpWeight: number;
}

export type ProfileName = "standard" | "reward_low_FP_rate" | "reward_low_FN_rate";

export const NAB_PROFILES: Record<ProfileName, Profile> = {
  standard: { tpWeight: 1, fnWeight: 1, fpWeight: 0.11 },
  reward_low_FP_rate: { tpWeight: 1, fnWeight: 1, fpWeight: 0.22 },
  reward_low_FN_rate: { tpWeight: 1, fnWeight: 2, fpWeight: 0.11 },
};

export const PROFILE_ORDER: ProfileName[] = ["standard", "reward_low_FP_rate", "reward_low_FN_rate"];

/** One labelled file: row timestamps (any comparable numbers), windows as [start, end] timestamps, detector scores. */
export interface ScoredFile {
  name: string;
  times: number[];
  windows: Array<[number, number]>;
  scores: number[];
}

/** One scored (post-probation) row. `window` is the window index in its file, or -1 outside windows. */
interface Point {
  score: number;
  file: number;
  window: number;
  tpCurve: number;
  fpCurve: number;
}

export interface Corpus {
  files: string[];
  /** Points sorted by descending score. */
  points: Point[];
  /** Global window id offset per file. */
  windowBase: number[];
  windowsTotal: number;
  /** Windows that contain at least one scored row (global ids). */
  scoredWindows: number[];
}

export interface Evaluation {
  threshold: number;
  raw: number;
  null: number;
  perfect: number;
  normalized: number;
  windowsDetected: number;
  windowsMissed: number;
  fpRows: number;
  perFile: Array<{ file: string; raw: number; tp: number; fn: number; fp: number }>;
}

/** NAB's scaled sigmoid: +0.9866 at -1 (window start), 0 at 0 (window end), -1 beyond 3. */
export function windowCurve(position: number): number {
  if (position > 3) return -1;
  return 2 / (1 + Math.exp(5 * position)) - 1;
}

const MAX_TP = windowCurve(-1);

/** Rows NAB ignores at the start of a file: 15% of it, at most 750. */
export function probationRows(n: number): number {
  return Math.min(Math.floor(0.15 * n), 750);
}

/** Describes each post-probation row of one file: its window (or -1) and unweighted curves. */
export function labelRows(times: number[], windows: Array<[number, number]>): Array<{ row: number; window: number; tpCurve: number; fpCurve: number }> {
  const n = times.length;
  const prob = probationRows(n);
  const firstIndex = new Map<number, number>();
  times.forEach((t, i) => {
    if (!firstIndex.has(t)) firstIndex.set(t, i);
  });
  const pending = [...windows].sort((a, b) => a[0] - b[0]);
  for (const [s, e] of pending) {
    if (!firstIndex.has(s) || !firstIndex.has(e)) throw new Error(`window ${s}..${e} does not match data timestamps`);
  }
  const out: Array<{ row: number; window: number; tpCurve: number; fpCurve: number }> = [];
  let cur: { id: number; right: number; width: number; end: number } | null = null;
  let prev: { right: number; width: number } | null = null;
  let k = 0;
  let next = 0;
  for (let i = 0; i < n; i++) {
    const t = times[i]!;
    const head = pending[next];
    if (head && t === head[0]) {
      next += 1;
      const right = firstIndex.get(head[1])!;
      cur = { id: k, right, width: right - firstIndex.get(head[0])! + 1, end: head[1] };
      k += 1;
    }
    let tpCurve = Number.NaN;
    let fpCurve = Number.NaN;
    let window = -1;
    if (cur) {
      tpCurve = windowCurve(-(cur.right - i + 1) / cur.width);
      window = cur.id;
    } else {
      fpCurve = prev === null ? -1 : windowCurve(Math.abs(prev.right - i) / (prev.width - 1));
    }
    if (i >= prob) out.push({ row: i, window, tpCurve, fpCurve });
    if (cur && t === cur.end) {
      prev = { right: i, width: cur.width };
      cur = null;
    }
  }
  return out;
}

/** Builds the sorted corpus of scored rows from per-file scores. Non-finite scores never detect. */
export function buildCorpus(files: ScoredFile[]): Corpus {
  const points: Point[] = [];
  const windowBase: number[] = [];
  const scored = new Set<number>();
  let total = 0;
  files.forEach((f, fi) => {
    if (f.scores.length !== f.times.length) throw new Error(`${f.name}: ${f.scores.length} scores for ${f.times.length} rows`);
    windowBase.push(total);
    for (const r of labelRows(f.times, f.windows)) {
      const raw = f.scores[r.row]!;
      const score = Number.isFinite(raw) ? raw : -Infinity;
      const window = r.window < 0 ? -1 : total + r.window;
      points.push({ score, file: fi, window, tpCurve: r.tpCurve, fpCurve: r.fpCurve });
      if (window >= 0) scored.add(window);
    }
    total += f.windows.length;
  });
  points.sort((a, b) => b.score - a.score);
  return { files: files.map((f) => f.name), points, windowBase, windowsTotal: total, scoredWindows: [...scored].sort((a, b) => a - b) };
}

function weightOf(p: Point, prof: Profile): number {
  return p.window < 0 ? p.fpCurve * prof.fpWeight : (p.tpCurve * prof.tpWeight) / MAX_TP;
}

/** The threshold that maximises the raw score (highest one on ties), as NAB's optimiser picks it. */
export function optimizeThreshold(corpus: Corpus, prof: Profile): { threshold: number; raw: number } {
  const best = new Map<number, number>();
  for (const w of corpus.scoredWindows) best.set(w, -prof.fnWeight);
  let total = -prof.fnWeight * best.size;
  let bestThr = Infinity;
  let bestRaw = total;
  const pts = corpus.points;
  let j = 0;
  while (j < pts.length) {
    const thr = pts[j]!.score;
    if (thr === -Infinity) break;
    while (j < pts.length && pts[j]!.score === thr) {
      const p = pts[j]!;
      const w = weightOf(p, prof);
      if (p.window < 0) total += w;
      else if (w > best.get(p.window)!) {
        total += w - best.get(p.window)!;
        best.set(p.window, w);
      }
      j += 1;
    }
    if (total > bestRaw + 1e-12) {
      bestRaw = total;
      bestThr = thr;
    }
  }
  return { threshold: bestThr, raw: bestRaw };
}

/** Exact breakdown at a threshold (a detection is score >= threshold). */
export function scoreAt(corpus: Corpus, prof: Profile, threshold: number) {
  const best = new Map<number, { w: number; file: number } | null>();
  for (const w of corpus.scoredWindows) best.set(w, null);
  const n = corpus.files.length;
  const perFile = corpus.files.map((file) => ({ file, raw: 0, tp: 0, fn: 0, fp: 0 }));
  let fpSum = 0;
  let fpRows = 0;
  for (const p of corpus.points) {
    if (p.score < threshold) break;
    const w = weightOf(p, prof);
    if (p.window < 0) {
      fpSum += w;
      fpRows += 1;
      perFile[p.file]!.raw += w;
      perFile[p.file]!.fp += 1;
    } else {
      const b = best.get(p.window);
      if (!b || w > b.w) best.set(p.window, { w, file: p.file });
    }
  }
  let total = fpSum;
  let tp = 0;
  let fn = 0;
  for (const [wid, b] of best) {
    const f = fileOfWindow(corpus, wid, n);
    if (b === null || b === undefined) {
      fn += 1;
      total -= prof.fnWeight;
      perFile[f]!.raw -= prof.fnWeight;
      perFile[f]!.fn += 1;
    } else {
      tp += 1;
      total += b.w;
      perFile[f]!.raw += b.w;
      perFile[f]!.tp += 1;
    }
  }
  return { raw: total, windowsDetected: tp, windowsMissed: fn, fpRows, perFile };
}

function fileOfWindow(corpus: Corpus, wid: number, n: number): number {
  let f = 0;
  while (f + 1 < n && corpus.windowBase[f + 1]! <= wid) f += 1;
  return f;
}

/** Raw score if every scored row were a detection. */
function nullAll(corpus: Corpus, prof: Profile): number {
  const best = new Map<number, number>();
  let total = 0;
  for (const p of corpus.points) {
    const w = weightOf(p, prof);
    if (p.window < 0) total += w;
    else if (!best.has(p.window) || w > best.get(p.window)!) best.set(p.window, w);
  }
  for (const wid of corpus.scoredWindows) total += best.get(wid) ?? -prof.fnWeight;
  return total;
}

/** Scores a corpus for one profile, at the given threshold or at the optimal one. */
export function evaluate(corpus: Corpus, prof: Profile, threshold?: number): Evaluation {
  const thr = threshold ?? optimizeThreshold(corpus, prof).threshold;
  const res = scoreAt(corpus, prof, thr);
  const never = -prof.fnWeight * corpus.scoredWindows.length;
  const nul = Math.max(never, nullAll(corpus, prof));
  const perfect = prof.tpWeight * corpus.windowsTotal;
  const denom = perfect - nul;
  const normalized = denom ? (100 * (res.raw - nul)) / denom : 0;
  return { threshold: thr, null: nul, perfect, normalized, ...res };
}

/** NAB scores of a set of files for the three profiles (each with its own optimal threshold). */
export function nabScores(files: ScoredFile[], profiles: Record<ProfileName, Profile> = NAB_PROFILES): Record<ProfileName, Evaluation> {
  const corpus = buildCorpus(files);
  return {
    standard: evaluate(corpus, profiles.standard),
    reward_low_FP_rate: evaluate(corpus, profiles.reward_low_FP_rate),
    reward_low_FN_rate: evaluate(corpus, profiles.reward_low_FN_rate),
  };
}
