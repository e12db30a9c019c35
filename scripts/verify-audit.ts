/**
 * Offline audit verifier:
 *   npm run audit:verify -- --tenant <id> --entries <file.ndjson | url> --checkpoints <file | url> --jwks <file | url> [--start <seq>:<hash>]
 *
 * Checks every signed checkpoint against the JWKS (ES256, right tenant), then
 * the chain from the tenant's genesis (or --start, after retention pruned a
 * prefix) with the checkpoints' heads as anchors. Exit 0 when it all holds,
 * 1 naming the first bad seq (or the bad checkpoint), 2 on a usage error.
 * URLs are fetched with `Authorization: Bearer $AYVLO_API_KEY`, following
 * next_cursor. Uses src/audit, the same code the Worker runs.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { genesisHead, verifyChainWithCheckpoints, type AuditEntry, type ChainHead, type Jwks } from "../src/audit/index.ts";

export type OfflineResult = { ok: true; head: ChainHead; entries: number; checkpoints: number } | { ok: false; first_bad_seq?: number; reason: string; detail?: string; entries: number; checkpoints: number };

/** A JSON document, an NDJSON stream, or API pages (`{ data: [...] }`) → the records they hold. */
export function parseRecords(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  let docs: unknown[];
  try {
    docs = [JSON.parse(trimmed)];
  } catch {
    docs = trimmed.split(/\r?\n/).filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
  }
  return docs.flatMap((d) => (Array.isArray(d) ? d : d !== null && typeof d === "object" && Array.isArray((d as { data?: unknown }).data) ? (d as { data: unknown[] }).data : [d]));
}

/** An entry as GET /v1/audit serves it (`at` ISO + `at_ms`) or as stored (`at` epoch ms): the hash covers epoch ms. */
export function toEntry(record: unknown): AuditEntry {
  const r = record as AuditEntry & { at: number | string; at_ms?: number };
  const { at_ms, ...rest } = r;
  return { ...rest, at: typeof at_ms === "number" ? at_ms : (r.at as number) };
}

/** A checkpoint as listed (`{ jws, … }`) or a bare JWS string. */
export function toJws(record: unknown): string {
  return typeof record === "string" ? record : String((record as { jws?: unknown }).jws);
}

/** The core check, on already-loaded text (what the unit test drives). */
export async function verifyAuditOffline(input: { tenantId: string; entries: string; checkpoints: string; jwks: string; start?: ChainHead }): Promise<OfflineResult> {
  let entries: AuditEntry[];
  let checkpoints: string[];
  let jwks: Jwks;
  try {
    entries = parseRecords(input.entries).map(toEntry);
    checkpoints = parseRecords(input.checkpoints).map(toJws);
    jwks = JSON.parse(input.jwks) as Jwks;
    if (!Array.isArray(jwks.keys)) throw new Error("the JWKS has no keys array");
  } catch (error) {
    return { ok: false, reason: "unreadable_input", detail: error instanceof Error ? error.message : String(error), entries: 0, checkpoints: 0 };
  }
  const start = input.start ?? (await genesisHead(input.tenantId));
  const result = await verifyChainWithCheckpoints(entries, start, checkpoints, jwks, input.tenantId);
  const counts = { entries: entries.length, checkpoints: checkpoints.length };
  if (result.ok) return { ok: true, head: result.head, ...counts };
  if (result.reason === "bad_checkpoint") return { ok: false, reason: "bad_checkpoint", detail: `checkpoint #${result.index}: ${result.detail}`, ...counts };
  return { ok: false, first_bad_seq: result.first_bad_seq, reason: result.reason, ...counts };
}

/** A file's text, or every page of an API URL (following next_cursor) as NDJSON. */
async function load(source: string, cursorParam: string | null): Promise<string> {
  if (!/^https?:\/\//.test(source)) return readFileSync(source, "utf8");
  const headers: Record<string, string> = process.env.AYVLO_API_KEY ? { authorization: `Bearer ${process.env.AYVLO_API_KEY}` } : {};
  const pages: string[] = [];
  let url: URL | null = new URL(source);
  for (let i = 0; url && i < 100_000; i++) {
    const res = await fetch(url, { headers });
    if (!res.ok) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
    const text = await res.text();
    pages.push(text);
    const next = cursorParam ? (JSON.parse(text) as { next_cursor?: string | null }).next_cursor : null;
    if (!next || !cursorParam) break;
    url = new URL(source);
    url.searchParams.set(cursorParam, next);
  }
  return pages.join("\n");
}

function usage(msg?: string): never {
  if (msg) process.stderr.write(`audit:verify: ${msg}\n`);
  process.stderr.write("usage: npm run audit:verify -- --tenant <id> --entries <file.ndjson|url> --checkpoints <file|url> --jwks <file|url> [--start <seq>:<hash>]\n");
  process.exit(2);
}

async function main(args: string[]): Promise<void> {
  const opts: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-h" || a === "--help") usage();
    if (!["--tenant", "--entries", "--checkpoints", "--jwks", "--start"].includes(a)) usage(`unexpected argument ${a}`);
    opts[a.slice(2)] = args[++i] ?? usage(`${a} needs a value`);
  }
  for (const need of ["tenant", "entries", "checkpoints", "jwks"]) if (!opts[need]) usage(`--${need} is required`);
  let start: ChainHead | undefined;
  if (opts.start) {
    const m = /^(\d+):([0-9a-f]{64})$/.exec(opts.start);
    if (!m) usage("--start must be <seq>:<64 hex hash>");
    start = { seq: Number(m[1]), hash: m[2]! };
  }
  const result = await verifyAuditOffline({
    tenantId: opts.tenant!,
    entries: await load(opts.entries!, "after_seq"),
    checkpoints: await load(opts.checkpoints!, "cursor"),
    jwks: await load(opts.jwks!, null),
    start,
  });
  if (result.ok) {
    process.stdout.write(`ok: ${result.entries} entries, ${result.checkpoints} signed checkpoints; head seq ${result.head.seq} ${result.head.hash}\n`);
    process.exit(0);
  }
  const where = result.first_bad_seq !== undefined ? `first bad seq ${result.first_bad_seq} (${result.reason})` : `${result.reason}${result.detail ? `: ${result.detail}` : ""}`;
  process.stdout.write(`FAILED: ${where}\n`);
  process.exit(1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`audit:verify: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  });
}
