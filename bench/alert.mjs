#!/usr/bin/env node
// `npm run bench:alert [-- --anomalies 100 --interval-ms 250 …]`
//
// From anomaly to webhook, on our own `wrangler dev` (fresh state, loopback,
// random port) and the local receiver (test/receiver/server.ts) in this process.
// One tenant per case, a webhook channel to the receiver, and a rule
//   { match: { metric: "*" }, group_by: ["..."], group_wait_s: 0 }
// (`group_by: ["..."]` = one group per series: with the default `group_by: []`
// every anomaly of the tenant joins one group, and all but the first would wait
// for `group_interval_s`, 5 min by default).
// Each case warms N metrics with calm points, then sends one spike per metric,
// one request at a time, paced by --interval-ms. The anomaly id in the ingest
// response is the episode id in the webhook; latency = receiver's receipt time
// of the successful delivery − time the ingest response arrived (same clock).
//   ok     the receiver answers 200
//   flaky  the receiver answers 503 to every other request (`{ every: 2 }`):
//          latency is dominated by the retry backoff (base 1 s, full jitter)
// Baselines, same run: a POST of a webhook-sized body straight to the receiver
// (loopback HTTP round trip), and the spike's ingest round trip itself.
// Writes bench/results/alert.md and bench/results/alert.json.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { groupCpuSeconds } from "./lib/proc-cpu.mjs";
import { startWranglerDev } from "./lib/wrangler-dev.mjs";

const ROOT = resolve(import.meta.dirname, "..");

const { values: opts } = parseArgs({
  options: {
    anomalies: { type: "string", default: "100" },
    "interval-ms": { type: "string", default: "250" },
    warm: { type: "string", default: "200" },
    "baseline-requests": { type: "string", default: "200" },
    "timeout-s": { type: "string", default: "180" },
    "settle-s": { type: "string", default: "5" },
    cases: { type: "string", default: "ok,flaky" },
    out: { type: "string", default: "bench/results/alert" },
    "no-write": { type: "boolean", default: false },
    "keep-state": { type: "boolean", default: false },
    ref: { type: "string" },
    root: { type: "string" },
    "max-minutes": { type: "string", default: "12" },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (opts.help) {
  console.log(`usage: npm run bench:alert [-- options]
  --anomalies N         anomalies per case, one metric each (default 100)
  --interval-ms MS      pause between two spike requests (default 250; 0 = back to back)
  --warm N              calm points per metric before its spike (default 200)
  --baseline-requests N loopback POSTs to the receiver for the baseline (default 200)
  --timeout-s S         per case: wait at most S seconds for every delivery (default 180)
  --settle-s S          then wait S more seconds for late duplicates (default 5)
  --cases LIST          ok,flaky (default both)
  --out PREFIX          results path without extension (default bench/results/alert)
  --no-write            print only, write no result files
  --keep-state          keep the temporary wrangler state dir and log
  --ref REV             bench a committed revision (git archive of REV) instead of the working tree
  --root DIR            bench the project in DIR (e.g. a copy with a changed wrangler.toml; needs node_modules)
  --max-minutes M       hard limit for the whole run (default 12)`);
  process.exit(0);
}

const N = Math.round(positive("anomalies"));
const INTERVAL_MS = Math.max(0, Number(opts["interval-ms"]));
const WARM = Math.round(positive("warm"));
const BASELINE_N = Math.round(positive("baseline-requests"));
const TIMEOUT_MS = positive("timeout-s") * 1000;
const SETTLE_MS = Math.max(0, Number(opts["settle-s"])) * 1000;
const CASES = opts.cases.split(",").map((c) => c.trim()).filter(Boolean);
for (const c of CASES) if (c !== "ok" && c !== "flaky") fail(`unknown case "${c}" (ok, flaky)`);
const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const RULE = { match: { metric: "*" }, group_by: ["..."], group_wait_s: 0 };

// The receiver and the signature check are TypeScript: Node strips the types from 22.18 on
// (`npm run` uses the project's own Node 22).
if (!process.features.typescript) fail(`needs Node ≥ 22.18 (this is ${process.version}); run it as \`npm run bench:alert\``);
const { startReceiver } = await import("../test/receiver/server.ts");
const { verify } = await import("../src/webhooks/standard-webhooks.ts");
const { DEFAULT_RETRY } = await import("../src/delivery/retry.ts");

const started = Date.now();
const log = (message) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);

// ------------------------------------------------------------------ lifecycle
let ayvlo = null;
let receiver = null;
let sourceDir = null;
async function cleanup() {
  await ayvlo?.stop().catch(() => {});
  ayvlo = null;
  if (receiver) await new Promise((ok) => receiver.server.close(() => ok()));
  receiver = null;
  if (sourceDir) rmSync(sourceDir, { recursive: true, force: true });
  sourceDir = null;
}
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, async () => {
    console.error(`\n${signal}: stopping wrangler dev…`);
    await cleanup();
    process.exit(130);
  });
}
const watchdog = setTimeout(async () => {
  console.error(`\nbench:alert: over --max-minutes ${opts["max-minutes"]}; stopping.`);
  await cleanup();
  process.exit(1);
}, positive("max-minutes") * 60_000);
watchdog.unref();

try {
  await main();
} catch (error) {
  console.error(`\nbench:alert failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await cleanup();
}

async function main() {
  if (opts.ref && opts.root) throw new Error("--ref and --root exclude each other");
  const source = opts.ref ? exportRevision(opts.ref) : null;
  if (source) sourceDir = source.dir;
  const root = source?.dir ?? (opts.root ? resolve(opts.root) : null);
  const adminToken = randomBytes(24).toString("hex");
  receiver = await startReceiver(0);
  const receiverUrl = `http://127.0.0.1:${receiver.port}`;
  log(`receiver on ${receiverUrl}`);
  ayvlo = await startWranglerDev({
    ...(root ? { root } : {}),
    vars: { AYVLO_ADMIN_TOKEN: adminToken, AYVLO_LOG_LEVEL: "warn" },
    keepDir: opts["keep-state"],
    log,
  });
  log(`Ayvlo on ${ayvlo.url}${opts["keep-state"] ? ` (state and log kept in ${ayvlo.dir})` : ""}`);
  const cpuAtStart = groupCpuSeconds(ayvlo.pid);
  const load = { start: loadavg() };

  const client = makeClient(ayvlo.url, receiverUrl, adminToken);

  // Baseline 1: the loopback HTTP round trip to the receiver, with a webhook-sized body.
  const loopback = await baselineLoopback(client);
  log(`baseline loopback POST: p50 ${fmt(loopback.p50)} ms, p99 ${fmt(loopback.p99)} ms over ${loopback.n}`);

  const results = {};
  for (const name of CASES) {
    results[name] = await runCase(client, name);
    const r = results[name];
    log(`${name}: delivered ${r.delivered}/${r.anomalies}, duplicates ${r.duplicateWebhookIds}, missing ${r.missing}; latency p50 ${fmt(r.latency.p50)} / p99 ${fmt(r.latency.p99)} / max ${fmt(r.latency.max)} ms`);
  }
  load.end = loadavg();
  const cpu = cpuAtStart === null ? null : groupCpuSeconds(ayvlo.pid) - cpuAtStart;

  const report = {
    bench: "alert",
    at: new Date().toISOString(),
    source: source ? `git ${opts.ref} (${source.sha.slice(0, 7)}), exported` : opts.root ? `project in ${opts.root}` : "working tree",
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? "?", node: process.version, kernel: release(), loadavg: load },
    config: { anomalies: N, interval_ms: INTERVAL_MS, warm_points: WARM, baseline_requests: BASELINE_N, timeout_s: TIMEOUT_MS / 1000, settle_s: SETTLE_MS / 1000, rule: RULE },
    app: { queues: queueSettings(root ?? ROOT), max_delivery_attempts: DEFAULT_RETRY.maxAttempts },
    workerd_cpu_s: cpu === null ? null : round(cpu),
    baselines: { loopback_post: loopback },
    cases: results,
  };
  const markdown = renderMarkdown(report);
  console.log(`\n${markdown}`);
  if (!opts["no-write"]) {
    const out = resolve(ROOT, opts.out);
    mkdirSync(resolve(out, ".."), { recursive: true });
    writeFileSync(`${out}.md`, markdown);
    writeFileSync(`${out}.json`, `${JSON.stringify(report, null, 2)}\n`);
    log(`wrote ${opts.out}.md and ${opts.out}.json`);
  }
}

// ------------------------------------------------------------------ HTTP client
function makeClient(baseUrl, receiverUrl, adminToken) {
  async function api(method, path, key, body) {
    const headers = { authorization: `Bearer ${key}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: json, text };
  }
  async function expectStatus(res, status, what) {
    if (res.status !== status) throw new Error(`${what}: HTTP ${res.status} ${res.text.slice(0, 500)}`);
    return res.body;
  }
  return {
    receiverUrl,
    api,
    expectStatus,
    async tenant(name) {
      const res = await api("POST", "/v1/admin/tenants", adminToken, { name, plan: "enterprise" });
      return (await expectStatus(res, 201, "create tenant")).api_key;
    },
    async configureReceiver(name, config) {
      const res = await fetch(`${receiverUrl}/_config/${name}`, { method: "POST", body: JSON.stringify(config), signal: AbortSignal.timeout(10_000) });
      if (res.status !== 204) throw new Error(`receiver config: HTTP ${res.status}`);
    },
    async received(name) {
      const res = await fetch(`${receiverUrl}/_received/${name}`, { signal: AbortSignal.timeout(10_000) });
      return res.json();
    },
  };
}

async function baselineLoopback(client) {
  const name = `baseline-${randomBytes(4).toString("hex")}`;
  await client.configureReceiver(name, {});
  const body = JSON.stringify({ type: "anomaly.triggered", timestamp: new Date().toISOString(), data: { episode_id: "x".repeat(40), pad: "p".repeat(1500) } });
  const samples = [];
  for (let i = 0; i < BASELINE_N; i++) {
    const t0 = performance.now();
    const res = await fetch(`${client.receiverUrl}/hook/${name}`, { method: "POST", headers: { "content-type": "application/json" }, body, signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    samples.push(performance.now() - t0);
  }
  await client.configureReceiver(name, {}); // drop what it recorded
  return { n: samples.length, ...summary(samples) };
}

// ------------------------------------------------------------------ one case
async function runCase(client, caseName) {
  const tag = randomBytes(3).toString("hex");
  const hookName = `${caseName}-${tag}`;
  log(`case ${caseName}: tenant, webhook channel, rule`);
  await client.configureReceiver(hookName, caseName === "flaky" ? { every: 2, status: 503 } : {});
  const key = await client.tenant(`bench-alert-${caseName}-${tag}`);
  const channel = await client.expectStatus(
    await client.api("POST", "/v1/channels", key, { type: "webhook", name: hookName, config: { url: `${client.receiverUrl}/hook/${hookName}` } }),
    201,
    "create channel",
  );
  await client.expectStatus(await client.api("POST", "/v1/rules", key, { name: `bench ${caseName}`, channels: [channel.id], ...RULE }), 201, "create rule");

  const metrics = Array.from({ length: N }, (_, i) => `bench.${caseName}.m${String(i).padStart(3, "0")}`);
  // Warm-up: WARM calm points per metric, 10 metrics per request.
  log(`case ${caseName}: warming ${N} metrics with ${WARM} calm points each`);
  let warmAnomalies = 0;
  for (let i = 0; i < metrics.length; i += 10) {
    const points = metrics.slice(i, i + 10).flatMap((m) => calm(m, WARM));
    const body = await client.expectStatus(await client.api("POST", "/v1/ingest", key, points), 202, "warm-up ingest");
    warmAnomalies += body.anomalies.length;
  }
  if (warmAnomalies > 0) log(`case ${caseName}: note: ${warmAnomalies} anomalies during warm-up (not measured)`);

  // Spikes, one request at a time.
  log(`case ${caseName}: ${N} spikes, one every ${INTERVAL_MS} ms`);
  const sent = new Map(); // episode id → { metric, respondedAt, ingestMs }
  let noAnomaly = 0;
  for (let i = 0; i < metrics.length; i++) {
    const slot = Date.now() + INTERVAL_MS;
    const t0 = performance.now();
    const res = await client.api("POST", "/v1/ingest", key, [{ metric: metrics[i], value: 1e6, timestamp: T0 + WARM * MINUTE }]);
    const ingestMs = performance.now() - t0;
    const respondedAt = Date.now();
    const body = await client.expectStatus(res, 202, "spike ingest");
    if (body.anomalies.length !== 1) noAnomaly += 1;
    for (const a of body.anomalies) sent.set(a.id, { metric: metrics[i], respondedAt, ingestMs });
    if ((i + 1) % 20 === 0) log(`case ${caseName}: ${i + 1}/${N} spikes sent`);
    const pause = slot - Date.now();
    if (pause > 0) await sleep(pause);
  }
  if (noAnomaly > 0) log(`case ${caseName}: warning: ${noAnomaly} spikes did not yield exactly one anomaly`);

  // Wait (bounded) until every episode has a successful delivery, then a little longer for late duplicates.
  const deadline = Date.now() + TIMEOUT_MS;
  let requests = [];
  let lastReport = 0;
  for (;;) {
    requests = await client.received(hookName);
    const done = deliveredEpisodes(requests, sent).size;
    if (done >= sent.size || Date.now() > deadline) break;
    if (Date.now() - lastReport > 5_000) {
      lastReport = Date.now();
      // Dead-lettered deliveries will not come: stop waiting for them.
      const deadLettered = (await deliveryCounts(client, key)).dead_lettered ?? 0;
      log(`case ${caseName}: ${done}/${sent.size} delivered, ${deadLettered} dead-lettered, ${requests.length} requests so far`);
      if (done + deadLettered >= sent.size) break;
    }
    await sleep(500);
  }
  if (SETTLE_MS > 0) {
    await sleep(SETTLE_MS);
    requests = await client.received(hookName);
  }
  const deliveryStatuses = await deliveryCounts(client, key);
  return analyse(caseName, requests, sent, channel.secret, { noAnomaly, warmAnomalies, deliveryStatuses });
}

function deliveredEpisodes(requests, sent) {
  const done = new Set();
  for (const r of requests) {
    if (r.status < 200 || r.status > 299) continue;
    const id = episodeOf(r);
    if (sent.has(id)) done.add(id);
  }
  return done;
}

function episodeOf(request) {
  try {
    return JSON.parse(request.body).data.episode_id;
  } catch {
    return null;
  }
}

/** `GET /v1/deliveries`, every page (bounded): attempts by status. */
async function deliveryCounts(client, key) {
  const counts = {};
  let cursor = null;
  for (let page = 0; page < 20; page++) {
    const res = await client.api("GET", `/v1/deliveries?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, key);
    if (res.status !== 200) return { error: `HTTP ${res.status}` };
    for (const d of res.body.data) counts[d.status] = (counts[d.status] ?? 0) + 1;
    cursor = res.body.next_cursor;
    if (!cursor) break;
  }
  return counts;
}

async function analyse(caseName, requests, sent, secret, extra) {
  const ok = (r) => r.status >= 200 && r.status <= 299;
  const successesById = new Map();
  const successesByEpisode = new Map();
  const firstAttemptAt = new Map();
  const attemptsByEpisode = new Map();
  let badSignatures = 0;
  let other = 0;
  for (const r of requests) {
    // The receiver's clock: a retry may be sent a while after it was signed.
    const check = await verify({ secret, payload: r.body, headers: r.headers, nowS: r.at / 1000 });
    if (!check.ok) badSignatures += 1;
    const episode = episodeOf(r);
    if (!sent.has(episode)) {
      other += 1;
      continue;
    }
    attemptsByEpisode.set(episode, (attemptsByEpisode.get(episode) ?? 0) + 1);
    if (!firstAttemptAt.has(episode)) firstAttemptAt.set(episode, r.at);
    if (!ok(r)) continue;
    const id = r.headers["webhook-id"];
    successesById.set(id, (successesById.get(id) ?? 0) + 1);
    const list = successesByEpisode.get(episode) ?? [];
    list.push(r);
    successesByEpisode.set(episode, list);
  }
  const latencies = [];
  const firstAttempt = [];
  for (const [episode, info] of sent) {
    const successes = successesByEpisode.get(episode);
    if (successes) latencies.push(successes[0].at - info.respondedAt);
    if (firstAttemptAt.has(episode)) firstAttempt.push(firstAttemptAt.get(episode) - info.respondedAt);
  }
  const ingest = [...sent.values()].map((s) => s.ingestMs);
  const attempts = [...attemptsByEpisode.values()];
  return {
    case: caseName,
    receiver: caseName === "flaky" ? "503 to every other request" : "200",
    anomalies: sent.size,
    delivered: successesByEpisode.size,
    missing: sent.size - successesByEpisode.size,
    duplicateWebhookIds: [...successesById.values()].filter((n) => n > 1).length,
    episodesDeliveredTwice: [...successesByEpisode.values()].filter((l) => new Set(l.map((r) => r.headers["webhook-id"])).size > 1).length,
    requests: requests.length,
    failedRequests: requests.filter((r) => !ok(r)).length,
    otherRequests: other,
    badSignatures,
    attemptsPerEpisode: attempts.length ? { mean: round(attempts.reduce((a, b) => a + b, 0) / attempts.length), max: Math.max(...attempts) } : null,
    // attempts → how many anomalies needed that many requests
    attemptsHistogram: Object.fromEntries([...new Set(attempts)].sort((a, b) => a - b).map((k) => [k, attempts.filter((a) => a === k).length])),
    latency: summary(latencies),
    firstAttemptLatency: summary(firstAttempt),
    ingestRoundTrip: summary(ingest),
    deliveriesApi: extra.deliveryStatuses,
    spikesWithoutAnomaly: extra.noAnomaly,
    warmupAnomalies: extra.warmAnomalies,
    samples: { latency_ms: latencies.map(round), ingest_ms: ingest.map(round) },
  };
}

// ------------------------------------------------------------------ report
function renderMarkdown(r) {
  const ok = r.cases.ok;
  const flaky = r.cases.flaky;
  const lb = r.baselines.loopback_post;
  const ratio = (x) => (x != null && lb.p50 > 0 ? `${fmt(x / lb.p50)}×` : "—");
  const lines = [];
  lines.push("# Alert delivery benchmark", "");
  lines.push(
    `\`npm run bench:alert\` — Ayvlo on a local \`wrangler dev\` (workerd, fresh state, ${r.source}), the local receiver (test/receiver/server.ts) in the bench process, loopback only.`,
    `Per case: a tenant, a webhook channel to the receiver, a rule \`${JSON.stringify(r.config.rule)}\`; ${r.config.anomalies} metrics warmed with ${r.config.warm_points} calm points each, then one spike per metric, one request every ${r.config.interval_ms} ms.`,
    "Latency = receipt of the successful webhook at the receiver − arrival of the ingest response that reported the anomaly (episode id = anomaly id; one clock). Times in ms.",
    "",
  );
  lines.push("| measurement | n | delivered | missing | duplicates | requests (failed) | p50 | p99 | max | p50 ÷ loopback p50 |");
  lines.push("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
  lines.push(`| baseline: POST to the receiver (loopback round trip, ~1.6 KB) | ${lb.n} | — | — | — | — | ${fmt(lb.p50)} | ${fmt(lb.p99)} | ${fmt(lb.max)} | 1× |`);
  for (const c of [ok, flaky].filter(Boolean)) {
    lines.push(`| baseline: ingest round trip of the spike (${c.case}) | ${c.ingestRoundTrip.n} | — | — | — | — | ${fmt(c.ingestRoundTrip.p50)} | ${fmt(c.ingestRoundTrip.p99)} | ${fmt(c.ingestRoundTrip.max)} | ${ratio(c.ingestRoundTrip.p50)} |`);
  }
  const caseRow = (c, label) =>
    `| ${label} | ${c.anomalies} | ${c.delivered} | ${c.missing} | ${c.duplicateWebhookIds} | ${c.requests} (${c.failedRequests}) | ${fmt(c.latency.p50)} | ${fmt(c.latency.p99)} | ${fmt(c.latency.max)} | ${ratio(c.latency.p50)} |`;
  if (ok) lines.push(caseRow(ok, "**anomaly → webhook**, receiver answers 200"));
  if (flaky) {
    lines.push(caseRow(flaky, "**anomaly → webhook**, receiver fails every other request (latency includes retry backoff)"));
    lines.push(`| … same case, first attempt (any answer) | ${flaky.firstAttemptLatency.n} | — | — | — | — | ${fmt(flaky.firstAttemptLatency.p50)} | ${fmt(flaky.firstAttemptLatency.p99)} | ${fmt(flaky.firstAttemptLatency.max)} | ${ratio(flaky.firstAttemptLatency.p50)} |`);
  }
  lines.push("", "duplicates = webhook-ids received successfully more than once. requests = every request the receiver saw for the case's anomalies and others (failed = answered 503 on purpose).", "");

  lines.push("## Targets", "");
  if (ok) lines.push(`- p99 under 2 s locally (receiver OK): **${ok.latency.p99 != null && ok.latency.p99 < 2000 ? "met" : "not met"}** (p99 ${fmt(ok.latency.p99)} ms).`);
  if (flaky) {
    const met = flaky.missing === 0 && flaky.duplicateWebhookIds === 0 && flaky.episodesDeliveredTwice === 0;
    lines.push(`- Through a receiver failing half the time, every anomaly delivered, none twice: **${met ? "met" : "not met"}** (${flaky.delivered}/${flaky.anomalies} delivered, ${flaky.missing} missing, ${flaky.duplicateWebhookIds} webhook-ids twice, ${flaky.episodesDeliveredTwice} episodes under two webhook-ids).`);
  }
  lines.push("");

  lines.push("## Details", "");
  lines.push("| case | attempts per anomaly (mean / max) | anomalies by attempts needed | bad signatures | other requests | `GET /v1/deliveries` by status | spikes without an anomaly | warm-up anomalies |");
  lines.push("|---|--:|---|--:|--:|---|--:|--:|");
  for (const c of [ok, flaky].filter(Boolean)) {
    const statuses = Object.entries(c.deliveriesApi).map(([k, v]) => `${k} ${v}`).join(", ") || "—";
    lines.push(`| ${c.case} | ${c.attemptsPerEpisode ? `${c.attemptsPerEpisode.mean} / ${c.attemptsPerEpisode.max} (of ${r.app.max_delivery_attempts} allowed)` : "—"} | ${Object.entries(c.attemptsHistogram).map(([k, v]) => `${k}: ${v}`).join(", ")} | ${c.badSignatures} | ${c.otherRequests} | ${statuses} | ${c.spikesWithoutAnomaly} | ${c.warmupAnomalies} |`);
  }
  lines.push("");
  lines.push(
    `Machine: ${r.machine.cpus} × ${r.machine.cpu}, Node ${r.machine.node}, Linux ${r.machine.kernel}; load average ${r.machine.loadavg.start.map((x) => x.toFixed(2)).join(" ")} at start, ${r.machine.loadavg.end.map((x) => x.toFixed(2)).join(" ")} at end (other work was running on the machine); workerd CPU ${r.workerd_cpu_s ?? "?"} s. Run at ${r.at}.`,
    "",
    `The path: the Series object's alarm drains its outbox to D1 and the \`events\` queue; its consumer routes through the tenant's AlertRouter, whose alarm sends to the \`deliveries\` queue; its consumer signs and POSTs. Queue consumers as configured (wrangler.toml): ${r.app.queues.map((q) => `\`${q.queue}\` max_batch_size ${q.max_batch_size ?? "?"}, max_batch_timeout ${q.max_batch_timeout ?? "?"} s`).join("; ")} — a batch waits up to its timeout for more messages, on each of the two hops. In the flaky case a failed attempt is retried after a full-jitter backoff (base 1 s, rounded up to whole seconds by the queue's \`delaySeconds\`); a delivery is dead-lettered after ${r.app.max_delivery_attempts} attempts.`,
    "",
  );
  return lines.join("\n");
}

// ------------------------------------------------------------------ helpers
/** Points at one-minute steps from T0: ±5% deterministic noise around 100. */
function calm(metric, count) {
  return Array.from({ length: count }, (_, i) => {
    const x = Math.sin(i * 12.9898 + 78.233) * 43758.5453;
    return { metric, value: 100 * (1 + 0.05 * (2 * (x - Math.floor(x)) - 1)), timestamp: T0 + i * MINUTE };
  });
}

/** The queue consumers' batching settings in the served wrangler.toml (a plain scan of the [[queues.consumers]] tables). */
function queueSettings(root) {
  const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
  return toml
    .split(/^\[\[queues\.consumers\]\]\s*$/m)
    .slice(1)
    .map((block) => {
      const body = block.split(/^\[/m)[0];
      const value = (key) => body.match(new RegExp(`^${key}\\s*=\\s*(.+?)\\s*$`, "m"))?.[1];
      const number = (key) => (value(key) === undefined ? null : Number(value(key)));
      return { queue: value("queue")?.replace(/^"|"$/g, "") ?? "?", max_batch_size: number("max_batch_size"), max_batch_timeout: number("max_batch_timeout") };
    });
}

/** n, p50, p90, p99 (nearest rank), max and mean of a sample, in ms. */
function summary(values) {
  if (values.length === 0) return { n: 0, p50: null, p90: null, p99: null, max: null, mean: null };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  return { n: sorted.length, p50: round(rank(50)), p90: round(rank(90)), p99: round(rank(99)), max: round(sorted.at(-1)), mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length) };
}

function round(x) {
  return Math.round(x * 10) / 10;
}

function fmt(x) {
  if (x == null) return "—";
  if (x >= 100) return String(Math.round(x));
  return x.toFixed(1);
}

function positive(name) {
  const value = Number(opts[name]);
  if (!Number.isFinite(value) || value <= 0) fail(`--${name} must be a positive number`);
  return value;
}

function fail(message) {
  console.error(`bench:alert: ${message}`);
  process.exit(2);
}

/** With --ref: the revision exported into a temp dir (node_modules linked from this tree). */
function exportRevision(ref) {
  const sha = execFileSync("git", ["rev-parse", "--verify", `${ref}^{commit}`], { cwd: ROOT, encoding: "utf8" }).trim();
  const dir = mkdtempSync(join(tmpdir(), "ayvlo-alert-src-"));
  execFileSync("sh", ["-c", 'git archive --format=tar "$1" | tar -x -C "$2"', "sh", sha, dir], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  return { sha, dir };
}
