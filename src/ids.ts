/**
 * Deterministic identifiers. The same inputs always give the same id, so a
 * retried write (alarm, queue) lands on the same row instead of a new one.
 */

/** 128-bit FNV-1a over the UTF-16 code units, as 26 lowercase base32 characters. */
export function stableId(prefix: string, ...parts: Array<string | number>): string {
  const text = parts.map(String).join("\u0000");
  let hash = 0x6c62272e07bb014262b821756295c58dn;
  const prime = 0x0000000001000000000000000000013bn;
  const mask = (1n << 128n) - 1n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * prime) & mask;
  }
  return `${prefix}_${toBase32(hash, 26)}`;
}

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

function toBase32(value: bigint, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(value & 31n)]! + out;
    value >>= 5n;
  }
  return out;
}

/** A random id with `bytes` bytes of entropy, in the same base32 alphabet. */
export function randomId(prefix: string, bytes = 10): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  let value = 0n;
  for (const b of buf) value = (value << 8n) | BigInt(b);
  return `${prefix}_${toBase32(value, Math.ceil((bytes * 8) / 5))}`;
}
