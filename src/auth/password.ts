/**
 * Password hashing with PBKDF2-HMAC-SHA256 through WebCrypto.
 *
 * Stored form (self-describing, so the cost can rise later):
 *   pbkdf2-sha256$<iterations>$<salt, base64>$<32-byte hash, base64>
 * Iterations default to 100,000: the most production Workers accept for PBKDF2
 * ("iteration counts above 100000 are not supported", cloudflare/workerd#1346) —
 * below OWASP's 600,000 for SHA-256, but the strongest setting Workers allow.
 * The open-source workerd behind `wrangler dev` does not enforce that cap, so
 * local tests would not notice a higher count: hashPassword refuses one itself,
 * and verifyPassword calls a stored count above it malformed. A stored hash with fewer
 * iterations verifies and reports `needsRehash`, so it can be upgraded at login.
 * Passwords are NFKC-normalised first (NIST SP 800-63B), so the same password
 * typed on different keyboards hashes the same.
 */
import { constantTimeEqual } from "../api-keys.ts";
import { base64ToBytes, bytesToBase64 } from "../webhooks/base64.ts";

/** The PBKDF2 iteration cap of the Workers runtime, and our default. */
export const PBKDF2_MAX_ITERATIONS = 100_000;
/** The fewest iterations we hash with or accept in a stored hash. */
export const PBKDF2_MIN_ITERATIONS = 10_000;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
const PREFIX = "pbkdf2-sha256";

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password.normalize("NFKC")), "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BYTES * 8));
}

/** Hashes a password into the stored form; a random 16-byte salt unless one is given. */
export async function hashPassword(password: string, salt?: Uint8Array, iterations = PBKDF2_MAX_ITERATIONS): Promise<string> {
  if (!Number.isInteger(iterations) || iterations < PBKDF2_MIN_ITERATIONS || iterations > PBKDF2_MAX_ITERATIONS) throw new RangeError(`PBKDF2 iterations must be ${PBKDF2_MIN_ITERATIONS}..${PBKDF2_MAX_ITERATIONS} (the Workers cap)`);
  const s = salt ?? crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  if (s.length < 8) throw new RangeError("a password salt needs at least 8 bytes");
  return `${PREFIX}$${iterations}$${bytesToBase64(s)}$${bytesToBase64(await derive(password, s, iterations))}`;
}

/** The parts of a stored hash, or null when it is not one. */
export function parsePasswordHash(stored: string): { iterations: number; salt: Uint8Array; hash: Uint8Array } | null {
  const parts = stored.split("$");
  if (parts.length !== 4 || parts[0] !== PREFIX || !/^[1-9]\d{0,6}$/.test(parts[1]!)) return null;
  const iterations = Number(parts[1]);
  const salt = base64ToBytes(parts[2]!);
  const hash = base64ToBytes(parts[3]!);
  if (iterations < PBKDF2_MIN_ITERATIONS || iterations > PBKDF2_MAX_ITERATIONS || !salt || salt.length < 8 || !hash || hash.length !== HASH_BYTES) return null;
  return { iterations, salt, hash };
}

/** Checks a password against a stored hash; `needsRehash` when it was hashed with fewer iterations than today's default. */
export async function verifyPassword(password: string, stored: string): Promise<{ ok: true; needsRehash: boolean } | { ok: false; reason: "mismatch" | "malformed" }> {
  const parsed = parsePasswordHash(stored);
  if (!parsed) return { ok: false, reason: "malformed" };
  const actual = await derive(password, parsed.salt, parsed.iterations);
  if (!constantTimeEqual(bytesToBase64(actual), bytesToBase64(parsed.hash))) return { ok: false, reason: "mismatch" };
  return { ok: true, needsRehash: parsed.iterations < PBKDF2_MAX_ITERATIONS };
}
