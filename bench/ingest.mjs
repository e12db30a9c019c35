#!/usr/bin/env node
// `npm run bench:ingest [-- --duration 6 --warmup 2 --connections 16 …]`
//
// Ingest throughput and latency over loopback, on our own `wrangler dev`
// (workerd), for batches of 1, 100 and 1,000 points over 1, 10 and 100
// metrics. Each shape runs against three endpoints with the same bodies and key:
//   parse   POST /v1/ingest?dry_run=1   auth + parse + validate, stores nothing (200)
//   fanout  POST /v1/_bench/fanout      the same, then one RPC per metric to a do-nothing DO (202)
//   full    POST /v1/ingest             gate DO + one Series DO per metric: store and score (202)
// Writes bench/results/ingest.md and bench/results/ingest.json.
//
// Load: autocannon, one instance per connection (connections=1 each, so each
// connection owns its own series and sends them strictly in order: timestamps
// only increase, nothing is late or a duplicate). Every run gets a fresh tenant
// (plan "enterprise": 2M points/s, never rate limited).
import autocannon from "autocannon";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { groupCpuSeconds, systemBusySeconds } from "./lib/proc-cpu.mjs";
import { startWranglerDev } from "./lib/wrangler-dev.mjs";

const ROOT = resolve(import.meta.dirname, "..");

const { values: opts } = parseArgs({
  options: {
    duration: { type: "string", default: "6" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "16" },
    "step-ms": { type: "string", default: "1000" },
    shapes: { type: "string", default: "1x1,100x1,100x10,100x100,1000x1,1000x10,1000x100" },
    endpoints: { type: "string", default: "parse,fanout,full" },
    out: { type: "string", default: "bench/results/ingest" },
    "no-write": { type: "boolean", default: false },
    "keep-state": { type: "boolean", default: false },
    "quiet-cores": { type: "string", default: "0.3" },
    "quiet-wait": { type: "string", default: "15" },
    retries: { type: "string", default: "2" },
    "max-minutes": { type: "string", default: "8" },
    ref: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (opts.help) {
  console.log(`usage: npm run bench:ingest [-- options]
  --duration S      measured seconds per run (default 6)
  --warmup S        warm-up seconds before each run, not measured (default 2)
  --connections N   concurrent connections (default 16)
  --step-ms MS      timestamp step between points of one series (default 1000)
  --shapes LIST     batch x metrics, comma separated (default ${opts.shapes})
  --endpoints LIST  parse,fanout,full (default all)
  --out PREFIX      results path without extension (default bench/results/ingest)
  --no-write        print only, write no result files
  --keep-state      keep the temporary wrangler state dir and log
  --quiet-cores C   other processes may use at most C cores during a run (default 0.3):
                    wait for that before each run, and rerun a run that saw more
  --quiet-wait S    wait at most S seconds for a quiet machine before a run (default 15)
  --retries N       reruns of a run disturbed by other processes (default 2; the
                    least disturbed attempt is kept)
  --ref REV         bench a committed revision (git archive of REV into a temp
                    dir) instead of the working tree
  --max-minutes M   time budget: waiting and reruns stop when they would push the
                    whole bench past M minutes (default 8)`);
  process.exit(0);
}

const DURATION = positive("duration");
const WARMUP = Number(opts.warmup);
const CONNECTIONS = Math.round(positive("connections"));
const STEP_MS = Math.round(positive("step-ms"));
const QUIET_CORES = Number(opts["quiet-cores"]);
const QUIET_WAIT_S = Number(opts["quiet-wait"]);
const RETRIES = Math.max(0, Math.round(Number(opts.retries)));
const BUDGET_MS = positive("max-minutes") * 60_000;
const RUN_SECONDS = Math.max(0, WARMUP) + DURATION + 1; // one drive, plus tenant creation and teardown
const budget = { began: Date.now(), runsLeft: 0 };
/** Seconds to spare for waiting and reruns, keeping room for every run still to come. */
function slackSeconds() {
  return (budget.began + BUDGET_MS - Date.now()) / 1000 - budget.runsLeft * RUN_SECONDS;
}
const SHAPES = opts.shapes.split(",").map((s) => {
  const m = /^\s*(\d+)x(\d+)\s*$/.exec(s);
  if (!m) fail(`bad shape "${s}" (want BATCHxMETRICS)`);
  const batch = Number(m[1]);
  const metrics = Number(m[2]);
  if (metrics > batch || batch % metrics !== 0) fail(`shape ${s}: metrics must divide the batch size`);
  return { batch, metrics };
});

const ENDPOINTS = {
  parse: { name: "parse-only", path: "/v1/ingest?dry_run=1", status: 200 },
  fanout: { name: "bare fan-out", path: "/v1/_bench/fanout", status: 202 },
  full: { name: "full path", path: "/v1/ingest", status: 202 },
};
const ENDPOINT_IDS = opts.endpoints.split(",").map((e) => e.trim());
for (const e of ENDPOINT_IDS) if (!ENDPOINTS[e]) fail(`unknown endpoint "${e}" (parse, fanout, full)`);

function positive(name) {
  const n = Number(opts[name]);
  if (!(n > 0)) fail(`--${name} must be a positive number`);
  return n;
}
function fail(message) {
  console.error(`bench:ingest: ${message}`);
  process.exit(2);
}

// ---------------------------------------------------------------------------
// Bodies: string building from precomputed pieces, so the load generator stays cheap.

/** A smooth loop of values: an AR(1) walk around 100 followed by its mirror image (no jump at the wrap). */
const VALUES = (() => {
  const half = 1 << 15;
  let seed = 0x5eed1234;
  const rand = () => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const walk = [];
  let y = 0;
  for (let i = 0; i < half; i++) {
    const gauss = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    y = 0.95 * y + gauss;
    walk.push((100 + y).toFixed(3));
  }
  return [...walk, ...walk.slice().reverse()];
})();
const VALUE_MASK = VALUES.length - 1;

/**
 * Body factory for one connection: `batch` points, `batch / metrics` per metric,
 * metrics interleaved; the connection's own tag set, so its series see strictly
 * increasing timestamps (one step per point) across the whole run.
 */
function connectionBodies({ batch, metrics, connection, startMs, stepMs }) {
  const perSeries = batch / metrics;
  const host = `bench-${String(connection).padStart(2, "0")}`;
  const prefix = [];
  const offset = [];
  for (let m = 0; m < metrics; m++) {
    prefix.push(`{"metric":"m${m}","tags":{"host":"${host}"},"value":`);
    offset.push((connection * 7919 + m * 104729) & VALUE_MASK);
  }
  let n = 0; // points sent so far per series of this connection
  return () => {
    let s = "[";
    for (let k = 0; k < perSeries; k++) {
      const i = n + k;
      const ts = `,"timestamp":${startMs + i * stepMs}}`;
      for (let m = 0; m < metrics; m++) {
        if (k !== 0 || m !== 0) s += ",";
        s += prefix[m] + VALUES[(offset[m] + i) & VALUE_MASK] + ts;
      }
    }
    n += perSeries;
    return s + "]";
  };
}

// ---------------------------------------------------------------------------
// Load runs.

function newStats() {
  return { latencies: [], statusCounts: {}, wrongCount: 0, late: 0, duplicates: 0, anomalies: 0, firstErrors: [] };
}

function cpuSnapshot(pgid) {
  return { at: process.hrtime.bigint(), system: systemBusySeconds(), group: groupCpuSeconds(pgid), self: process.cpuUsage() };
}

/** Cores used between two snapshots: our wrangler/workerd group, this process, everything else. */
function cpuBetween(a, b) {
  const wall = Number(b.at - a.at) / 1e9;
  const self = (b.self.user - a.self.user + b.self.system - a.self.system) / 1e6 / wall;
  const group = a.group === null || b.group === null ? null : (b.group - a.group) / wall;
  const others = a.system === null || group === null ? null : Math.max(0, (b.system - a.system) / wall - group - self);
  return { wrangler_workerd: round(group, 2), load_generator: round(self, 2), others: round(others, 2) };
}

/**
 * One autocannon instance per connection, all at once, for warm-up + measured
 * seconds without a break; only responses that complete inside the measured
 * window count (steady state: no ramp-up or drain in the numbers).
 */
async function drive({ url, path, apiKey, bodies, expectStatus, batch, pgid }) {
  const acceptedPrefix = `{"accepted":${batch}`;
  const headers = { "content-type": "application/json", authorization: `Bearer ${apiKey}` };
  const warm = newStats();
  const stats = newStats();
  let current = WARMUP > 0 ? warm : stats;
  let windowStart = WARMUP > 0 ? null : cpuSnapshot(pgid);
  let windowEnd = null;

  const onResponse = (status, body) => {
    if (current === null) return;
    if (status !== expectStatus) {
      if (current.firstErrors.length < 3) current.firstErrors.push(`${status} ${String(body).slice(0, 300)}`);
      return;
    }
    const next = body.charCodeAt(acceptedPrefix.length);
    if (!body.startsWith(acceptedPrefix) || (next !== 44 && next !== 125)) current.wrongCount += 1; // , or }
    if (body.includes('"late":') && !body.includes('"late":0,')) current.late += Number(/"late":(\d+)/.exec(body)?.[1] ?? 0);
    if (body.includes('"duplicates":') && !body.includes('"duplicates":0,')) current.duplicates += Number(/"duplicates":(\d+)/.exec(body)?.[1] ?? 0);
    if (body.includes('"anomalies":[') && !body.includes('"anomalies":[]')) current.anomalies += JSON.parse(body).anomalies.length;
  };
  const onStatus = (_client, status, _bytes, ms) => {
    if (current === null) return;
    current.statusCounts[status] = (current.statusCounts[status] ?? 0) + 1;
    if (status === expectStatus) current.latencies.push(ms);
  };

  const timers = [];
  if (WARMUP > 0) {
    timers.push(
      setTimeout(() => {
        windowStart = cpuSnapshot(pgid);
        current = stats;
      }, WARMUP * 1000),
    );
  }
  timers.push(
    setTimeout(() => {
      windowEnd = cpuSnapshot(pgid);
      current = null; // whatever completes after this is not counted
    }, (Math.max(0, WARMUP) + DURATION) * 1000),
  );

  const instances = bodies.map((next) => {
    const instance = autocannon({
      url,
      connections: 1,
      pipelining: 1,
      // A little past the window, so every connection is still busy when it closes.
      duration: Math.max(0, WARMUP) + DURATION + 0.5,
      timeout: 60,
      skipAggregateResult: true,
      requests: [{ method: "POST", path, headers, setupRequest: (req) => ({ ...req, body: next() }), onResponse }],
    });
    instance.on("response", onStatus);
    return instance;
  });
  const results = await Promise.all(instances);
  for (const t of timers) clearTimeout(t);
  windowEnd ??= cpuSnapshot(pgid);
  return {
    warm,
    stats,
    seconds: Number(windowEnd.at - windowStart.at) / 1e9,
    cpu: cpuBetween(windowStart, windowEnd),
    // autocannon's socket errors and timeouts, over the whole drive (warm-up included).
    errors: results.reduce((n, r) => n + r.errors, 0),
    timeouts: results.reduce((n, r) => n + r.timeouts, 0),
  };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function createTenant(server, adminToken, name) {
  const res = await fetch(`${server.url}/v1/admin/tenants`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name, plan: "enterprise" }),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`POST /v1/admin/tenants → ${res.status}: ${text.slice(0, 300)}`);
  const body = JSON.parse(text);
  return { id: body.tenant.id, apiKey: body.api_key };
}

/** One shape × endpoint: a fresh tenant, then warm-up + measured window; rerun when other processes disturbed it. */
async function measure(server, adminToken, shape, endpointId) {
  const endpoint = ENDPOINTS[endpointId];
  const attempts = [];
  budget.runsLeft -= 1; // this one
  for (let attempt = 0; attempt <= RETRIES; attempt += 1) {
    if (attempt > 0 && slackSeconds() < RUN_SECONDS) break;
    const waited = await waitQuiet(server.pid, Math.min(QUIET_WAIT_S, slackSeconds() - RUN_SECONDS));
    const tenant = await createTenant(server, adminToken, `bench ${shape.batch}x${shape.metrics} ${endpointId}`);
    const startMs = Date.now() - 20 * 24 * 3600 * 1000;
    const bodies = Array.from({ length: CONNECTIONS }, (_, connection) => connectionBodies({ ...shape, connection, startMs, stepMs: STEP_MS }));
    const d = await drive({ url: server.url, path: endpoint.path, apiKey: tenant.apiKey, bodies, expectStatus: endpoint.status, batch: shape.batch, pgid: server.pid });
    const a = summarize(d, shape, endpoint);
    a.tenant = tenant.id;
    a.waited_for_quiet_s = waited;
    attempts.push(a);
    if (a.cpu_cores.others === null || a.cpu_cores.others <= QUIET_CORES) break;
    if (attempt < RETRIES && slackSeconds() >= RUN_SECONDS) process.stdout.write(`(other processes used ${a.cpu_cores.others} cores; again) … `);
  }
  const best = attempts.reduce((a, b) => ((b.cpu_cores.others ?? 0) < (a.cpu_cores.others ?? 0) ? b : a));
  return {
    shape: `${shape.batch}x${shape.metrics}`,
    batch: shape.batch,
    metrics: shape.metrics,
    endpoint: endpointId,
    path: endpoint.path,
    ...best,
    attempts: attempts.length,
    others_cores_per_attempt: attempts.map((a) => a.cpu_cores.others),
  };
}

function summarize(d, shape, endpoint) {
  const { stats, warm } = d;
  const latencies = Float64Array.from(stats.latencies).sort();
  const ok = stats.statusCounts[endpoint.status] ?? 0;
  const total = Object.values(stats.statusCounts).reduce((a, b) => a + b, 0);
  const warmTotal = Object.values(warm.statusCounts).reduce((a, b) => a + b, 0);
  return {
    seconds: round(d.seconds, 2),
    requests_ok: ok,
    requests_total: total,
    non_2xx: total - ok,
    status_counts: stats.statusCounts,
    socket_errors: d.errors,
    timeouts: d.timeouts,
    wrong_accepted_count: stats.wrongCount + warm.wrongCount,
    points_per_s: Math.round((ok * shape.batch) / d.seconds),
    requests_per_s: round(ok / d.seconds, 1),
    latency_ms: {
      p50: round(percentile(latencies, 50), 2),
      p90: round(percentile(latencies, 90), 2),
      p99: round(percentile(latencies, 99), 2),
      max: round(latencies.at(-1) ?? null, 2),
      mean: round(latencies.reduce((a, b) => a + b, 0) / (latencies.length || 1), 2),
    },
    // CPU over the measured window, in cores (1.0 = one core busy all the time).
    cpu_cores: d.cpu,
    late: stats.late + warm.late,
    duplicates: stats.duplicates + warm.duplicates,
    anomalies: stats.anomalies,
    warmup_requests: warmTotal,
    warmup_non_2xx: warmTotal - (warm.statusCounts[endpoint.status] ?? 0),
    first_errors: [...warm.firstErrors, ...stats.firstErrors].slice(0, 3),
  };
}

/** Cores used by processes other than ours (wrangler/workerd group, this process) over `seconds`. */
async function othersCores(pgid, seconds) {
  const a = cpuSnapshot(pgid);
  await sleep(seconds * 1000);
  return cpuBetween(a, cpuSnapshot(pgid)).others;
}

async function waitQuiet(pgid, maxSeconds) {
  const started = Date.now();
  for (;;) {
    const others = await othersCores(pgid, 0.5);
    if (others === null || others <= QUIET_CORES || Date.now() - started > maxSeconds * 1000) return round((Date.now() - started) / 1000, 1);
  }
}

function round(x, digits) {
  if (x === null || x === undefined || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

// ---------------------------------------------------------------------------
// Report.

const fmtInt = (n) => (n === null || n === undefined ? "–" : Math.round(n).toLocaleString("en-US"));
const fmtMs = (n) => (n === null || n === undefined ? "–" : n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0));
const fmtRatio = (a, b) => (a && b ? `${Math.round((100 * a) / b)}%` : "–");

/** With --ref: the revision exported into a temp dir (node_modules linked from this tree). */
function exportRevision(ref) {
  const sha = execFileSync("git", ["rev-parse", "--verify", `${ref}^{commit}`], { cwd: ROOT, encoding: "utf8" }).trim();
  const dir = mkdtempSync(join(tmpdir(), "ayvlo-bench-src-"));
  execFileSync("sh", ["-c", 'git archive --format=tar "$1" | tar -x -C "$2"', "sh", sha, dir], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  return { sha, dir };
}

function machineInfo(source) {
  const git = (...args) => {
    try {
      return execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
      return null;
    }
  };
  const version = (pkg) => {
    try {
      return JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")).version;
    } catch {
      return null;
    }
  };
  const dirty = source ? "" : git("status", "--porcelain", "--untracked-files=no");
  return {
    date: new Date().toISOString(),
    cores: cpus().length,
    cpu_model: cpus()[0]?.model ?? null,
    memory_gb: round(totalmem() / 2 ** 30, 1),
    os: `${process.platform} ${release()}`,
    node: process.version,
    wrangler: version("wrangler"),
    workerd: version("workerd"),
    autocannon: version("autocannon"),
    git_commit: source ? source.sha.slice(0, 7) : git("rev-parse", "--short", "HEAD"),
    source: source ? `git ${source.ref} (${source.sha.slice(0, 7)}), exported` : "working tree",
    git_dirty_files: dirty === null ? null : dirty.split("\n").filter(Boolean).length,
    load_average_at_start: loadavg().map((x) => round(x, 2)),
  };
}

function targets(runs) {
  const by = (shape, endpoint) => runs.find((r) => r.shape === shape && r.endpoint === endpoint);
  const shapes = [...new Set(runs.map((r) => r.shape))];
  const halfOfFanout = shapes
    .map((shape) => {
      const full = by(shape, "full");
      const fan = by(shape, "fanout");
      if (!full || !fan) return null;
      const ratio = full.points_per_s / fan.points_per_s;
      return { shape, ratio: round(ratio, 3), met: ratio >= 0.5 };
    })
    .filter(Boolean);
  const big = by("1000x1", "full");
  return {
    full_vs_fanout_at_least_50pct: { per_shape: halfOfFanout, met: halfOfFanout.length > 0 && halfOfFanout.every((s) => s.met) },
    one_metric_1000_point_batches_300k: big ? { points_per_s: big.points_per_s, met: big.points_per_s >= 300_000 } : null,
  };
}

function markdown(report) {
  const { machine: m, params: p, runs, targets: t } = report;
  const by = (shape, endpoint) => runs.find((r) => r.shape === shape && r.endpoint === endpoint);
  const shapes = [...new Set(runs.map((r) => r.shape))];
  const disturbed = (r) => r && r.cpu_cores.others !== null && r.cpu_cores.others > p.quiet_cores;
  const cell = (r) => (r ? `${fmtInt(r.points_per_s)}${disturbed(r) ? " †" : ""}` : "–");
  const lat = (r) => (r ? `${fmtMs(r.latency_ms.p50)} / ${fmtMs(r.latency_ms.p99)}` : "–");
  const lines = [];
  lines.push("# Ingest benchmark", "");
  lines.push(
    "`npm run bench:ingest` — Ayvlo on a local `wrangler dev` (workerd), driven over loopback by autocannon.",
    "Points/s = 2xx responses × batch size ÷ measured seconds; latency in ms (p50 / p99, 2xx only).",
    "parse-only = `POST /v1/ingest?dry_run=1` (auth, parse, validate; stores nothing); bare fan-out = `POST /v1/_bench/fanout` (the same, then one RPC per metric to a do-nothing Durable Object); full = `POST /v1/ingest` (gate DO, then one Series DO per metric that stores and scores).",
    "",
  );
  lines.push("| batch × metrics | parse-only pts/s | p50 / p99 | bare fan-out pts/s | p50 / p99 | full pts/s | p50 / p99 | full / fan-out | full / parse | non-2xx |");
  lines.push("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
  for (const shape of shapes) {
    const [parse, fan, full] = ["parse", "fanout", "full"].map((e) => by(shape, e));
    const bad = [parse, fan, full].filter(Boolean).reduce((n, r) => n + r.non_2xx + r.socket_errors + r.timeouts, 0);
    lines.push(
      `| ${shape.replace("x", " × ")} | ${cell(parse)} | ${lat(parse)} | ${cell(fan)} | ${lat(fan)} | ${cell(full)} | ${lat(full)} | ${fmtRatio(full?.points_per_s, fan?.points_per_s)} | ${fmtRatio(full?.points_per_s, parse?.points_per_s)} | ${bad} |`,
    );
  }
  if (runs.some(disturbed)) {
    lines.push("", `† other processes on the machine used more than ${p.quiet_cores} cores during this run's window, even after reruns (see CPU others below): the number is likely low.`);
  }
  lines.push("", "## Targets", "");
  const f = t.full_vs_fanout_at_least_50pct;
  if (f.per_shape.length > 0) {
    const misses = f.per_shape.filter((s) => !s.met).map((s) => `${s.shape} (${Math.round(s.ratio * 100)}%)`);
    lines.push(`- Full path ≥ 50% of bare fan-out for every shape: **${f.met ? "met" : "not met"}**${misses.length ? ` — below in ${misses.join(", ")}` : ""}.`);
  }
  if (t.one_metric_1000_point_batches_300k) {
    const b = t.one_metric_1000_point_batches_300k;
    lines.push(`- 1,000-point one-metric batches ≥ 300,000 points/s: **${b.met ? "met" : "not met"}** (${fmtInt(b.points_per_s)} points/s).`);
  }
  lines.push("", "## Per run", "");
  lines.push("| batch × metrics | endpoint | req/s | points/s | p50 | p90 | p99 | max | non-2xx | errors | CPU workerd | CPU loadgen | CPU others | attempts | late | dup | anomalies |");
  lines.push("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
  for (const r of runs) {
    lines.push(
      `| ${r.shape.replace("x", " × ")} | ${r.endpoint} | ${fmtInt(r.requests_per_s)} | ${fmtInt(r.points_per_s)} | ${fmtMs(r.latency_ms.p50)} | ${fmtMs(r.latency_ms.p90)} | ${fmtMs(r.latency_ms.p99)} | ${fmtMs(r.latency_ms.max)} | ${r.non_2xx} | ${r.socket_errors + r.timeouts} | ${r.cpu_cores.wrangler_workerd ?? "–"} | ${r.cpu_cores.load_generator} | ${r.cpu_cores.others ?? "–"} | ${r.attempts} | ${r.late} | ${r.duplicates} | ${r.anomalies} |`,
    );
  }
  lines.push(
    "",
    `CPU columns: cores busy during the measured window (wrangler + workerd process group; the autocannon process; everything else on the machine — a run that saw more than ${p.quiet_cores} cores of others is rerun up to ${p.retries} times and the least disturbed attempt kept). late / dup / anomalies: as reported by the full path's responses (each connection sends its own series in order, so late and duplicates should be 0).`,
    "",
    "## Machine and parameters",
    "",
    `- Date: ${m.date}`,
    `- Machine: ${m.cores} cores (${m.cpu_model}), ${m.memory_gb} GB, ${m.os}; load average at start ${m.load_average_at_start.join(" / ")}`,
    `- Node ${m.node}, wrangler ${m.wrangler}, workerd ${m.workerd}, autocannon ${m.autocannon}`,
    `- Code: ${m.source === "working tree" ? `working tree at git ${m.git_commit}${m.git_dirty_files ? ` plus ${m.git_dirty_files} uncommitted tracked file(s)` : ""}` : m.source}, bundled once at start (\`wrangler deploy --dry-run\`) and served by \`wrangler dev\` with a fresh state dir, AYVLO_LOG_LEVEL=warn, wrangler --log-level warn`,
    `- Runs: ${p.connections} connections (one autocannon instance each, pipelining 1) under continuous load: ${p.warmup_s} s warm-up, then a ${p.duration_s} s window in which completed responses count; a fresh enterprise tenant per shape × endpoint (and per attempt)`,
    `- Bodies: JSON arrays; each connection has its own tag set (\`host\`), timestamps from now − 20 days, +${p.step_ms} ms per point per series, values an AR(1) walk around 100`,
    `- Whole run: ${p.total_s} s`,
    "",
  );
  return lines.join("\n");
}

// ---------------------------------------------------------------------------
// Main.

const source = opts.ref ? { ref: opts.ref, ...exportRevision(opts.ref) } : null;
const machine = machineInfo(source);
const adminToken = randomBytes(24).toString("hex");
let server = null;
let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  if (server) await server.stop();
  if (source) rmSync(source.dir, { recursive: true, force: true });
  process.exit(code);
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping wrangler dev…`);
    void shutdown(130);
  });
}

const began = budget.began;
try {
  const runCount = SHAPES.length * ENDPOINT_IDS.length;
  budget.runsLeft = runCount;
  const estimate = Math.round(runCount * RUN_SECONDS + 20);
  console.log(
    `bench:ingest — ${SHAPES.length} shapes × ${ENDPOINT_IDS.length} endpoints, ${DURATION} s each after ${WARMUP} s warm-up, ${CONNECTIONS} connections (at least ${Math.ceil(estimate / 60)} min, reruns of disturbed runs within ${opts["max-minutes"]} min)`,
  );
  console.log(`machine: ${machine.cores} cores, node ${machine.node}, wrangler ${machine.wrangler}, git ${machine.git_commit}`);
  server = await startWranglerDev({
    root: source?.dir,
    vars: { AYVLO_ADMIN_TOKEN: adminToken, AYVLO_BENCH_ROUTES: "1", AYVLO_LOG_LEVEL: "warn" },
    keepDir: opts["keep-state"],
    log: (line) => console.log(`  ${line}`),
  });
  console.log(`  ready at ${server.url} after ${((Date.now() - began) / 1000).toFixed(1)} s\n`);

  const runs = [];
  let i = 0;
  for (const shape of SHAPES) {
    for (const endpointId of ENDPOINT_IDS) {
      i += 1;
      const label = `[${String(i).padStart(2)}/${runCount}] ${`${shape.batch}x${shape.metrics}`.padEnd(8)} ${endpointId.padEnd(6)}`;
      process.stdout.write(`${label} … `);
      const r = await measure(server, adminToken, shape, endpointId);
      runs.push(r);
      const extra = [
        r.non_2xx ? `non-2xx ${r.non_2xx} ${JSON.stringify(r.status_counts)}` : "",
        r.socket_errors + r.timeouts ? `errors ${r.socket_errors} timeouts ${r.timeouts}` : "",
        r.wrong_accepted_count ? `wrong accepted count ${r.wrong_accepted_count}` : "",
        r.warmup_non_2xx ? `warm-up non-2xx ${r.warmup_non_2xx}` : "",
        r.late || r.duplicates ? `late ${r.late} dup ${r.duplicates}` : "",
        r.anomalies ? `anomalies ${r.anomalies}` : "",
      ].filter(Boolean);
      console.log(
        `${fmtInt(r.points_per_s).padStart(10)} points/s  ${fmtInt(r.requests_per_s).padStart(6)} req/s  p50 ${fmtMs(r.latency_ms.p50).padStart(5)} ms  p99 ${fmtMs(r.latency_ms.p99).padStart(5)} ms  cpu workerd ${r.cpu_cores.wrangler_workerd} loadgen ${r.cpu_cores.load_generator} others ${r.cpu_cores.others}${extra.length ? `  ${extra.join("; ")}` : ""}`,
      );
      for (const e of r.first_errors) console.log(`      e.g. ${e}`);
    }
  }

  const report = {
    machine,
    params: {
      duration_s: DURATION,
      warmup_s: WARMUP,
      connections: CONNECTIONS,
      step_ms: STEP_MS,
      quiet_cores: QUIET_CORES,
      retries: RETRIES,
      shapes: SHAPES.map((s) => `${s.batch}x${s.metrics}`),
      endpoints: Object.fromEntries(ENDPOINT_IDS.map((e) => [e, ENDPOINTS[e].path])),
      total_s: 0,
    },
    runs,
    targets: targets(runs),
  };
  await server.stop();
  server = null;
  report.params.total_s = Math.round((Date.now() - began) / 1000);

  const md = markdown(report);
  console.log(`\n${md}`);
  if (!opts["no-write"]) {
    const out = resolve(ROOT, opts.out);
    mkdirSync(resolve(out, ".."), { recursive: true });
    writeFileSync(`${out}.md`, md);
    writeFileSync(`${out}.json`, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`wrote ${opts.out}.md and ${opts.out}.json`);
  }
  await shutdown(0);
} catch (error) {
  console.error(`\nbench:ingest failed: ${error instanceof Error ? error.stack : error}`);
  await shutdown(1);
}
