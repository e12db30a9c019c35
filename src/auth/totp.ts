/**
 * TOTP (RFC 6238) over HOTP (RFC 4226) on WebCrypto HMAC: SHA-1, 30-second
 * steps, 6 digits by default — what every authenticator app does.
 * A code is single-use: `verifyTotp` returns the step it matched; the caller
 * stores the last accepted step per user and passes it back as `lastUsedStep`,
 * so the same code (or an older one) is refused inside its window.
 */
import { base32Decode, base32Encode } from "./base32.ts";

/** HMAC algorithms RFC 6238 defines. */
export type TotpAlgorithm = "SHA-1" | "SHA-256" | "SHA-512";

/** TOTP parameters; the defaults are the interoperable ones. */
export interface TotpOptions {
  stepSeconds?: number;
  digits?: number;
  algorithm?: TotpAlgorithm;
  t0Seconds?: number;
}

/** The outcome of checking a code: the matched step, or why not. */
export type TotpVerification = { ok: true; step: number } | { ok: false; reason: "malformed" | "mismatch" | "reused" };

const SECRET_BYTES = 20; // 160 bits, RFC 4226's recommendation for SHA-1

/** A new random TOTP secret in base32 (no padding), 160 bits. */
export function generateTotpSecret(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  return base32Encode(random(new Uint8Array(SECRET_BYTES)), false);
}

/** RFC 4226 HOTP value of `counter` under `key`, as a zero-padded decimal string. */
export async function hotp(key: Uint8Array, counter: number, digits = 6, algorithm: TotpAlgorithm = "SHA-1"): Promise<string> {
  const message = new Uint8Array(8);
  new DataView(message.buffer).setBigUint64(0, BigInt(counter));
  const hmacKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: algorithm }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, message));
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

/** The time step containing `nowMs`. */
export function totpStep(nowMs: number, options: TotpOptions = {}): number {
  return Math.floor((nowMs / 1000 - (options.t0Seconds ?? 0)) / (options.stepSeconds ?? 30));
}

/** The TOTP code for a base32 secret at `nowMs`. */
export async function totp(secret: string, nowMs: number, options: TotpOptions = {}): Promise<string> {
  const key = base32Decode(secret);
  if (!key || key.length === 0) throw new TypeError("a TOTP secret must be non-empty base32");
  return hotp(key, totpStep(nowMs, options), options.digits ?? 6, options.algorithm ?? "SHA-1");
}

/**
 * Checks a code at `nowMs` against the steps [now − window, now + window]
 * (window 1: ±30 s of clock drift). Every step in the window is computed and
 * compared without an early exit. A match at or before `lastUsedStep` is `reused`.
 */
export async function verifyTotp(secret: string, code: string, nowMs: number, options: TotpOptions & { window?: number; lastUsedStep?: number | null } = {}): Promise<TotpVerification> {
  const digits = options.digits ?? 6;
  const key = base32Decode(secret);
  const presented = code.replace(/\s/g, "");
  if (!key || key.length === 0 || !new RegExp(`^\\d{${digits}}$`).test(presented)) return { ok: false, reason: "malformed" };
  const current = totpStep(nowMs, options);
  const window = options.window ?? 1;
  const lastUsed = options.lastUsedStep ?? -1;
  let fresh = -1;
  let stale = -1;
  for (let step = current - window; step <= current + window; step++) {
    if (step < 0) continue;
    const expected = await hotp(key, step, digits, options.algorithm ?? "SHA-1");
    let diff = 0;
    for (let i = 0; i < digits; i++) diff |= expected.charCodeAt(i) ^ presented.charCodeAt(i);
    if (diff === 0 && step > lastUsed && fresh < 0) fresh = step;
    if (diff === 0 && step <= lastUsed) stale = step;
  }
  if (fresh >= 0) return { ok: true, step: fresh };
  return { ok: false, reason: stale >= 0 ? "reused" : "mismatch" };
}

/** The `otpauth://totp/Issuer:account?secret=…&issuer=…` URI an authenticator app scans (as a QR code). */
export function totpUri(input: { secret: string; account: string; issuer: string } & Pick<TotpOptions, "digits" | "stepSeconds" | "algorithm">): string {
  const label = `${encodeURIComponent(input.issuer)}:${encodeURIComponent(input.account)}`;
  const params = new URLSearchParams({ secret: input.secret.replace(/=+$/, ""), issuer: input.issuer, algorithm: (input.algorithm ?? "SHA-1").replace("-", ""), digits: String(input.digits ?? 6), period: String(input.stepSeconds ?? 30) });
  return `otpauth://totp/${label}?${params.toString().replace(/\+/g, "%20")}`;
}
