/**
 * Compact JWS (RFC 7515) with ES256 only, on WebCrypto: enough to sign audit
 * checkpoints and let anyone verify them offline with the JWKS. ECDSA in
 * WebCrypto already speaks the JWS signature form (r‖s, 64 bytes).
 * The verifier accepts ES256 and nothing else (no `none`, no algorithm taken
 * on the token's word), refuses `crit`, and picks the key by `kid` — or, when
 * the token names none, only if the set holds exactly one usable key.
 */

/** A public EC P-256 key as published at /.well-known/jwks.json. */
export interface PublicJwk {
  kty: "EC";
  crv: "P-256";
  x: string;
  y: string;
  kid: string;
  alg: "ES256";
  use?: "sig";
}

/** A JSON Web Key Set. Keys of other kinds may be present and are ignored. */
export interface Jwks {
  keys: ReadonlyArray<PublicJwk | { kty: string; kid?: string; [k: string]: unknown }>;
}

/** The outcome of verifying a JWS. */
export type JwsVerification = { ok: true; payload: Record<string, unknown>; header: Record<string, unknown> } | { ok: false; reason: "malformed" | "unsupported_alg" | "unknown_kid" | "bad_key" | "bad_signature" };

const ECDSA_P256 = { name: "ECDSA", namedCurve: "P-256" } as const;
const ES256 = { name: "ECDSA", hash: "SHA-256" } as const;
const B64URL = /^[A-Za-z0-9_-]*$/;

/** Bytes → unpadded base64url. */
export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Unpadded base64url → bytes, or null when it is not canonical unpadded base64url. */
export function base64UrlDecode(text: string): Uint8Array | null {
  if (!B64URL.test(text) || text.length % 4 === 1) return null;
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  // Only the canonical spelling: unused trailing bits must be zero, so one token has one text.
  return base64UrlEncode(bytes) === text ? bytes : null;
}

const utf8 = (text: string) => new TextEncoder().encode(text);

/** A new ES256 key pair (private key not extractable unless asked). */
export function generateEs256KeyPair(extractable = false): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ECDSA_P256, extractable, ["sign", "verify"]) as Promise<CryptoKeyPair>;
}

/** Signs `payload` (JSON) as a compact JWS: header `{ alg: "ES256", kid, typ }`. */
export async function signJws(payload: Record<string, unknown>, privateKey: CryptoKey, kid: string, typ = "JWT"): Promise<string> {
  const input = `${base64UrlEncode(utf8(JSON.stringify({ alg: "ES256", kid, typ })))}.${base64UrlEncode(utf8(JSON.stringify(payload)))}`;
  const signature = new Uint8Array(await crypto.subtle.sign(ES256, privateKey, utf8(input)));
  return `${input}.${base64UrlEncode(signature)}`;
}

/** The public JWK of a P-256 key (public, or a private key's public half via its JWK), with `kid`. */
export async function exportPublicJwk(key: CryptoKey, kid: string): Promise<PublicJwk> {
  const jwk = (await crypto.subtle.exportKey("jwk", key)) as JsonWebKey;
  if (jwk.kty !== "EC" || jwk.crv !== "P-256" || !jwk.x || !jwk.y) throw new TypeError("exportPublicJwk needs a P-256 key");
  return { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, kid, alg: "ES256", use: "sig" };
}

/** RFC 7638 thumbprint of a P-256 JWK (base64url SHA-256): a stable `kid` for a key. */
export async function jwkThumbprint(jwk: { crv: string; kty: string; x: string; y: string }): Promise<string> {
  const members = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return base64UrlEncode(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(members))));
}

function usable(k: Jwks["keys"][number]): k is PublicJwk {
  const alg = (k as { alg?: unknown }).alg;
  const use = (k as { use?: unknown }).use;
  return k.kty === "EC" && (k as { crv?: unknown }).crv === "P-256" && (alg === undefined || alg === "ES256") && (use === undefined || use === "sig");
}

function parseJson(bytes: Uint8Array | null): Record<string, unknown> | null {
  if (!bytes) return null;
  try {
    const value: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Verifies a compact ES256 JWS against a JWKS; returns the payload and header. */
export async function verifyJws(jws: string, jwks: Jwks): Promise<JwsVerification> {
  const parts = jws.split(".");
  if (parts.length !== 3) return { ok: false, reason: "malformed" };
  const [h, p, s] = parts as [string, string, string];
  const header = parseJson(base64UrlDecode(h));
  const payload = parseJson(base64UrlDecode(p));
  const signature = base64UrlDecode(s);
  if (!header || !payload || !signature) return { ok: false, reason: "malformed" };
  if (header.alg !== "ES256" || header.crit !== undefined) return { ok: false, reason: "unsupported_alg" };
  if (header.kid !== undefined && typeof header.kid !== "string") return { ok: false, reason: "malformed" };
  const candidates = jwks.keys.filter(usable);
  const jwk = header.kid === undefined ? (candidates.length === 1 ? candidates[0] : undefined) : candidates.find((k) => k.kid === header.kid);
  if (!jwk) return { ok: false, reason: "unknown_kid" };
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, ext: true }, ECDSA_P256, false, ["verify"]);
  } catch {
    return { ok: false, reason: "bad_key" };
  }
  if (signature.length !== 64) return { ok: false, reason: "bad_signature" };
  const valid = await crypto.subtle.verify(ES256, key, signature, utf8(`${h}.${p}`));
  return valid ? { ok: true, payload, header } : { ok: false, reason: "bad_signature" };
}
