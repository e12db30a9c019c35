/**
 * Offline scorer: `npm run score -- <csv file or folder> --out <folder> [--name ayvlo]`.
 * Reads NAB-format CSVs (timestamp,value), runs the default detector over
 * each one causally (the same code the Series Durable Object runs), and
 * writes `<out>/<relative dir>/<name>_<file>.csv` with
 * `timestamp,value,anomaly_score`. Labels are never read.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { DEFAULT_DETECTOR_CONFIG } from "../src/detect/index.ts";
import { scoreSeries } from "../src/detect/run.ts";
import { formatScoredCsv, parseNabCsv } from "../src/nab/csv.ts";

function usage(msg?: string): never {
  if (msg) process.stderr.write(`score: ${msg}\n`);
  process.stderr.write("usage: npm run score -- <csv file or folder> --out <folder> [--name ayvlo]\n");
  process.exit(2);
}

function listCsv(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listCsv(p));
    else if (e.isFile() && e.name.endsWith(".csv")) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
let input: string | undefined;
let out: string | undefined;
let name = "ayvlo";
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === "--out") out = args[++i];
  else if (a === "--name") name = args[++i] ?? usage("--name needs a value");
  else if (a === "-h" || a === "--help") usage();
  else if (!input) input = a;
  else usage(`unexpected argument ${a}`);
}
if (!input || !out) usage();
if (!existsSync(input)) usage(`${input} does not exist`);

// A NAB checkout (with data/) is scored from its data/ folder so the output is <category>/<name>_<file>.csv.
let root = resolve(input);
if (statSync(root).isDirectory() && existsSync(join(root, "data")) && statSync(join(root, "data")).isDirectory()) root = join(root, "data");
const files = statSync(root).isDirectory() ? listCsv(root) : [root];
// A single file keeps its parent folder as its category.
const base = statSync(root).isDirectory() ? root : dirname(dirname(root));
const total = files.length;
const t0 = performance.now();
let points = 0;
files.forEach((file, k) => {
  const rel = relative(base, file);
  const series = parseNabCsv(readFileSync(file, "utf8"));
  const started = performance.now();
  const label = `[${k + 1}/${total}] ${rel}`;
  const scores = scoreSeries(series.times, series.values, DEFAULT_DETECTOR_CONFIG, {
    progressEvery: 2000,
    onProgress: (done) => process.stderr.isTTY && process.stderr.write(`\r${label} ${Math.round((100 * done) / series.values.length)}%`),
  });
  const target = join(out, dirname(rel), `${name}_${basename(rel)}`);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, formatScoredCsv(series, scores));
  points += scores.length;
  const secs = (performance.now() - started) / 1000;
  process.stderr.write(`\r${label} ${scores.length} points in ${secs.toFixed(2)} s\n`);
});
const secs = (performance.now() - t0) / 1000;
process.stderr.write(`scored ${total} file(s), ${points} points in ${secs.toFixed(1)} s (${Math.round(points / secs)} points/s) → ${out}\n`);
