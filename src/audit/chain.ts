/**
 * The tenant's tamper-evident audit chain.
 *
 * Entry: `{ seq, at, actor, action, target, data, prev_hash, hash }`, where
 *   hash = lowercase hex SHA-256 of canonicalJson({ seq, at, actor, action, target, data, prev_hash })
 * (see canonical.ts). `seq` counts from 1; `at` is epoch milliseconds; `actor`
 * and `target` are opaque ids (`user:usr_…`, `key:…`, `rule:rul_…`), never
 * emails, names or addresses; `action` is `entity.verb`.
 *
 * The chain starts from a genesis head `{ seq: 0, hash: genesisHash(tenant) }`
 * bound to the tenant, so one tenant's chain does not verify as another's.
 * When retention prunes a prefix, keep the `{ seq, hash }` of the last pruned
 * entry (or use a verified checkpoint) and verify from there.
 *
 * Personal data never goes into an entry: `data` carries a salted commitment
 * to it (personal.ts), the payload lives beside the chain, and erasing the
 * payload leaves every hash intact.
 */
import { sha256Hex } from "../hash.ts";
import { canonicalJson, type JsonObject } from "./canonical.ts";

/** One entry of the chain, as stored and as served by GET /v1/audit. */
export interface AuditEntry {
  seq: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  data: JsonObject;
  prev_hash: string;
  hash: string;
}

/** What a caller records; the chain adds seq, at and the hashes. */
export interface AuditInput {
  actor: string;
  action: string;
  target: string | null;
  data?: JsonObject;
}

/** The last entry of a (verified) chain, or the genesis head `{ seq: 0, … }`. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** Why a chain stops verifying. */
export type ChainFault = "malformed" | "seq_mismatch" | "prev_hash_mismatch" | "hash_mismatch" | "checkpoint_mismatch" | "truncated";

/**
 * `head` is the last entry of the verified prefix. When `ok` is false,
 * `first_bad_seq` = head.seq + 1: the first seq that is missing, altered or out
 * of place (an entry whose hash was recomputed after an edit looks sound by
 * itself, and the break shows at the next one — unless a checkpoint covers it).
 */
export type ChainVerification = { ok: true; head: ChainHead } | { ok: false; head: ChainHead; first_bad_seq: number; reason: ChainFault };

const ACTION = /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** The genesis hash of a tenant's chain: the prev_hash of its entry 1. */
export function genesisHash(tenantId: string): Promise<string> {
  return sha256Hex(`ayvlo.audit.genesis\u0000${tenantId}`);
}

/** The head a tenant's chain starts from: `{ seq: 0, hash: genesisHash(tenantId) }`. */
export async function genesisHead(tenantId: string): Promise<ChainHead> {
  return { seq: 0, hash: await genesisHash(tenantId) };
}

/** The hash an entry must carry, from its other fields. */
export function entryHash(entry: Omit<AuditEntry, "hash">): Promise<string> {
  const { seq, at, actor, action, target, data, prev_hash } = entry;
  return sha256Hex(canonicalJson({ seq, at, actor, action, target, data, prev_hash }));
}

/** The next entry after `prev`, at `now` (epoch ms). Malformed input is a bug and throws. */
export async function appendEntry(prev: ChainHead, input: AuditInput, now: number): Promise<AuditEntry> {
  if (!ACTION.test(input.action)) throw new TypeError(`audit action must be entity.verb, got ${input.action}`);
  if (!Number.isSafeInteger(now)) throw new TypeError("audit time must be integer epoch milliseconds");
  if (!Number.isSafeInteger(prev.seq) || prev.seq < 0 || !HEX64.test(prev.hash)) throw new TypeError("audit prev head is malformed");
  const body = { seq: prev.seq + 1, at: now, actor: input.actor, action: input.action, target: input.target, data: input.data ?? {}, prev_hash: prev.hash };
  return { ...body, hash: await entryHash(body) };
}

/**
 * Verifies entries (in stored order) as the continuation of `start` — the
 * genesis head for a whole chain. Detects an edited field, a deleted,
 * inserted or duplicated entry, a reordering, a foreign or wrong genesis, and,
 * given trusted `checkpoints` (signed heads), entries rewritten with fresh
 * hashes and a truncated tail. Never throws on bad input.
 */
export async function verifyChain(entries: readonly AuditEntry[], start: ChainHead, options: { checkpoints?: readonly ChainHead[] } = {}): Promise<ChainVerification> {
  const checkpoints = new Map((options.checkpoints ?? []).map((c) => [c.seq, c.hash]));
  let head: ChainHead = { seq: start.seq, hash: start.hash };
  const fail = (reason: ChainFault): ChainVerification => ({ ok: false, head, first_bad_seq: head.seq + 1, reason });
  for (const entry of entries) {
    if (!wellFormed(entry)) return fail("malformed");
    if (entry.seq !== head.seq + 1) return fail("seq_mismatch");
    if (entry.prev_hash !== head.hash) return fail("prev_hash_mismatch");
    let expected: string;
    try {
      expected = await entryHash(entry);
    } catch {
      return fail("malformed");
    }
    if (expected !== entry.hash) return fail("hash_mismatch");
    const checkpoint = checkpoints.get(entry.seq);
    if (checkpoint !== undefined && checkpoint !== entry.hash) return fail("checkpoint_mismatch");
    head = { seq: entry.seq, hash: entry.hash };
  }
  for (const seq of checkpoints.keys()) if (seq > head.seq) return fail("truncated");
  return { ok: true, head };
}

function wellFormed(e: AuditEntry): boolean {
  return (
    e !== null &&
    typeof e === "object" &&
    Number.isSafeInteger(e.seq) &&
    Number.isSafeInteger(e.at) &&
    typeof e.actor === "string" &&
    typeof e.action === "string" &&
    ACTION.test(e.action) &&
    (e.target === null || typeof e.target === "string") &&
    e.data !== null &&
    typeof e.data === "object" &&
    !Array.isArray(e.data) &&
    typeof e.prev_hash === "string" &&
    typeof e.hash === "string" &&
    HEX64.test(e.hash)
  );
}
