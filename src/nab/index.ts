export { parseNabTime } from "./time.ts";
export { parseNabCsv, formatScoredCsv, type NabSeries } from "./csv.ts";
export {
  NAB_PROFILES,
  PROFILE_ORDER,
  buildCorpus,
  evaluate,
  labelRows,
  nabScores,
  optimizeThreshold,
  probationRows,
  scoreAt,
  windowCurve,
  type Corpus,
  type Evaluation,
  type Profile,
  type ProfileName,
  type ScoredFile,
} from "./score.ts";

/** Per-category NAB scores at the corpus-wide threshold (each normalised against its own null and perfect). */
import { buildCorpus, evaluate, type Profile, type ScoredFile } from "./score.ts";
export function categoryScores(files: ScoredFile[], prof: Profile, threshold: number): Map<string, { normalized: number | null; tp: number; fn: number; fp: number; windows: number }> {
  const byCat = new Map<string, ScoredFile[]>();
  for (const f of files) {
    const cat = f.name.split("/")[0] ?? "";
    byCat.set(cat, [...(byCat.get(cat) ?? []), f]);
  }
  const out = new Map<string, { normalized: number | null; tp: number; fn: number; fp: number; windows: number }>();
  for (const [cat, list] of [...byCat].sort((a, b) => a[0].localeCompare(b[0]))) {
    const e = evaluate(buildCorpus(list), prof, threshold);
    out.set(cat, { normalized: e.perfect > 0 ? e.normalized : null, tp: e.windowsDetected, fn: e.windowsMissed, fp: e.fpRows, windows: e.perfect / prof.tpWeight });
  }
  return out;
}
