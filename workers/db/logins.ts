import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { FailureRecord } from "../../src/auth/index.ts";
import { loginEvents, loginFailures, webauthnCredentials } from "./schema-trust.ts";

// Login history and failure counters: what the risk and lockout checks read.
// login_failures is keyed by `account:<user id>` or `ip:<address>` (not tenant-owned:
// an IP spans tenants); login_events are a user's successful logins (personal data).

export type LoginEventRow = typeof loginEvents.$inferSelect;

/** The failure records of `keys` (a clean record for a key never seen). */
export async function failureRecords(db: DrizzleD1Database, keys: string[]): Promise<Record<string, FailureRecord>> {
  const rows = await db.select().from(loginFailures).where(inArray(loginFailures.key, keys));
  const out: Record<string, FailureRecord> = {};
  for (const key of keys) out[key] = { failures: 0, lastFailureAt: null };
  for (const row of rows) out[row.key] = { failures: row.failures, lastFailureAt: row.lastFailureAt };
  return out;
}

/** One more failure for `key` at `now` (a statement, to run with the audit entry or alone). */
export function countFailure(db: DrizzleD1Database, key: string, now: number) {
  return db
    .insert(loginFailures)
    .values({ key, failures: 1, lastFailureAt: now })
    .onConflictDoUpdate({ target: loginFailures.key, set: { failures: sql`${loginFailures.failures} + 1`, lastFailureAt: now } });
}

/** Forgets the failures of `key` (after a success). */
export function clearFailures(db: DrizzleD1Database, key: string) {
  return db.delete(loginFailures).where(eq(loginFailures.key, key));
}

/** The user's latest successful logins, newest first. */
export async function recentLogins(db: DrizzleD1Database, tenantId: string, userId: string, limit = 50): Promise<LoginEventRow[]> {
  return db
    .select()
    .from(loginEvents)
    .where(and(eq(loginEvents.tenantId, tenantId), eq(loginEvents.userId, userId)))
    .orderBy(desc(loginEvents.at))
    .limit(limit);
}

export function insertLoginEvent(db: DrizzleD1Database, row: LoginEventRow) {
  return db.insert(loginEvents).values(row);
}

export async function countPasskeys(db: DrizzleD1Database, tenantId: string, userId: string): Promise<number> {
  const rows = await db
    .select({ n: sql<number>`count(*)` })
    .from(webauthnCredentials)
    .where(and(eq(webauthnCredentials.tenantId, tenantId), eq(webauthnCredentials.userId, userId)));
  return rows[0]?.n ?? 0;
}
