import { and, asc, count, eq, gt, lt } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { anomalies, deliveries, idempotencyKeys, series, tenants } from "./schema.ts";
import { authChallenges, loginEvents } from "./schema-trust.ts";
import type { TenantRow } from "./store.ts";

// What the retention job reads and deletes. Deletes are returned unexecuted so
// the job runs them in one batch with the audit entry that records them.

/** Tenants in id order, `limit` after `afterId`. */
export function tenantsAfter(db: DrizzleD1Database, afterId: string, limit: number): Promise<TenantRow[]> {
  return db.select().from(tenants).where(gt(tenants.id, afterId)).orderBy(asc(tenants.id)).limit(limit);
}

/** The tenant's distinct metrics (one Series object each). */
export async function tenantMetrics(db: DrizzleD1Database, tenantId: string): Promise<string[]> {
  const rows = await db.selectDistinct({ metric: series.metric }).from(series).where(eq(series.tenantId, tenantId));
  return rows.map((r) => r.metric);
}

/** How many of the tenant's rows are older than `cutoff`, per table. */
export async function expiredCounts(db: DrizzleD1Database, tenantId: string, cutoff: number): Promise<{ anomalies: number; deliveries: number; login_events: number }> {
  const [a, d, l] = await db.batch([
    db.select({ n: count() }).from(anomalies).where(and(eq(anomalies.tenantId, tenantId), lt(anomalies.timestamp, cutoff))),
    db.select({ n: count() }).from(deliveries).where(and(eq(deliveries.tenantId, tenantId), lt(deliveries.at, cutoff))),
    db.select({ n: count() }).from(loginEvents).where(and(eq(loginEvents.tenantId, tenantId), lt(loginEvents.at, cutoff))),
  ]);
  return { anomalies: a[0]?.n ?? 0, deliveries: d[0]?.n ?? 0, login_events: l[0]?.n ?? 0 };
}

/** The deletes that prune the tenant's rows older than `cutoff`. */
export function expiredDeletes(db: DrizzleD1Database, tenantId: string, cutoff: number) {
  return [
    db.delete(anomalies).where(and(eq(anomalies.tenantId, tenantId), lt(anomalies.timestamp, cutoff))),
    db.delete(deliveries).where(and(eq(deliveries.tenantId, tenantId), lt(deliveries.at, cutoff))),
    db.delete(loginEvents).where(and(eq(loginEvents.tenantId, tenantId), lt(loginEvents.at, cutoff))),
  ];
}

/** Spent and expired sign-in challenges and day-old idempotency records: nobody's data, nothing to keep. */
export async function pruneEphemeral(db: DrizzleD1Database, now: number): Promise<void> {
  await db.batch([db.delete(authChallenges).where(lt(authChallenges.expiresAt, now - 86_400_000)), db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, now - 86_400_000))]);
}
