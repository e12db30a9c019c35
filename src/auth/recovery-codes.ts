/**
 * Recovery codes: shown once at MFA enrolment, stored only as SHA-256 hashes,
 * each usable once. A code is 12 characters of Crockford-like base32 (60 bits,
 * grouped `xxxx-xxxx-xxxx`); that much entropy makes a salt and a slow hash
 * unnecessary — nobody can guess a preimage — so a plain SHA-256 suffices.
 * Typing is forgiving (case, dashes, spaces; o→0, i/l→1).
 */
import { constantTimeEqual } from "../api-keys.ts";
import { sha256Hex } from "../hash.ts";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // 32 symbols: no i, l, o, u
const LENGTH = 12;

/** The default number of codes issued at once. */
export const RECOVERY_CODE_COUNT = 10;

/** Canonical form of a typed code, or null when it cannot be one of ours. */
export function normalizeRecoveryCode(typed: string): string | null {
  const clean = typed.toLowerCase().replace(/[\s-]/g, "").replace(/o/g, "0").replace(/[il]/g, "1");
  return clean.length === LENGTH && [...clean].every((c) => ALPHABET.includes(c)) ? clean : null;
}

/** SHA-256 hex of a code's canonical form: what is stored. */
export async function hashRecoveryCode(code: string): Promise<string> {
  const canonical = normalizeRecoveryCode(code);
  if (!canonical) throw new TypeError("not a recovery code");
  return sha256Hex(`ayvlo.recovery\u0000${canonical}`);
}

/** `count` new codes (to show once) and their hashes (to store), in the same order. */
export async function generateRecoveryCodes(count = RECOVERY_CODE_COUNT, random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): Promise<{ codes: string[]; hashes: string[] }> {
  const codes: string[] = [];
  while (codes.length < count) {
    // 32 divides 256, so `byte & 31` is uniform.
    const raw = [...random(new Uint8Array(LENGTH))].map((b) => ALPHABET[b & 31]).join("");
    const code = `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`;
    if (!codes.includes(code)) codes.push(code);
  }
  return { codes, hashes: await Promise.all(codes.map(hashRecoveryCode)) };
}

/**
 * Checks a typed code against the stored hashes of the unused codes, comparing
 * with every hash (no early exit). On a match, the caller deletes `index`.
 */
export async function verifyRecoveryCode(typed: string, storedHashes: readonly string[]): Promise<{ ok: true; index: number } | { ok: false; reason: "malformed" | "mismatch" }> {
  if (!normalizeRecoveryCode(typed)) return { ok: false, reason: "malformed" };
  const hash = await hashRecoveryCode(typed);
  let index = -1;
  storedHashes.forEach((stored, i) => {
    if (constantTimeEqual(stored, hash) && index < 0) index = i;
  });
  return index >= 0 ? { ok: true, index } : { ok: false, reason: "mismatch" };
}
