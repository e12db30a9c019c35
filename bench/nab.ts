/**
 * `npm run bench:nab`: scores the NAB development split (../shared/nab) with
 * the default detector and two baselines in one run, computes NAB scores for
 * the three profiles with the TypeScript scorer (src/nab), prints the tables
 * and writes them to bench/results/nab.md.
 *
 * Options: --out <dir> also writes every detector's CSVs in NAB layout
 * (to cross-check with tools/nab_score.py); --only <name> runs one detector;
 * --per-file adds a per-file breakdown; --no-write skips bench/results.
 *
 * Experiment mode (implies --no-write): --tuning '<json>' overrides fields of
 * the ensemble's DEFAULT_TUNING (objects such as `weights` are merged);
 * --seeds 1,2,3 runs the ensemble once per detector seed and reports the mean;
 * --halves also scores the alphabetically odd and even files separately (each
 * half with its own optimal threshold), a check that a gain is not one file's,
 * and the real (non-artificial) files alone;
 * --brief prints only the summary lines.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createRollingRobustZ, createRollingZ } from "../src/detect/baselines.ts";
import { createEnsemble, DEFAULT_TUNING, type Tuning } from "../src/detect/ensemble.ts";
import { DEFAULT_DETECTOR_CONFIG, type DetectorConfig } from "../src/detect/index.ts";
import { categoryScores, formatScoredCsv, NAB_PROFILES, nabScores, parseNabCsv, parseNabTime, PROFILE_ORDER, type NabSeries, type ProfileName, type ScoredFile } from "../src/nab/index.ts";

const repo = resolve(import.meta.dirname, "..");
const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const nabDir = resolve(opt("--nab") ?? process.env.NAB_DIR ?? join(repo, "..", "shared", "nab"));
const outDir = opt("--out");
const only = opt("--only");
const perFile = args.includes("--per-file");
const tuningArg = opt("--tuning");
const seedsArg = opt("--seeds");
const halves = args.includes("--halves");
const brief = args.includes("--brief");
const experiment = !!(tuningArg || seedsArg || halves);
const write = !args.includes("--no-write") && !experiment;

function mergeTuning(base: Tuning, over: Record<string, unknown>): Tuning {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = v && typeof v === "object" && !Array.isArray(v) && b && typeof b === "object" ? { ...(b as object), ...(v as object) } : v;
  }
  return out as unknown as Tuning;
}
const tuning = tuningArg ? mergeTuning(DEFAULT_TUNING, JSON.parse(tuningArg) as Record<string, unknown>) : DEFAULT_TUNING;
const seeds = seedsArg ? seedsArg.split(",").map(Number) : [undefined];

/** Scores a series causally, one point at a time, as the Series Durable Object does. */
function runEnsemble(times: number[], values: number[], config: DetectorConfig): number[] {
  const det = createEnsemble(config, null, tuning);
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = det.update(times[i]!, values[i]!).score;
  return out;
}

interface NabFile {
  rel: string;
  series: NabSeries;
  windows: Array<[number, number]>;
}

function loadNab(dir: string): NabFile[] {
  if (!existsSync(join(dir, "labels", "combined_windows.json"))) throw new Error(`no NAB labels under ${dir}`);
  const windows = JSON.parse(readFileSync(join(dir, "labels", "combined_windows.json"), "utf8")) as Record<string, string[][]>;
  const files: NabFile[] = [];
  for (const cat of readdirSync(join(dir, "data")).sort()) {
    for (const f of readdirSync(join(dir, "data", cat)).sort()) {
      const rel = `${cat}/${f}`;
      const w = windows[rel];
      if (!w || !f.endsWith(".csv")) continue;
      const series = parseNabCsv(readFileSync(join(dir, "data", rel), "utf8"));
      files.push({ rel, series, windows: w.map(([a, b]) => [parseNabTime(a!), parseNabTime(b!)] as [number, number]) });
    }
  }
  return files;
}

type Runner = (f: NabFile) => number[];
const detectors: Array<{ name: string; label: string; run: Runner }> = [
  ...seeds.map((seed) => ({
    name: seed === undefined ? "ayvlo" : `ayvlo-s${seed}`,
    label: seed === undefined ? "Ayvlo ensemble (default config)" : `Ayvlo ensemble (seed ${seed})`,
    run: (f: NabFile) => runEnsemble(f.series.times, f.series.values, seed === undefined ? DEFAULT_DETECTOR_CONFIG : { ...DEFAULT_DETECTOR_CONFIG, seed }),
  })),
  {
    name: "rollingz",
    label: "rolling mean/std z-score (window 1024)",
    run: (f) => {
      const d = createRollingZ(1024);
      return f.series.values.map((x, i) => d.update(f.series.times[i]!, x));
    },
  },
  {
    name: "robustz",
    label: "robust z-score, median/MAD (window 1024)",
    run: (f) => {
      const d = createRollingRobustZ(1024);
      return f.series.values.map((x, i) => d.update(f.series.times[i]!, x));
    },
  },
];

const files = loadNab(nabDir);
const totalPoints = files.reduce((s, f) => s + f.series.values.length, 0);
const results: Array<{ name: string; label: string; scored: ScoredFile[]; secs: number }> = [];
for (const det of detectors.filter((d) => !only || d.name === only || (only === "ayvlo" && d.name.startsWith("ayvlo")))) {
  const t0 = performance.now();
  const scored: ScoredFile[] = files.map((f, k) => {
    if (process.stderr.isTTY) process.stderr.write(`\r${det.name}: ${k + 1}/${files.length} ${f.rel}`.padEnd(90));
    const scores = det.run(f);
    if (outDir) {
      const [cat, name] = f.rel.split("/") as [string, string];
      mkdirSync(join(outDir, det.name, cat), { recursive: true });
      writeFileSync(join(outDir, det.name, cat, `${det.name}_${name}`), formatScoredCsv(f.series, scores));
    }
    return { name: f.rel, times: f.series.times, windows: f.windows, scores };
  });
  const secs = (performance.now() - t0) / 1000;
  process.stderr.write(`\r${det.name}: ${files.length} files, ${totalPoints} points in ${secs.toFixed(1)} s`.padEnd(90) + "\n");
  results.push({ name: det.name, label: det.label, scored, secs });
}

const fmt = (x: number | null) => (x === null ? "–" : x.toFixed(1));
const lines: string[] = [];
lines.push(`# NAB development split: ${files.length} files, ${files.reduce((s, f) => s + f.windows.length, 0)} windows, ${totalPoints} points`);
lines.push("");
lines.push("Scores from `npm run bench:nab` (TypeScript NAB scorer in `src/nab`, each detector at its own best threshold per profile, as NAB's optimiser does).");
lines.push("Published reference points on this split: ARTime 73.6, Numenta HTM 70.4, CAD-OSE 70.1, trailing mean/std z-score 38.1, random 15.4.");
lines.push("");
lines.push("## Overall");
lines.push("");
lines.push("| detector | standard | reward_low_FP_rate | reward_low_FN_rate | TP / FN / FP rows (standard) | threshold (standard) |");
lines.push("|---|---:|---:|---:|---|---:|");
const evals = new Map<string, ReturnType<typeof nabScores>>();
for (const r of results) {
  const e = nabScores(r.scored);
  evals.set(r.name, e);
  const s = e.standard;
  lines.push(`| ${r.label} | ${fmt(e.standard.normalized)} | ${fmt(e.reward_low_FP_rate.normalized)} | ${fmt(e.reward_low_FN_rate.normalized)} | ${s.windowsDetected} / ${s.windowsMissed} / ${s.fpRows} | ${s.threshold} |`);
}
for (const p of PROFILE_ORDER) {
  lines.push("");
  lines.push(`## Per category, profile ${p} (at the corpus-wide threshold; categories without windows show false-positive rows)`);
  lines.push("");
  const cats = [...new Set(files.map((f) => f.rel.split("/")[0]!))].sort();
  lines.push(`| category | ${results.map((r) => r.name).join(" | ")} |`);
  lines.push(`|---|${results.map(() => "---:").join("|")}|`);
  const perDet = results.map((r) => categoryScores(r.scored, NAB_PROFILES[p as ProfileName], evals.get(r.name)![p as ProfileName].threshold));
  for (const c of cats) {
    const cells = perDet.map((m) => {
      const v = m.get(c)!;
      return v.normalized === null ? `FP ${v.fp}` : `${fmt(v.normalized)} (${v.tp}/${v.windows}, FP ${v.fp})`;
    });
    lines.push(`| ${c} | ${cells.join(" | ")} |`);
  }
}
if (perFile) {
  for (const r of results) {
    lines.push("");
    lines.push(`## Per file, ${r.name}, standard`);
    lines.push("");
    lines.push("| file | raw | TP | FN | FP |");
    lines.push("|---|---:|---:|---:|---:|");
    for (const f of evals.get(r.name)!.standard.perFile) lines.push(`| ${f.file} | ${f.raw.toFixed(3)} | ${f.tp} | ${f.fn} | ${f.fp} |`);
  }
}
lines.push("");
lines.push(`Run time: ${results.map((r) => `${r.name} ${r.secs.toFixed(1)} s`).join(", ")} (Node ${process.version}).`);
const text = lines.join("\n") + "\n";
if (!brief) process.stdout.write(text);
if (experiment) {
  const ours = results.filter((r) => r.name.startsWith("ayvlo"));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const summary = (pick: (r: (typeof results)[number]) => ScoredFile[]) => {
    const e = ours.map((r) => nabScores(pick(r)));
    return PROFILE_ORDER.map((p) => mean(e.map((x) => x[p].normalized)).toFixed(2)).join(" / ");
  };
  const e0 = evals.get(ours[0]!.name)!.standard;
  console.log(`experiment ${tuningArg ?? "{}"}: all ${summary((r) => r.scored)} (TP/FN/FP ${e0.windowsDetected}/${e0.windowsMissed}/${e0.fpRows}${ours.length > 1 ? `, mean of ${ours.length} seeds` : ""})`);
  if (halves) {
    console.log(`  odd files ${summary((r) => r.scored.filter((_, i) => i % 2 === 1))}`);
    console.log(`  even files ${summary((r) => r.scored.filter((_, i) => i % 2 === 0))}`);
    // The held-out split is real data only: the artificial files can flatter a change that will not carry over.
    console.log(`  real files ${summary((r) => r.scored.filter((f) => f.name.startsWith("real")))}`);
  }
}
if (write) {
  mkdirSync(join(repo, "bench", "results"), { recursive: true });
  writeFileSync(join(repo, "bench", "results", "nab.md"), text);
}
console.log(JSON.stringify(Object.fromEntries(results.map((r) => [r.name, Object.fromEntries(PROFILE_ORDER.map((p) => [p, Number(evals.get(r.name)![p].normalized.toFixed(3))]))]))));
