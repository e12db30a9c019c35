/**
 * API keys look like `ayv_live_<id>_<secret>`. The id finds the row; only a
 * SHA-256 hash of the whole key is stored, and hashes are compared in constant time.
 */
import { sha256Hex } from "./hash.ts";

export const SCOPES = ["ingest", "read", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

const KEY_PATTERN = /^ayv_live_([0-9a-z]{16})_([A-Za-z0-9]{40})$/;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE32 = "0123456789abcdefghjkmnpqrstvwxyz";

export interface ParsedKey {
  id: string;
  key: string;
}

/** Splits a presented key into its id, or null when it is not shaped like one of ours. */
export function parseApiKey(presented: string): ParsedKey | null {
  const match = KEY_PATTERN.exec(presented);
  return match ? { id: match[1]!, key: presented } : null;
}

/** A new key: 16 base32 characters of id, 40 base62 characters of secret (≈238 bits). */
export function generateApiKey(): ParsedKey {
  const id = randomChars(BASE32, 16);
  const key = `ayv_live_${id}_${randomChars(BASE62, 40)}`;
  return { id, key };
}

/** Lowercase hex SHA-256 of the whole key: the only form in which a key is stored. */
export function hashApiKey(key: string): Promise<string> {
  return sha256Hex(key);
}

/** Compares two strings without an early exit, so timing does not tell how much matched. */
export function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

/** Whether a key holding `granted` may act with `needed`. `admin` implies every scope. */
export function hasScope(granted: readonly Scope[], needed: Scope): boolean {
  return granted.includes("admin") || granted.includes(needed);
}

function randomChars(alphabet: string, length: number): string {
  // Rejection sampling keeps every character equally likely.
  const limit = 256 - (256 % alphabet.length);
  let out = "";
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}
