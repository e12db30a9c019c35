import { and, eq, gt, inArray, isNull, lt } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { UserRow } from "./accounts.ts";
import { tenants } from "./schema.ts";
import { authChallenges, users } from "./schema-trust.ts";
import type { TenantRow } from "./store.ts";

// Single-use challenges (WebAuthn ceremonies, magic links). Their id is derived
// from the secret the client brings back (the WebAuthn challenge, the hash of a
// magic-link token), so a lookup is by primary key; spending one is a single
// conditional UPDATE, so two concurrent uses cannot both win.

export type ChallengeRow = typeof authChallenges.$inferSelect;
export type ChallengePurpose = ChallengeRow["purpose"];

export const challengeId = (purpose: ChallengePurpose, secret: string) => `${purpose === "magic_link" ? "mlk" : "wch"}_${secret}`;

export async function insertChallenge(db: DrizzleD1Database, row: ChallengeRow): Promise<void> {
  await db.insert(authChallenges).values(row);
}

export function insertChallengeQuery(db: DrizzleD1Database, row: ChallengeRow) {
  return db.insert(authChallenges).values(row);
}

/** A challenge by id, whatever its state (to tell why it cannot be used). */
export async function findChallenge(db: DrizzleD1Database, id: string, purpose: ChallengePurpose): Promise<ChallengeRow | null> {
  const rows = await db.select().from(authChallenges).where(and(eq(authChallenges.id, id), eq(authChallenges.purpose, purpose))).limit(1);
  return rows[0] ?? null;
}

/**
 * Spends a live challenge: returns it, or null when it is unknown, already
 * used, expired, or (given `owner`) made for someone else — whose challenge is then left alone.
 */
export async function spendChallenge(db: DrizzleD1Database, id: string, purpose: ChallengePurpose, now: number, owner?: { tenantId: string; userId: string }): Promise<ChallengeRow | null> {
  const rows = await db
    .update(authChallenges)
    .set({ usedAt: now })
    .where(
      and(
        eq(authChallenges.id, id),
        eq(authChallenges.purpose, purpose),
        isNull(authChallenges.usedAt),
        gt(authChallenges.expiresAt, now),
        ...(owner ? [eq(authChallenges.tenantId, owner.tenantId), eq(authChallenges.userId, owner.userId)] : []),
      ),
    )
    .returning();
  return rows[0] ?? null;
}

/** How many of a user's challenges of one purpose are still live (to bound how many links one can ask for). */
export async function liveChallenges(db: DrizzleD1Database, tenantId: string, userId: string, purpose: ChallengePurpose, now: number): Promise<number> {
  const rows = await db
    .select({ id: authChallenges.id })
    .from(authChallenges)
    .where(and(eq(authChallenges.tenantId, tenantId), eq(authChallenges.userId, userId), eq(authChallenges.purpose, purpose), isNull(authChallenges.usedAt), gt(authChallenges.expiresAt, now)));
  return rows.length;
}

/** The user a challenge was made for, with their tenant. */
export async function challengeOwner(db: DrizzleD1Database, tenantId: string, userId: string): Promise<{ user: UserRow; tenant: TenantRow } | null> {
  const rows = await db
    .select({ user: users, tenant: tenants })
    .from(users)
    .innerJoin(tenants, eq(tenants.id, users.tenantId))
    .where(and(eq(users.tenantId, tenantId), eq(users.id, userId)))
    .limit(1);
  return rows[0] ?? null;
}

/** Challenges expired for over an hour are of no use (not even to say why a link failed): deletes up to `batch` of them. */
export async function pruneChallenges(db: DrizzleD1Database, now: number, batch = 100): Promise<void> {
  const stale = db.select({ id: authChallenges.id }).from(authChallenges).where(lt(authChallenges.expiresAt, now - 3_600_000)).limit(batch);
  await db.delete(authChallenges).where(inArray(authChallenges.id, stale));
}
