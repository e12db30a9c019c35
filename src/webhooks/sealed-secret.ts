import { base64UrlDecode, base64UrlEncode } from "../audit/jws.ts";

/**
 * Secrets at rest, sealed with AES-256-GCM: `sealed.v1.<key id>.<iv>.<ciphertext>`
 * (base64url). The additional data binds a sealed secret to where it belongs
 * (tenant and channel), so a copy pasted into another row does not open. A
 * value without the prefix is a secret stored before sealing existed and is
 * returned as it is.
 */
const PREFIX = "sealed.v1.";
const IV_BYTES = 12;

/** A stored secret that cannot be opened here: malformed, altered or sealed for another place. Permanent. */
export class SealedSecretError extends Error {
  override name = "SealedSecretError";
}

export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/** A raw 256-bit key as an AES-GCM CryptoKey that can only encrypt and decrypt. */
export async function importSealingKey(raw: Uint8Array): Promise<CryptoKey> {
  if (raw.length !== 32) throw new RangeError(`a sealing key has 32 bytes, got ${raw.length}`);
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

export async function sealSecret(key: { id: string; key: CryptoKey }, plaintext: string, boundTo: string): Promise<string> {
  if (!/^[A-Za-z0-9_-]+$/.test(key.id)) throw new RangeError(`sealing key id '${key.id}' is not base64url`);
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8(boundTo) }, key.key, utf8(plaintext));
  return `${PREFIX}${key.id}.${base64UrlEncode(iv)}.${base64UrlEncode(new Uint8Array(sealed))}`;
}

/** The key id a sealed value names, or null for a value stored before sealing. */
export function sealingKeyId(stored: string): string | null {
  return isSealed(stored) ? (stored.slice(PREFIX.length).split(".")[0] ?? null) : null;
}

/**
 * The plaintext of a stored secret. Throws when a sealed value is malformed,
 * was sealed for another place, or was altered: never a wrong secret.
 */
export async function openSecret(keyFor: (id: string) => Promise<CryptoKey>, stored: string, boundTo: string): Promise<string> {
  if (!isSealed(stored)) return stored;
  const parts = stored.slice(PREFIX.length).split(".");
  const iv = parts.length === 3 ? base64UrlDecode(parts[1]!) : null;
  const data = parts.length === 3 ? base64UrlDecode(parts[2]!) : null;
  if (!iv || iv.length !== IV_BYTES || !data) throw new SealedSecretError("sealed secret is malformed");
  const key = await keyFor(parts[0]!);
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: utf8(boundTo) }, key, data);
  } catch {
    throw new SealedSecretError("sealed secret does not open here (altered, or sealed for another place)");
  }
  return new TextDecoder().decode(plain);
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
