import { DurableObject } from "cloudflare:workers";
import { base64UrlEncode, exportPublicJwk, generateEs256KeyPair, jwkThumbprint, type PublicJwk } from "../src/audit/index.ts";
import { migrateSqlite } from "./sqlite-migrations.ts";

const MIGRATIONS = [
  `CREATE TABLE keys (kid TEXT PRIMARY KEY, private_jwk TEXT NOT NULL, public_jwk TEXT NOT NULL, created_at INTEGER NOT NULL)`,
  `CREATE TABLE sealing_keys (id TEXT PRIMARY KEY, raw TEXT NOT NULL, created_at INTEGER NOT NULL)`,
] as const;

/** A 256-bit AES key (base64url) that seals secrets kept in D1, and its id. */
export interface SealingKey {
  id: string;
  raw: string;
}

/** The key that signs now: a P-256 private JWK and its kid. */
export interface SigningKey {
  kid: string;
  privateJwk: JsonWebKey;
}

/**
 * One for all of Ayvlo: the ES256 keys that sign session tokens and audit
 * checkpoints. The newest key signs; every key stays published in the JWKS so
 * that old checkpoints still verify offline. Rotation adds a key, it never
 * removes one. It also keeps the sealing key for secrets stored in D1
 * (webhook signing secrets), so a copy of the database alone does not reveal them.
 */
export class KeyRing extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrateSqlite(ctx.storage.sql, MIGRATIONS);
  }

  /** The newest key, created on first use. */
  async signingKey(): Promise<SigningKey> {
    const row = this.newest() ?? (await this.ctx.blockConcurrencyWhile(async () => this.newest() ?? (await this.addKey())));
    return { kid: row.kid, privateJwk: JSON.parse(row.private_jwk) as JsonWebKey };
  }

  /** Every public key, newest first (the JWKS). */
  async publicKeys(): Promise<PublicJwk[]> {
    if (!this.newest()) await this.signingKey();
    return this.ctx.storage.sql
      .exec<{ public_jwk: string }>("SELECT public_jwk FROM keys ORDER BY created_at DESC, kid")
      .toArray()
      .map((r) => JSON.parse(r.public_jwk) as PublicJwk);
  }

  /** Adds a new signing key; tokens signed by older keys stay valid until they expire. */
  async rotate(): Promise<{ kid: string }> {
    const row = await this.ctx.blockConcurrencyWhile(() => this.addKey());
    return { kid: row.kid };
  }

  /** Rotates when the newest key is older than `maxAgeMs` (the daily cron keeps keys fresh). */
  async rotateIfOlderThan(maxAgeMs: number, now = Date.now()): Promise<{ rotated: boolean; kid: string }> {
    const newest = this.ctx.storage.sql.exec<{ kid: string; created_at: number }>("SELECT kid, created_at FROM keys ORDER BY created_at DESC, kid LIMIT 1").toArray()[0];
    if (newest && now - newest.created_at < maxAgeMs) return { rotated: false, kid: newest.kid };
    return { rotated: true, ...(await this.rotate()) };
  }

  /** The key that seals secrets now, created on first use. */
  async sealingKey(): Promise<SealingKey> {
    return this.newestSealingKey() ?? (await this.ctx.blockConcurrencyWhile(async () => this.newestSealingKey() ?? this.addSealingKey()));
  }

  /** A sealing key by id (older values stay readable), or null. */
  async sealingKeyById(id: string): Promise<SealingKey | null> {
    return this.ctx.storage.sql.exec<{ id: string; raw: string }>("SELECT id, raw FROM sealing_keys WHERE id = ?", id).toArray()[0] ?? null;
  }

  private newestSealingKey(): SealingKey | undefined {
    return this.ctx.storage.sql.exec<{ id: string; raw: string }>("SELECT id, raw FROM sealing_keys ORDER BY created_at DESC, id LIMIT 1").toArray()[0];
  }

  private addSealingKey(): SealingKey {
    const key = { id: `sk_${base64UrlEncode(crypto.getRandomValues(new Uint8Array(9)))}`, raw: base64UrlEncode(crypto.getRandomValues(new Uint8Array(32))) };
    this.ctx.storage.sql.exec("INSERT INTO sealing_keys (id, raw, created_at) VALUES (?, ?, ?)", key.id, key.raw, Date.now());
    return key;
  }

  private newest() {
    return this.ctx.storage.sql.exec<{ kid: string; private_jwk: string }>("SELECT kid, private_jwk FROM keys ORDER BY created_at DESC, kid LIMIT 1").toArray()[0];
  }

  private async addKey() {
    const pair = await generateEs256KeyPair(true);
    const publicPart = await exportPublicJwk(pair.publicKey, "pending");
    const kid = await jwkThumbprint(publicPart);
    const privateJwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
    const publicJwk: PublicJwk = { ...publicPart, kid };
    // Keys created in the same millisecond still order: created_at is strictly increasing.
    const last = this.ctx.storage.sql.exec<{ at: number | null }>("SELECT MAX(created_at) AS at FROM keys").one().at ?? 0;
    const createdAt = Math.max(Date.now(), last + 1);
    this.ctx.storage.sql.exec("INSERT INTO keys (kid, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, ?)", kid, JSON.stringify({ ...privateJwk, kid }), JSON.stringify(publicJwk), createdAt);
    return { kid, private_jwk: JSON.stringify({ ...privateJwk, kid }) };
  }
}
