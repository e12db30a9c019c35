/**
 * Webhook signatures per the Standard Webhooks specification
 * (https://www.standardwebhooks.com, as implemented by its reference libraries):
 * - secret: `whsec_` + base64 of 24–64 random bytes; the HMAC key is the decoded bytes;
 * - signed content: `${webhook-id}.${webhook-timestamp}.${body}` (timestamp in seconds);
 * - signature: `v1,` + base64(HMAC-SHA256(key, content));
 * - `webhook-signature` may hold several space-separated signatures, e.g. one per
 *   secret while a secret is being rotated; a receiver accepts any that verifies.
 * Verification compares in constant time and enforces a timestamp tolerance
 * (default 5 minutes either way) against replays.
 */
import { base64ToBytes, bytesToBase64 } from "./base64.ts";

export const SECRET_PREFIX = "whsec_";
export const DEFAULT_TOLERANCE_S = 300;
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;

// A type alias, not an interface, so it can be passed where Record<string, string> (HeadersInit) is expected.
export type WebhookHeaders = {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
};

export type VerifyFailure = "missing_headers" | "invalid_timestamp" | "timestamp_too_old" | "timestamp_too_new" | "invalid_secret" | "no_matching_signature";
export type VerifyResult = { ok: true } | { ok: false; reason: VerifyFailure };

/** A new secret `whsec_<base64>` from caller-supplied random bytes (24–64 of them, e.g. crypto.getRandomValues). */
export function generateSecret(randomBytes: Uint8Array): string {
  if (randomBytes.length < MIN_SECRET_BYTES || randomBytes.length > MAX_SECRET_BYTES) {
    throw new RangeError(`a webhook secret needs ${MIN_SECRET_BYTES}–${MAX_SECRET_BYTES} random bytes`);
  }
  return SECRET_PREFIX + bytesToBase64(randomBytes);
}

/** The HMAC key inside a secret (the `whsec_` prefix is optional), or null when it is not valid base64. */
export function decodeSecret(secret: string): Uint8Array | null {
  const body = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = base64ToBytes(body);
  return key && key.length > 0 ? key : null;
}

/** One signature `v1,<base64>` of (msgId, timestamp in seconds, payload). Throws on a malformed secret (a bug: secrets are generated here). */
export async function sign(secret: string, msgId: string, timestampS: number, payload: string): Promise<string> {
  const key = decodeSecret(secret);
  if (!key) throw new TypeError("malformed webhook secret");
  return `v1,${bytesToBase64(await hmacSha256(key, signedContent(msgId, timestampS, payload)))}`;
}

/** The three Standard Webhooks headers, signed with every secret given (current first, then those in their grace period). */
export async function webhookHeaders(secrets: readonly string[], msgId: string, timestampS: number, payload: string): Promise<WebhookHeaders> {
  // An unsigned delivery would be accepted by nobody and means the endpoint lost its current secret: a bug.
  if (secrets.length === 0) throw new RangeError("webhookHeaders needs at least one secret");
  const signatures = await Promise.all(secrets.map((s) => sign(s, msgId, timestampS, payload)));
  return { "webhook-id": msgId, "webhook-timestamp": String(Math.floor(timestampS)), "webhook-signature": signatures.join(" ") };
}

export interface VerifyInput {
  secret: string;
  payload: string;
  /** Header values as received (names as in the spec). */
  headers: Partial<Record<keyof WebhookHeaders, string | null | undefined>>;
  /** The receiver's clock, in seconds. */
  nowS: number;
  toleranceS?: number;
}

/** Verifies a delivery: headers present, timestamp within tolerance, and one `v1` signature matching. */
export async function verify(input: VerifyInput): Promise<VerifyResult> {
  const id = input.headers["webhook-id"];
  const ts = input.headers["webhook-timestamp"];
  const header = input.headers["webhook-signature"];
  if (!id || !ts || !header) return { ok: false, reason: "missing_headers" };
  if (!/^\d{1,15}$/.test(ts)) return { ok: false, reason: "invalid_timestamp" };
  const timestamp = Number(ts);
  const tolerance = input.toleranceS ?? DEFAULT_TOLERANCE_S;
  if (timestamp < input.nowS - tolerance) return { ok: false, reason: "timestamp_too_old" };
  if (timestamp > input.nowS + tolerance) return { ok: false, reason: "timestamp_too_new" };
  const key = decodeSecret(input.secret);
  if (!key) return { ok: false, reason: "invalid_secret" };
  const expected = await hmacSha256(key, signedContent(id, ts, input.payload));
  let matched = false;
  for (const candidate of header.split(" ")) {
    const comma = candidate.indexOf(",");
    if (comma < 0 || candidate.slice(0, comma) !== "v1") continue;
    const received = base64ToBytes(candidate.slice(comma + 1));
    // Keep scanning after a match so the time taken does not tell which signature matched.
    if (received && constantTimeEqual(received, expected)) matched = true;
  }
  return matched ? { ok: true } : { ok: false, reason: "no_matching_signature" };
}

/** Byte-wise comparison whose running time depends only on the lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function signedContent(msgId: string, timestamp: number | string, payload: string): string {
  return `${msgId}.${timestamp}.${payload}`;
}

async function hmacSha256(key: Uint8Array, content: string): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey("raw", key as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, new TextEncoder().encode(content)));
}
