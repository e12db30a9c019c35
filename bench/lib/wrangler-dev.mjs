// Starts Ayvlo on its own `wrangler dev` for a benchmark: a snapshot of the
// code (bundled once, so edits made in the tree during the run cannot reload
// the Worker halfway), a fresh temporary state dir with the D1 migrations
// applied, a free loopback port, and no network other than loopback.
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const REPO = resolve(import.meta.dirname, "../..");
const WRANGLER_JS = join(REPO, "node_modules/wrangler/bin/wrangler.js");

/** Environment for every wrangler call: offline, no telemetry, no update check. */
export function wranglerEnv(extra = {}) {
  return {
    ...process.env,
    CLOUDFLARE_CF_FETCH_ENABLED: "false", // never fetch the sample request.cf object
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_SEND_ERROR_REPORTS: "false",
    WRANGLER_HIDE_BANNER: "true", // the banner is what triggers the npm update check
    CI: "true", // no prompts
    NO_COLOR: "1",
    ...extra,
  };
}

/** A free TCP port on 127.0.0.1 (bound then released). */
export function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

function run(args, { cwd, logFile, label, env }) {
  const fd = openSync(logFile, "a");
  writeFileSync(fd, `\n$ wrangler ${args.join(" ")}\n`);
  const r = spawnSync(process.execPath, [WRANGLER_JS, ...args], { cwd, env, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  if (r.status !== 0) throw new Error(`${label} failed (exit ${r.status ?? r.signal}); see ${logFile}:\n${tail(logFile)}`);
}

export function tail(file, lines = 40) {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/**
 * Starts wrangler dev and resolves once GET /health answers 200. `root` is the
 * project to serve (default: this working tree; e.g. a `git archive` export).
 * Returns { url, port, dir, logFile, pid, stop() }; stop() kills the whole
 * process group (wrangler and its workerd children) and removes the state dir.
 */
export async function startWranglerDev({ root = REPO, vars = {}, keepDir = false, readyTimeoutMs = 120_000, log = () => {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "ayvlo-bench-"));
  const logFile = join(dir, "wrangler.log");
  const env = wranglerEnv({ WRANGLER_LOG_PATH: join(dir, "wrangler-logs") }); // wrangler's own debug logs stay in the temp dir
  const stateDir = join(dir, "state");
  const bundleDir = join(dir, "bundle");
  let child = null;
  let stopped = false;

  const killGroup = (signal) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  };
  // Last resort if the process exits without calling stop() (uncaught error, process.exit).
  const onExit = () => killGroup("SIGKILL");
  process.on("exit", onExit);

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((ok) => child.once("exit", ok));
      killGroup("SIGTERM");
      const done = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
      if (!done) {
        killGroup("SIGKILL");
        await Promise.race([exited, sleep(2_000)]);
      }
    }
    // workerd children may outlive wrangler's own exit by a moment; make sure the group is gone.
    if (child) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        /* group already gone */
      }
    }
    process.off("exit", onExit);
    if (!keepDir) rmSync(dir, { recursive: true, force: true });
  };

  try {
    log(`state dir ${dir}`);
    // 1. Snapshot of the code: bundle once (offline; `deploy --dry-run` uploads nothing).
    log("bundling the Worker (wrangler deploy --dry-run)…");
    run(["deploy", "--dry-run", "--outdir", bundleDir], { cwd: root, logFile, label: "bundling", env });
    // A copy of wrangler.toml that runs the bundle as is and reads no .dev.vars.
    const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
    if (!/^main\s*=.*$/m.test(toml)) throw new Error("wrangler.toml has no `main` line");
    const benchToml = toml
      .replace(/^main\s*=.*$/m, `main = ${JSON.stringify(join(bundleDir, "index.js"))}\nno_bundle = true`)
      .replace(/^migrations_dir\s*=.*$/m, `migrations_dir = ${JSON.stringify(join(root, "migrations"))}`);
    const configPath = join(dir, "wrangler.toml");
    writeFileSync(configPath, benchToml);

    // 2. D1 migrations into the fresh state dir.
    log("applying D1 migrations…");
    run(["d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir, "-c", configPath], { cwd: root, logFile, label: "migrations", env });

    // 3. wrangler dev in its own process group.
    const port = await freePort();
    const inspectorPort = await freePort();
    const varArgs = Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
    const args = [
      WRANGLER_JS, "dev", "-c", configPath,
      "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort),
      "--persist-to", stateDir, "--log-level", "warn", "--show-interactive-dev-session=false",
      ...varArgs,
    ];
    const fd = openSync(logFile, "a");
    writeFileSync(fd, `\n$ wrangler ${args.slice(1).join(" ").replace(/AYVLO_ADMIN_TOKEN:\S+/, "AYVLO_ADMIN_TOKEN:***")}\n`);
    log(`starting wrangler dev on 127.0.0.1:${port}…`);
    child = spawn(process.execPath, args, { cwd: dir, env, stdio: ["ignore", fd, fd], detached: true });
    closeSync(fd);
    const url = `http://127.0.0.1:${port}`;

    // 4. Wait for /health.
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`wrangler dev exited (${child.exitCode ?? child.signalCode}):\n${tail(logFile)}`);
      try {
        const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) break;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) throw new Error(`wrangler dev not healthy after ${readyTimeoutMs / 1000} s:\n${tail(logFile)}`);
      await sleep(250);
    }
    return { url, port, dir, logFile, pid: child.pid, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
