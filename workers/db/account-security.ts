import { and, eq, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { tenants } from "./schema.ts";
import { users } from "./schema-trust.ts";
import type { TenantRow } from "./store.ts";

// Changes to a user's account: password, session version, second factors.
// Functions that return a query leave it unexecuted, to run in the same batch
// as its audit entry (workers/audit.ts `audited`).

export type Db = DrizzleD1Database;



const mine = (tenantId: string, userId: string) => and(eq(users.tenantId, tenantId), eq(users.id, userId));

export function insertTenant(db: Db, tenant: TenantRow) {
  return db.insert(tenants).values(tenant);
}

export function setPasswordHash(db: Db, tenantId: string, userId: string, passwordHash: string) {
  return db.update(users).set({ passwordHash }).where(mine(tenantId, userId));
}

/** Sessions carrying the old version stop working at once (logout everywhere). */
export function bumpSessionVersion(db: Db, tenantId: string, userId: string) {
  return db.update(users).set({ sessionVersion: sql`${users.sessionVersion} + 1` }).where(mine(tenantId, userId));
}

/** Claims a TOTP step: true only if it is later than the last one accepted (a code is good once, even under races). */
export async function spendTotpStep(db: Db, tenantId: string, userId: string, step: number): Promise<boolean> {
  const rows = await db
    .update(users)
    .set({ totpLastStep: step })
    .where(and(mine(tenantId, userId), sql`(${users.totpLastStep} IS NULL OR ${users.totpLastStep} < ${step})`))
    .returning({ id: users.id });
  return rows.length > 0;
}

/** Replaces the unused recovery codes `before` by `after` (compare-and-swap): false when another request changed them first. */
export async function spendRecoveryCode(db: Db, tenantId: string, userId: string, before: string[], after: string[]): Promise<boolean> {
  const rows = await db
    .update(users)
    .set({ recoveryHashes: after })
    .where(and(mine(tenantId, userId), eq(users.recoveryHashes, before)))
    .returning({ id: users.id });
  return rows.length > 0;
}

/** A pending TOTP enrolment: the secret and the recovery codes' hashes, not on yet. */
export function setTotpPending(db: Db, tenantId: string, userId: string, secret: string, recoveryHashes: string[]) {
  return db.update(users).set({ totpSecret: secret, totpEnabled: false, totpLastStep: null, recoveryHashes }).where(mine(tenantId, userId));
}

export function enableTotp(db: Db, tenantId: string, userId: string, step: number) {
  return db.update(users).set({ totpEnabled: true, totpLastStep: step }).where(mine(tenantId, userId));
}

export function disableTotp(db: Db, tenantId: string, userId: string) {
  return db.update(users).set({ totpEnabled: false, totpSecret: null, totpLastStep: null, recoveryHashes: [] }).where(mine(tenantId, userId));
}
