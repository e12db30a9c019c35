/**
 * `npm run bench:detect`: points per second on one core for the whole
 * ensemble and for each member at windows 256, 1024 and 4096, and the JSON
 * snapshot size per series, beside a rolling mean/std z-score baseline, all
 * in the same run on the same synthetic series (daily seasonality, noise,
 * spikes and a level shift; 5-minute points). Writes bench/results/detect.md.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createRollingZ } from "../src/detect/baselines.ts";
import { updateChangepoint, createChangepoint } from "../src/detect/changepoint.ts";
import { discord } from "../src/detect/discord.ts";
import { generalizedEsd } from "../src/detect/esd.ts";
import { createDetector, DEFAULT_DETECTOR_CONFIG } from "../src/detect/index.ts";
import { iqrFences } from "../src/detect/iqr.ts";
import { createKnn, knnScore, learnKnn } from "../src/detect/knn.ts";
import { DEFAULT_TUNING } from "../src/detect/ensemble.ts";
import { createLagged, DEFAULT_LAGGED, LaggedModels } from "../src/detect/lagged.ts";
import { mulberry32 } from "../src/detect/prng.ts";
import { robustZ } from "../src/detect/robust-z.ts";
import { createSeasonal, updateSeasonal } from "../src/detect/seasonal.ts";
import { createWindow, pushWindow, windowSize } from "../src/detect/window.ts";

const repo = resolve(import.meta.dirname, "..");
const N = Number(process.argv[2] ?? 30000);
const WINDOWS = [256, 1024, 4096];

function series(n: number): { t: number[]; x: number[] } {
  const rand = mulberry32(42);
  const t: number[] = [];
  const x: number[] = [];
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < n; i++) {
    const ts = t0 + i * 300_000;
    const day = Math.sin((2 * Math.PI * (ts % 86_400_000)) / 86_400_000);
    let v = 100 + 30 * day + (rand() - 0.5) * 10 + (i > n / 2 ? 40 : 0);
    if (rand() < 0.002) v += 80;
    t.push(ts);
    x.push(v);
  }
  return { t, x };
}

const { t, x } = series(N);

/** Runs fn over the series (after a warm-up pass) and returns points per second. */
function rate(fn: () => (ts: number, v: number) => void): number {
  // Warm-up so the JIT settles, then the timed run on a fresh instance.
  const warm = fn();
  for (let i = 0; i < Math.min(N, 5000); i++) warm(t[i]!, x[i]!);
  const step = fn();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) step(t[i]!, x[i]!);
  return N / ((performance.now() - t0) / 1000);
}

function windowMember(w: number, score: (sorted: readonly number[], v: number) => unknown) {
  return () => {
    const win = createWindow(w);
    return (_ts: number, v: number) => {
      if (windowSize(win) > 0) score(win.sorted, v);
      pushWindow(win, v);
    };
  };
}

const rows: Array<{ name: string; cells: string[] }> = [];
const snap: string[] = [];
const members: Array<[string, (w: number) => () => (ts: number, v: number) => void]> = [
  [
    "ensemble (all members)",
    (w) => () => {
      const d = createDetector({ ...DEFAULT_DETECTOR_CONFIG, window: w });
      return (ts, v) => void d.update(ts, v);
    },
  ],
  ["robust_z (median/MAD)", (w) => windowMember(w, robustZ)],
  ["iqr fences", (w) => windowMember(w, iqrFences)],
  ["generalized ESD", (w) => windowMember(w, generalizedEsd)],
  [
    "discord (left matrix profile, m 4, 256 lags)",
    (w) => () => {
      const win = createWindow(w);
      const buf = new Float64Array(w + 1);
      return (_ts, v) => {
        if (windowSize(win) > 0) discord(win, v, 1, 4, 256, buf);
        pushWindow(win, v);
      };
    },
  ],
  [
    `knn conformal (dim ${DEFAULT_TUNING.knn.dim}, k ${DEFAULT_TUNING.knn.k}, ${DEFAULT_TUNING.knn.refs} refs, calibration ${DEFAULT_TUNING.knn.cal})`,
    (w) => () => {
      const win = createWindow(w);
      const st = createKnn();
      const p = DEFAULT_TUNING.knn;
      const buf = new Float64Array(Math.max(w + 1, p.refs + 2 * p.dim));
      return (_ts, v) => {
        if (windowSize(win) > 0) learnKnn(st, knnScore(st, win, v, 1, p, buf).alpha, p.cal);
        pushWindow(win, v);
      };
    },
  ],
  [
    "seasonal baseline (window-free)",
    () => () => {
      const s = createSeasonal("auto");
      return (ts, v) => void updateSeasonal(s, ts, v);
    },
  ],
  [
    `isolation forest + LOF (shared lagged model: ${DEFAULT_LAGGED.trees} trees, ${DEFAULT_LAGGED.psi} samples, LOF on ${DEFAULT_LAGGED.lofRefs}, refit every ${DEFAULT_LAGGED.refitEvery})`,
    (w) => () => {
      const win = createWindow(w);
      const m = new LaggedModels(createLagged(), 1);
      return (_ts, v) => {
        m.score(win, v);
        pushWindow(win, v);
        m.step(win);
      };
    },
  ],
  [
    "changepoint (CUSUM)",
    () => () => {
      const c = createChangepoint();
      let prev = 0;
      return (_ts, v) => {
        updateChangepoint(c, (v - prev) / 10);
        prev = v;
      };
    },
  ],
  [
    "baseline: rolling mean/std z-score",
    (w) => () => {
      const z = createRollingZ(w);
      return (ts, v) => void z.update(ts, v);
    },
  ],
];
for (const [name, make] of members) {
  const cells = WINDOWS.map((w) => Math.round(rate(make(w))).toLocaleString("en-US"));
  rows.push({ name, cells });
  process.stderr.write(`${name}: ${cells.join(" / ")}\n`);
}
for (const w of WINDOWS) {
  const d = createDetector({ ...DEFAULT_DETECTOR_CONFIG, window: w });
  for (let i = 0; i < N; i++) d.update(t[i]!, x[i]!);
  const bytes = new TextEncoder().encode(JSON.stringify(d.snapshot())).length;
  snap.push(`| ${w} | ${(bytes / 1024).toFixed(1)} KB |`);
}

const lines = [
  `# Detector throughput (points/s, one core) and snapshot size`,
  "",
  `${N.toLocaleString("en-US")} synthetic 5-minute points (daily cycle, noise, 0.2% spikes, a level shift), Node ${process.version}, ${process.arch}. Each figure is one timed pass after a warm-up pass; the members are timed on their own, with the window upkeep they need.`,
  "",
  `| detector | window ${WINDOWS.join(" | window ")} |`,
  `|---|${WINDOWS.map(() => "---:").join("|")}|`,
  ...rows.map((r) => `| ${r.name} | ${r.cells.join(" | ")} |`),
  "",
  "Snapshot size per series (JSON, after the whole series):",
  "",
  "| window | snapshot |",
  "|---:|---:|",
  ...snap,
  "",
];
const text = lines.join("\n");
process.stdout.write(text);
mkdirSync(join(repo, "bench", "results"), { recursive: true });
writeFileSync(join(repo, "bench", "results", "detect.md"), text);
