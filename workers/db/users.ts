import { and, eq, inArray, isNull } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { apiKeys } from "./schema.ts";
import { auditPersonal, authChallenges, invitations, loginEvents, loginFailures, refreshTokens, users, webauthnCredentials } from "./schema-trust.ts";
import type { UserRow } from "./accounts.ts";

// Users and invitations of a tenant, tenant id first. Writes are returned
// unexecuted so the route runs them with their audit entry in one batch.

export type InvitationRow = typeof invitations.$inferSelect;

/** A new active user row: no second factor yet, session version 0. */
export function newUserRow(fields: Pick<UserRow, "id" | "tenantId" | "email" | "name" | "role" | "passwordHash">, now: number): UserRow {
  return { ...fields, status: "active", sessionVersion: 0, totpSecret: null, totpEnabled: false, totpLastStep: null, recoveryHashes: [], createdAt: now, erasedAt: null };
}

export function insertUser(db: DrizzleD1Database, user: UserRow) {
  return db.insert(users).values(user);
}

export async function listUsers(db: DrizzleD1Database, tenantId: string): Promise<UserRow[]> {
  return db.select().from(users).where(eq(users.tenantId, tenantId)).orderBy(users.createdAt, users.id);
}

export async function activeOwners(db: DrizzleD1Database, tenantId: string): Promise<UserRow[]> {
  return db.select().from(users).where(and(eq(users.tenantId, tenantId), eq(users.role, "owner"), eq(users.status, "active")));
}

/** The tenant's keys that still work. */
export async function liveApiKeys(db: DrizzleD1Database, tenantId: string) {
  return db.select({ id: apiKeys.id, name: apiKeys.name, scopes: apiKeys.scopes }).from(apiKeys).where(and(eq(apiKeys.tenantId, tenantId), isNull(apiKeys.revokedAt))).orderBy(apiKeys.createdAt);
}

export async function getLiveApiKey(db: DrizzleD1Database, tenantId: string, id: string) {
  return (await db.select({ id: apiKeys.id, scopes: apiKeys.scopes }).from(apiKeys).where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).limit(1))[0] ?? null;
}

export function setUserRole(db: DrizzleD1Database, tenantId: string, userId: string, role: UserRow["role"]) {
  return db.update(users).set({ role }).where(and(eq(users.tenantId, tenantId), eq(users.id, userId)));
}

/** Takes away a user's access: no login, every session ends (the version bump kills live access tokens at once). */
export function removeUser(db: DrizzleD1Database, tenant: string, user: UserRow) {
  return db.update(users).set({ status: "removed", sessionVersion: user.sessionVersion + 1 }).where(and(eq(users.tenantId, tenant), eq(users.id, user.id)));
}

/** A removed user back in, as an invitation says: new role and password, no second factor, old sessions stay ended. */
export function rejoinUser(db: DrizzleD1Database, tenantId: string, user: UserRow, change: Pick<UserRow, "role" | "passwordHash" | "name">) {
  return db
    .update(users)
    .set({ ...change, status: "active", sessionVersion: user.sessionVersion + 1, totpSecret: null, totpEnabled: false, totpLastStep: null, recoveryHashes: [] })
    .where(and(eq(users.tenantId, tenantId), eq(users.id, user.id), eq(users.status, "removed")));
}

export function insertInvitation(db: DrizzleD1Database, row: InvitationRow) {
  return db.insert(invitations).values(row);
}

export async function findInvitationByTokenHash(db: DrizzleD1Database, tokenHash: string): Promise<InvitationRow | null> {
  return (await db.select().from(invitations).where(eq(invitations.tokenHash, tokenHash)).limit(1))[0] ?? null;
}

export function acceptInvitation(db: DrizzleD1Database, tenantId: string, id: string, now: number) {
  return db.update(invitations).set({ acceptedAt: now }).where(and(eq(invitations.tenantId, tenantId), eq(invitations.id, id), isNull(invitations.acceptedAt)));
}

export async function invitationsFor(db: DrizzleD1Database, tenantId: string, email: string): Promise<InvitationRow[]> {
  return db.select().from(invitations).where(and(eq(invitations.tenantId, tenantId), eq(invitations.email, email)));
}

/**
 * Every statement that erases a person: the user row anonymized (no email,
 * name, password or second factors), their passkeys, login history and
 * failures, pending challenges, sessions, invitations and the personal data beside the audit chain removed.
 */
export function eraseUser(db: DrizzleD1Database, tenantId: string, user: UserRow, invitationIds: string[], now: number) {
  const subjects = [`user:${user.id}`, ...invitationIds.map((id) => `invitation:${id}`)];
  return [
    db
      .update(users)
      .set({ email: `erased:${user.id}`, name: null, passwordHash: null, totpSecret: null, totpEnabled: false, totpLastStep: null, recoveryHashes: [], status: "erased", erasedAt: now, sessionVersion: user.sessionVersion + 1 })
      .where(and(eq(users.tenantId, tenantId), eq(users.id, user.id))),
    db.delete(webauthnCredentials).where(and(eq(webauthnCredentials.tenantId, tenantId), eq(webauthnCredentials.userId, user.id))),
    db.delete(loginEvents).where(and(eq(loginEvents.tenantId, tenantId), eq(loginEvents.userId, user.id))),
    db.delete(refreshTokens).where(and(eq(refreshTokens.tenantId, tenantId), eq(refreshTokens.userId, user.id))),
    db.delete(authChallenges).where(and(eq(authChallenges.tenantId, tenantId), eq(authChallenges.userId, user.id))),
    db.delete(loginFailures).where(eq(loginFailures.key, `account:${user.id}`)),
    db.delete(auditPersonal).where(and(eq(auditPersonal.tenantId, tenantId), inArray(auditPersonal.subject, subjects))),
    ...(invitationIds.length > 0 ? [db.delete(invitations).where(and(eq(invitations.tenantId, tenantId), inArray(invitations.id, invitationIds)))] : []),
  ];
}
