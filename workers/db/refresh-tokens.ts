import { and, eq, isNull } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { refreshTokens } from "./schema-trust.ts";
import type { RefreshTokenRow } from "./accounts.ts";

// Refresh tokens (stored hashed; a family is one login). The one global lookup
// is by hash (the token is all a client presents); the rest are tenant first.

export function insertRefreshToken(db: DrizzleD1Database, row: RefreshTokenRow) {
  return db.insert(refreshTokens).values(row);
}

export async function findRefreshToken(db: DrizzleD1Database, tokenHash: string): Promise<RefreshTokenRow | null> {
  const rows = await db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)).limit(1);
  return rows[0] ?? null;
}

/** Marks a token rotated; false when another request spent it first. */
export async function spendRefreshToken(db: DrizzleD1Database, tenantId: string, id: string, now: number): Promise<boolean> {
  const rows = await db.update(refreshTokens).set({ rotatedAt: now }).where(and(eq(refreshTokens.tenantId, tenantId), eq(refreshTokens.id, id), isNull(refreshTokens.rotatedAt))).returning({ id: refreshTokens.id });
  return rows.length > 0;
}

/** Ends one login (its family). */
export function revokeFamilyQuery(db: DrizzleD1Database, tenantId: string, familyId: string, now: number) {
  return db.update(refreshTokens).set({ revokedAt: now }).where(and(eq(refreshTokens.tenantId, tenantId), eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}

/** Ends every login of a user. */
export function revokeUserTokensQuery(db: DrizzleD1Database, tenantId: string, userId: string, now: number) {
  return db.update(refreshTokens).set({ revokedAt: now }).where(and(eq(refreshTokens.tenantId, tenantId), eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
}
