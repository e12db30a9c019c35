import { and, eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { tenants } from "./schema.ts";
import { users, webauthnCredentials } from "./schema-trust.ts";
import type { UserRow } from "./accounts.ts";
import type { TenantRow } from "./store.ts";

// A user's passkeys (WebAuthn credentials). Tenant-owned lookups take the
// tenant id first; the one global lookup (by credential id, at login, before
// anyone is known) returns the owner and tenant so the caller continues tenant-first.

export type PasskeyRow = typeof webauthnCredentials.$inferSelect;

export async function listPasskeys(db: DrizzleD1Database, tenantId: string, userId: string): Promise<PasskeyRow[]> {
  return db
    .select()
    .from(webauthnCredentials)
    .where(and(eq(webauthnCredentials.tenantId, tenantId), eq(webauthnCredentials.userId, userId)))
    .orderBy(webauthnCredentials.createdAt, webauthnCredentials.id);
}

export async function getPasskey(db: DrizzleD1Database, tenantId: string, userId: string, id: string): Promise<PasskeyRow | null> {
  const rows = await db
    .select()
    .from(webauthnCredentials)
    .where(and(eq(webauthnCredentials.tenantId, tenantId), eq(webauthnCredentials.userId, userId), eq(webauthnCredentials.id, id)))
    .limit(1);
  return rows[0] ?? null;
}

/** A passkey by its credential id, with its owner and their tenant (login). */
export async function findPasskeyOwner(db: DrizzleD1Database, id: string): Promise<{ passkey: PasskeyRow; user: UserRow; tenant: TenantRow } | null> {
  const rows = await db
    .select({ passkey: webauthnCredentials, user: users, tenant: tenants })
    .from(webauthnCredentials)
    .innerJoin(users, and(eq(users.tenantId, webauthnCredentials.tenantId), eq(users.id, webauthnCredentials.userId)))
    .innerJoin(tenants, eq(tenants.id, webauthnCredentials.tenantId))
    .where(eq(webauthnCredentials.id, id))
    .limit(1);
  return rows[0] ?? null;
}

/**
 * Moves a passkey's signature counter forward from `seen` to `next`: only if
 * nobody moved it meanwhile. False when it changed under us (a concurrent or
 * replayed assertion).
 */
export async function advanceCounter(db: DrizzleD1Database, tenantId: string, id: string, seen: number, next: number, now: number): Promise<boolean> {
  const rows = await db
    .update(webauthnCredentials)
    .set({ counter: next, lastUsedAt: now })
    .where(and(eq(webauthnCredentials.tenantId, tenantId), eq(webauthnCredentials.id, id), eq(webauthnCredentials.counter, seen)))
    .returning({ id: webauthnCredentials.id });
  return rows.length > 0;
}

export function insertPasskeyQuery(db: DrizzleD1Database, row: PasskeyRow) {
  return db.insert(webauthnCredentials).values(row);
}

export function deletePasskeyQuery(db: DrizzleD1Database, tenantId: string, userId: string, id: string) {
  return db.delete(webauthnCredentials).where(and(eq(webauthnCredentials.tenantId, tenantId), eq(webauthnCredentials.userId, userId), eq(webauthnCredentials.id, id)));
}
