#!/usr/bin/env node
// `npm start`: runs Ayvlo locally on workerd through `wrangler dev`.
// 1. creates .dev.vars with a random AYVLO_ADMIN_TOKEN when it is missing,
// 2. applies the D1 migrations to the local database (.wrangler/state),
// 3. starts wrangler dev on $PORT (default 8787) and prints the URL.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const port = process.env.PORT ?? "8787";
// Offline by design: never fetch the sample `request.cf` object from Cloudflare.
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
const devVars = ".dev.vars";

function ensureAdminToken() {
  const current = existsSync(devVars) ? readFileSync(devVars, "utf8") : "";
  if (/^AYVLO_ADMIN_TOKEN=.{16,}$/m.test(current)) return false;
  const token = randomBytes(24).toString("hex");
  const separator = current === "" || current.endsWith("\n") ? "" : "\n";
  writeFileSync(devVars, `${current}${separator}AYVLO_ADMIN_TOKEN=${token}\n`, { mode: 0o600 });
  return true;
}

function adminToken() {
  return /^AYVLO_ADMIN_TOKEN=(.*)$/m.exec(readFileSync(devVars, "utf8"))?.[1]?.trim();
}

if (ensureAdminToken()) console.log(`Created ${devVars} with a random AYVLO_ADMIN_TOKEN.`);

console.log("Applying D1 migrations to the local database…");
const migrate = spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local"], {
  stdio: "inherit",
  env: { ...process.env, CI: "true" }, // non-interactive: no confirmation prompt
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

const extra = process.argv.slice(2);
const dev = spawn("wrangler", ["dev", "--port", port, "--ip", "127.0.0.1", ...extra], { stdio: ["inherit", "pipe", "inherit"] });
let announced = false;
dev.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  if (!announced && /Ready on/i.test(String(chunk))) {
    announced = true;
    console.log(`\nAyvlo is running at http://localhost:${port}`);
    console.log(`Operator token (AYVLO_ADMIN_TOKEN, from ${devVars}): ${adminToken()}`);
    console.log(`Try: curl http://localhost:${port}/health\n`);
  }
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));
