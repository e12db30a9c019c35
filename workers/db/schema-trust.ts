import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { tenants } from "./schema.ts";

// Accounts, sessions, second factors, policies, the audit chain and data rights.
// Rows that hold personal data (email, name, IP, location, device) are removed
// or anonymized when a user is erased; the audit chain holds none (see src/audit).

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    /** Lowercased; unique across Ayvlo (one account, one tenant). `erased:<id>` after erasure. */
    email: text("email").notNull(),
    name: text("name"),
    role: text("role", { enum: ["viewer", "member", "admin", "owner"] }).notNull(),
    status: text("status", { enum: ["active", "removed", "erased"] }).notNull(),
    /** PBKDF2 (src/auth/password.ts); null for accounts without a password (invited via magic link, erased). */
    passwordHash: text("password_hash"),
    /** Bumped by "log out everywhere": sessions carrying an older version stop working at once. */
    sessionVersion: integer("session_version").notNull().default(0),
    /** Base32 TOTP secret; pending until `totp_enabled`. */
    totpSecret: text("totp_secret"),
    totpEnabled: integer("totp_enabled", { mode: "boolean" }).notNull().default(false),
    /** The last accepted TOTP step: a code is good once. */
    totpLastStep: integer("totp_last_step"),
    /** Hashes of unused recovery codes. */
    recoveryHashes: text("recovery_hashes", { mode: "json" }).$type<string[]>().notNull().default([]),
    createdAt: integer("created_at").notNull(),
    erasedAt: integer("erased_at"),
  },
  (t) => [uniqueIndex("users_email_idx").on(t.email), index("users_tenant_idx").on(t.tenantId, t.createdAt)],
);

export const invitations = sqliteTable(
  "invitations",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    email: text("email").notNull(),
    role: text("role", { enum: ["viewer", "member", "admin", "owner"] }).notNull(),
    tokenHash: text("token_hash").notNull(),
    invitedBy: text("invited_by").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    acceptedAt: integer("accepted_at"),
  },
  (t) => [index("invitations_tenant_idx").on(t.tenantId, t.createdAt), uniqueIndex("invitations_token_idx").on(t.tokenHash)],
);

/** Rotating refresh tokens, stored hashed. A family is one login; reusing a rotated token revokes the family. */
export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    userId: text("user_id").notNull(),
    familyId: text("family_id").notNull(),
    tokenHash: text("token_hash").notNull(),
    /** How the login was proven (`pwd`, `otp`, `webauthn`…); refreshed sessions keep it. */
    amr: text("amr", { mode: "json" }).$type<string[]>().notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    rotatedAt: integer("rotated_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("refresh_tokens_hash_idx").on(t.tokenHash), index("refresh_tokens_user_idx").on(t.tenantId, t.userId), index("refresh_tokens_family_idx").on(t.familyId)],
);

export const webauthnCredentials = sqliteTable(
  "webauthn_credentials",
  {
    /** The credential id, base64url. */
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    userId: text("user_id").notNull(),
    /** COSE public key, base64url. */
    publicKey: text("public_key").notNull(),
    counter: integer("counter").notNull(),
    transports: text("transports", { mode: "json" }).$type<string[]>().notNull().default([]),
    name: text("name").notNull(),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
  },
  (t) => [index("webauthn_user_idx").on(t.tenantId, t.userId)],
);

/** Single-use challenges: WebAuthn ceremonies, magic links, invitations accepted by link. */
export const authChallenges = sqliteTable(
  "auth_challenges",
  {
    id: text("id").primaryKey(),
    purpose: text("purpose", { enum: ["webauthn_register", "webauthn_login", "magic_link"] }).notNull(),
    tenantId: text("tenant_id"),
    userId: text("user_id"),
    /** The WebAuthn challenge, or the hash of a magic-link token. */
    secret: text("secret").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
  },
  (t) => [index("auth_challenges_expiry_idx").on(t.expiresAt)],
);

/** Failed logins per account (`account:<user id>`) and per client IP (`ip:<address>`), for lockout with backoff. */
export const loginFailures = sqliteTable("login_failures", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull(),
  lastFailureAt: integer("last_failure_at"),
});

/** Successful logins: where from and on what device, for new-device and impossible-travel checks. */
export const loginEvents = sqliteTable(
  "login_events",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    userId: text("user_id").notNull(),
    at: integer("at").notNull(),
    ip: text("ip"),
    country: text("country"),
    city: text("city"),
    latitude: real("latitude"),
    longitude: real("longitude"),
    deviceFingerprint: text("device_fingerprint").notNull(),
    method: text("method").notNull(),
    risk: integer("risk").notNull(),
  },
  (t) => [index("login_events_user_idx").on(t.tenantId, t.userId, t.at)],
);

/** A tenant's attribute-based access policies (src/policy). */
export const policies = sqliteTable(
  "policies",
  {
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    id: text("id").notNull(),
    body: text("body", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);

/** The tenant's hash chain (src/audit/chain.ts). Written only by the tenant's AuditLog Durable Object. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    seq: integer("seq").notNull(),
    at: integer("at").notNull(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    target: text("target"),
    data: text("data").notNull(),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.seq] })],
);

/** Personal data the chain commits to but does not hold; erasing a person deletes their rows here. */
export const auditPersonal = sqliteTable(
  "audit_personal",
  {
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    ref: text("ref").notNull(),
    subject: text("subject").notNull(),
    salt: text("salt").notNull(),
    fields: text("fields").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.ref] }), index("audit_personal_subject_idx").on(t.tenantId, t.subject)],
);

/** Signed chain heads (JWS), also written to R2. */
export const auditCheckpoints = sqliteTable(
  "audit_checkpoints",
  {
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    seq: integer("seq").notNull(),
    hash: text("hash").notNull(),
    at: integer("at").notNull(),
    jws: text("jws").notNull(),
    r2Key: text("r2_key").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.at] })],
);

/** Data exports: NDJSON in R2, with progress. */
export const dataExports = sqliteTable(
  "data_exports",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    status: text("status", { enum: ["pending", "running", "done", "failed"] }).notNull(),
    requestedBy: text("requested_by").notNull(),
    /** `{ section: rows written }` as the export proceeds. */
    progress: text("progress", { mode: "json" }).$type<Record<string, number>>().notNull().default({}),
    r2Key: text("r2_key"),
    bytes: integer("bytes"),
    error: text("error"),
    createdAt: integer("created_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (t) => [index("data_exports_tenant_idx").on(t.tenantId, t.createdAt)],
);
