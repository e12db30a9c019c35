/**
 * Magic-link login tokens: 32 random bytes (base64url) mailed to the user;
 * only the SHA-256 hash is stored, with an expiry; a token works once (the
 * caller sets `consumed_at` when it accepts one, in the same write).
 */
import { base64UrlEncode } from "../audit/jws.ts";
import { constantTimeEqual } from "../api-keys.ts";
import { sha256Hex } from "../hash.ts";

/** A magic link's lifetime by default: 15 minutes. */
export const MAGIC_LINK_TTL_MS = 15 * 60_000;

/** What is stored for a magic link. */
export interface MagicLinkRecord {
  token_hash: string;
  expires_at: number;
  consumed_at: number | null;
}

/** Hex SHA-256 of a token: the stored form, and the lookup key. */
export function hashMagicToken(token: string): Promise<string> {
  return sha256Hex(`ayvlo.magic\u0000${token}`);
}

/** A new token to mail and the record to store. */
export async function createMagicLink(now: number, options: { ttlMs?: number; random?: (bytes: Uint8Array) => Uint8Array } = {}): Promise<{ token: string; record: MagicLinkRecord }> {
  const random = options.random ?? ((b: Uint8Array) => crypto.getRandomValues(b));
  const token = base64UrlEncode(random(new Uint8Array(32)));
  return { token, record: { token_hash: await hashMagicToken(token), expires_at: now + (options.ttlMs ?? MAGIC_LINK_TTL_MS), consumed_at: null } };
}

/** Checks a presented token against its record at `now`. */
export async function verifyMagicLink(token: string, record: MagicLinkRecord | null | undefined, now: number): Promise<{ ok: true } | { ok: false; reason: "unknown" | "mismatch" | "expired" | "used" }> {
  if (!record) return { ok: false, reason: "unknown" };
  if (!constantTimeEqual(await hashMagicToken(token), record.token_hash)) return { ok: false, reason: "mismatch" };
  if (record.consumed_at !== null) return { ok: false, reason: "used" };
  if (now >= record.expires_at) return { ok: false, reason: "expired" };
  return { ok: true };
}
