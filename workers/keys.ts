import { createLocalJWKSet, importJWK, jwtVerify, SignJWT, type JWTPayload } from "jose";
import type { Jwks, PublicJwk } from "../src/audit/index.ts";

// The KeyRing's keys, cached per isolate. A token signed by a key this isolate
// has not seen yet makes it fetch the JWKS again (once), so rotation needs no restart.

const CACHE_MS = 60_000;
let signing: { kid: string; key: CryptoKey; until: number } | null = null;
let published: { keys: PublicJwk[]; until: number } | null = null;

/** The one KeyRing object (signing keys and the sealing key). */
export function keyRing(env: Env) {
  return env.KEY_RING.get(env.KEY_RING.idFromName("global"));
}

/** The key that signs now (sessions and audit checkpoints). */
export async function currentSigningKey(env: Env): Promise<{ kid: string; key: CryptoKey }> {
  if (signing && signing.until > Date.now()) return signing;
  const { kid, privateJwk } = await keyRing(env).signingKey();
  const key = (await importJWK({ ...privateJwk, alg: "ES256" }, "ES256")) as CryptoKey;
  signing = { kid, key, until: Date.now() + CACHE_MS };
  return signing;
}

/** The published JWKS: every key that ever signed. */
export async function publicJwks(env: Env, options: { fresh?: boolean } = {}): Promise<Jwks & { keys: PublicJwk[] }> {
  if (!options.fresh && published && published.until > Date.now()) return { keys: published.keys };
  const keys = await keyRing(env).publicKeys();
  published = { keys, until: Date.now() + CACHE_MS };
  return { keys };
}

/** Adds a signing key and forgets this isolate's cache. */
export async function rotateSigningKey(env: Env): Promise<{ kid: string }> {
  const rotated = await keyRing(env).rotate();
  signing = null;
  published = null;
  return rotated;
}

/** How long one key signs before the daily cron adds a new one. */
export const SIGNING_KEY_MAX_AGE_MS = 30 * 86_400_000;

/** Adds a signing key when the newest is older than SIGNING_KEY_MAX_AGE_MS. */
export async function rotateStaleSigningKey(env: Env, now = Date.now()): Promise<{ rotated: boolean; kid: string }> {
  const result = await keyRing(env).rotateIfOlderThan(SIGNING_KEY_MAX_AGE_MS, now);
  if (result.rotated) {
    signing = null;
    published = null;
  }
  return result;
}

export const SESSION_ISSUER = "ayvlo";
export const SESSION_AUDIENCE = "ayvlo.session";

/** Signs session claims as an ES256 JWT with the current kid. */
export async function signSessionJwt(env: Env, claims: JWTPayload & { sub: string }, ttlSeconds: number): Promise<string> {
  const { kid, key } = await currentSigningKey(env);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "ES256", kid, typ: "JWT" })
    .setIssuer(SESSION_ISSUER)
    .setAudience(SESSION_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(key);
}

/** The claims of a valid session JWT, or null (bad signature, expired, unknown key, wrong audience…). */
export async function verifySessionJwt(env: Env, token: string): Promise<JWTPayload | null> {
  for (const fresh of [false, true]) {
    try {
      const { payload } = await jwtVerify(token, createLocalJWKSet(await publicJwks(env, { fresh })), { issuer: SESSION_ISSUER, audience: SESSION_AUDIENCE, algorithms: ["ES256"], typ: "JWT" });
      return payload;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== "ERR_JWKS_NO_MATCHING_KEY" || fresh) return null;
    }
  }
  return null;
}
