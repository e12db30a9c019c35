import { and, eq, isNull } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { tenants } from "./schema.ts";
import { policies, refreshTokens, users } from "./schema-trust.ts";
import type { TenantRow } from "./store.ts";

// Users, session families and policies. Tenant-owned lookups take the tenant id
// first; the two global lookups (by email at login, by session at auth) return
// the tenant with the row so the caller continues tenant-first.

export type UserRow = typeof users.$inferSelect;
export type RefreshTokenRow = typeof refreshTokens.$inferSelect;
export type PolicyRow = typeof policies.$inferSelect;

/** A tenant by id. */
export async function getTenant(db: DrizzleD1Database, tenantId: string): Promise<TenantRow | null> {
  return (await db.select().from(tenants).where(eq(tenants.id, tenantId)).limit(1))[0] ?? null;
}

/** A user and their tenant, by lowercased email (login, signup uniqueness). */
export async function findUserByEmail(db: DrizzleD1Database, email: string): Promise<{ user: UserRow; tenant: TenantRow } | null> {
  const rows = await db.select({ user: users, tenant: tenants }).from(users).innerJoin(tenants, eq(users.tenantId, tenants.id)).where(eq(users.email, email.toLowerCase())).limit(1);
  return rows[0] ?? null;
}

/**
 * What a session cookie needs checked on every request: the user (status,
 * role, session version), the tenant, and whether the session's family is still live.
 */
export async function findSessionUser(db: DrizzleD1Database, userId: string, familyId: string): Promise<{ user: UserRow; tenant: TenantRow; live: boolean } | null> {
  const rows = await db.select({ user: users, tenant: tenants }).from(users).innerJoin(tenants, eq(users.tenantId, tenants.id)).where(eq(users.id, userId)).limit(1);
  const found = rows[0];
  if (!found) return null;
  const family = await db
    .select({ id: refreshTokens.id })
    .from(refreshTokens)
    .where(and(eq(refreshTokens.tenantId, found.tenant.id), eq(refreshTokens.familyId, familyId), eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)))
    .limit(1);
  return { ...found, live: family.length > 0 };
}

export async function getUser(db: DrizzleD1Database, tenantId: string, userId: string): Promise<UserRow | null> {
  const rows = await db.select().from(users).where(and(eq(users.tenantId, tenantId), eq(users.id, userId))).limit(1);
  return rows[0] ?? null;
}

/** The tenant's policies, in id order. */
export async function listPolicies(db: DrizzleD1Database, tenantId: string): Promise<PolicyRow[]> {
  return db.select().from(policies).where(eq(policies.tenantId, tenantId)).orderBy(policies.id);
}

