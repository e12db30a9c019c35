import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, lte, or, sql, type SQL } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { SeriesEvent } from "../../src/series/events.ts";
import { anomalies, apiKeys, channels, deliveries, idempotencyKeys, rules, series, silences, tenants } from "./schema.ts";

// The data layer: the only code that queries D1. Every function that touches a
// tenant's rows takes the tenant id as its first argument and filters by it, so
// a route cannot forget it.

export type TenantRow = typeof tenants.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type SeriesRow = typeof series.$inferSelect;
export type AnomalyRow = typeof anomalies.$inferSelect;
export type ChannelRow = typeof channels.$inferSelect;
export type RuleRow = typeof rules.$inferSelect;
export type SilenceRow = typeof silences.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;

export interface Page {
  limit: number;
  /** Decoded cursor: the sort key of the last row of the previous page. */
  after?: readonly [number | string, string] | undefined;
}

export interface AnomalyFilter {
  metric?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  severity?: AnomalyRow["severity"] | undefined;
  status?: AnomalyRow["status"] | undefined;
}

export type Store = ReturnType<typeof createStore>;
type BatchItem = Parameters<DrizzleD1Database["batch"]>[0][number];

/** What a Series Durable Object's alarm delivers (see durable-objects/series.ts). */
export interface SeriesFlush {
  events: SeriesEvent[];
  stats: Array<{ tagKey: string; tags: Record<string, string>; points: number; lastValue: number | null; lastAt: number | null; lastAnomalyAt: number | null }>;
  config: object;
}

/**
 * Keyset pagination: rows strictly past the cursor's (sort value, id) in the
 * list's order.
 */
function afterKey(order: "asc" | "desc", sortColumn: SQLiteColumn, idColumn: SQLiteColumn, after: Page["after"]): SQL | undefined {
  if (!after) return undefined;
  const past = order === "asc" ? gt : lt;
  const [value, id] = after;
  return or(past(sortColumn, value), and(eq(sortColumn, value), past(idColumn, id)));
}

/**
 * The tenant's configuration writes as unexecuted drizzle queries (tenant id
 * first), for `audited`: the change and its audit entry commit in one batch.
 */
export function storeChanges(db: DrizzleD1Database) {
  return {
    createTenant: (tenant: TenantRow, key: ApiKeyRow) => [db.insert(tenants).values(tenant), db.insert(apiKeys).values({ ...key, tenantId: tenant.id })] as const,
    insertApiKey: (tenantId: string, key: ApiKeyRow) => db.insert(apiKeys).values({ ...key, tenantId }),
    revokeApiKey: (tenantId: string, keyId: string, now: number) => db.update(apiKeys).set({ revokedAt: now }).where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt))),
    setAnomalyStatus: (tenantId: string, id: string, status: "acknowledged" | "resolved", now: number) =>
      db
        .update(anomalies)
        .set(status === "resolved" ? { status, resolvedAt: sql`coalesce(${anomalies.resolvedAt}, ${now})` } : { status })
        .where(and(eq(anomalies.tenantId, tenantId), eq(anomalies.id, id), inArray(anomalies.status, status === "acknowledged" ? ["open" as const] : ["open" as const, "acknowledged" as const]))),
    labelAnomaly: (tenantId: string, id: string, label: NonNullable<AnomalyRow["label"]>) => db.update(anomalies).set({ label }).where(and(eq(anomalies.tenantId, tenantId), eq(anomalies.id, id))),
    insertRule: (tenantId: string, row: RuleRow) => db.insert(rules).values({ ...row, tenantId }),
    deleteRule: (tenantId: string, id: string) => db.delete(rules).where(and(eq(rules.tenantId, tenantId), eq(rules.id, id))),
    insertSilence: (tenantId: string, row: SilenceRow) => db.insert(silences).values({ ...row, tenantId }),
    expireSilence: (tenantId: string, id: string, now: number) => db.update(silences).set({ endsAt: now }).where(and(eq(silences.tenantId, tenantId), eq(silences.id, id), gt(silences.endsAt, now))),
    insertChannel: (tenantId: string, row: ChannelRow) => db.insert(channels).values({ ...row, tenantId }),
    deleteChannel: (tenantId: string, id: string) => db.delete(channels).where(and(eq(channels.tenantId, tenantId), eq(channels.id, id))),
    setChannelSecrets: (tenantId: string, id: string, secrets: ChannelRow["secrets"]) => db.update(channels).set({ secrets }).where(and(eq(channels.tenantId, tenantId), eq(channels.id, id))),
  };
}

export function createStore(d1: D1Database) {
  const db: DrizzleD1Database = drizzle(d1);
  return {
    /** Unexecuted writes for `audited` (see storeChanges). */
    changes: storeChanges(db),

    /** One API key of the tenant (revoked or not). */
    async getApiKey(tenantId: string, keyId: string): Promise<ApiKeyRow | null> {
      return (await db.select().from(apiKeys).where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, keyId))).limit(1))[0] ?? null;
    },

    /** A new tenant with its first API key, in one atomic batch. */
    async createTenant(tenant: TenantRow, key: ApiKeyRow): Promise<void> {
      await db.batch([db.insert(tenants).values(tenant), db.insert(apiKeys).values(key)]);
    },

    /** Key lookup for authentication: by the key's public id, before any tenant is known. */
    async findKeyForAuth(keyId: string): Promise<{ key: ApiKeyRow; tenant: TenantRow } | null> {
      const rows = await db
        .select({ key: apiKeys, tenant: tenants })
        .from(apiKeys)
        .innerJoin(tenants, eq(apiKeys.tenantId, tenants.id))
        .where(eq(apiKeys.id, keyId))
        .limit(1);
      return rows[0] ?? null;
    },

    async insertApiKey(tenantId: string, key: ApiKeyRow): Promise<void> {
      await db.insert(apiKeys).values({ ...key, tenantId });
    },

    async listApiKeys(tenantId: string, page: Page): Promise<ApiKeyRow[]> {
      const after = page.after;
      return db
        .select()
        .from(apiKeys)
        .where(
          and(
            eq(apiKeys.tenantId, tenantId),
            afterKey("asc", apiKeys.createdAt, apiKeys.id, after),
          ),
        )
        .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id))
        .limit(page.limit + 1);
    },

    /** Marks a key revoked; false when the tenant has no such (unrevoked) key. */
    async revokeApiKey(tenantId: string, keyId: string, now: number): Promise<boolean> {
      const result = await db
        .update(apiKeys)
        .set({ revokedAt: now })
        .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)))
        .run();
      return result.meta.changes > 0;
    },

    async listSeries(tenantId: string, page: Page, metric?: string): Promise<SeriesRow[]> {
      const after = page.after;
      return db
        .select()
        .from(series)
        .where(
          and(
            eq(series.tenantId, tenantId),
            metric ? eq(series.metric, metric) : undefined,
            afterKey("asc", series.metric, series.tagKey, after),
          ),
        )
        .orderBy(asc(series.metric), asc(series.tagKey))
        .limit(page.limit + 1);
    },

    /**
     * Records what a Series Durable Object flushes from its outbox: anomalies
     * (idempotent by their deterministic ids) and the latest per-series stats.
     */
    async recordSeriesFlush(tenantId: string, metric: string, flush: SeriesFlush, now: number): Promise<void> {
      const statements: BatchItem[] = [];
      for (const event of flush.events) {
        if (event.kind === "anomaly") {
          const a = event.anomaly;
          statements.push(
            db
              .insert(anomalies)
              .values({
                id: a.id,
                tenantId,
                metric,
                tagKey: a.tagKey,
                tags: a.tags,
                timestamp: a.timestamp,
                value: a.value,
                score: a.score,
                severity: a.severity,
                confidence: a.confidence,
                expectedLow: a.expected.low,
                expectedHigh: a.expected.high,
                direction: a.direction,
                algorithms: a.algorithms,
                breakdown: a.breakdown,
                status: "open",
                explanation: null,
                createdAt: now,
              })
              .onConflictDoNothing(),
          );
        } else {
          // The series is back to normal: the anomaly is resolved, unless someone already closed it.
          statements.push(
            db
              .update(anomalies)
              .set({ status: "resolved", resolvedAt: event.resolvedAt })
              .where(and(eq(anomalies.tenantId, tenantId), eq(anomalies.id, event.anomalyId), isNull(anomalies.resolvedAt))),
          );
        }
      }
      for (const s of flush.stats) {
        const stats = { points: s.points, lastValue: s.lastValue, lastAt: s.lastAt, lastAnomalyAt: s.lastAnomalyAt, config: flush.config, updatedAt: now };
        statements.push(
          db
            .insert(series)
            .values({ tenantId, metric, tagKey: s.tagKey, tags: s.tags, ...stats })
            .onConflictDoUpdate({ target: [series.tenantId, series.metric, series.tagKey], set: stats }),
        );
      }
      const [first, ...rest] = statements;
      if (first) await db.batch([first, ...rest]);
    },

    async listAnomalies(tenantId: string, filter: AnomalyFilter, page: Page): Promise<AnomalyRow[]> {
      const after = page.after;
      const conditions: Array<SQL | undefined> = [
        eq(anomalies.tenantId, tenantId),
        filter.metric ? eq(anomalies.metric, filter.metric) : undefined,
        filter.from !== undefined ? gte(anomalies.timestamp, filter.from) : undefined,
        filter.to !== undefined ? lte(anomalies.timestamp, filter.to) : undefined,
        filter.severity ? eq(anomalies.severity, filter.severity) : undefined,
        filter.status ? eq(anomalies.status, filter.status) : undefined,
        // Newest first; the cursor is the (timestamp, id) of the last row seen.
        afterKey("desc", anomalies.timestamp, anomalies.id, after),
      ];
      return db
        .select()
        .from(anomalies)
        .where(and(...conditions))
        .orderBy(desc(anomalies.timestamp), desc(anomalies.id))
        .limit(page.limit + 1);
    },

    async getAnomaly(tenantId: string, id: string): Promise<AnomalyRow | null> {
      const rows = await db
        .select()
        .from(anomalies)
        .where(and(eq(anomalies.tenantId, tenantId), eq(anomalies.id, id)))
        .limit(1);
      return rows[0] ?? null;
    },

    /**
     * Claims an Idempotency-Key for its owner (a tenant id, or "operator").
     * Returns "claimed" when this request is the first, or the stored row otherwise.
     */
    async claimIdempotencyKey(owner: string, key: string, requestHash: string, now: number, ttlMs: number) {
      // An expired claim is forgotten first, so the key can be used afresh.
      await db
        .delete(idempotencyKeys)
        .where(and(eq(idempotencyKeys.owner, owner), eq(idempotencyKeys.key, key), lt(idempotencyKeys.createdAt, now - ttlMs)));
      const inserted = await db
        .insert(idempotencyKeys)
        .values({ owner, key, requestHash, status: null, contentType: null, body: null, createdAt: now })
        .onConflictDoNothing()
        .run();
      if (inserted.meta.changes > 0) return "claimed" as const;
      const rows = await db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.owner, owner), eq(idempotencyKeys.key, key)))
        .limit(1);
      return rows[0] ?? ("claimed" as const);
    },

    async completeIdempotencyKey(owner: string, key: string, status: number, contentType: string, body: string): Promise<void> {
      await db
        .update(idempotencyKeys)
        .set({ status, contentType, body })
        .where(and(eq(idempotencyKeys.owner, owner), eq(idempotencyKeys.key, key)));
    },

    async releaseIdempotencyKey(owner: string, key: string): Promise<void> {
      await db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.owner, owner), eq(idempotencyKeys.key, key)));
    },

    /** Moves an anomaly along open → acknowledged → resolved; returns the updated row, or null if it was not in a state to move. */
    async setAnomalyStatus(tenantId: string, id: string, status: "acknowledged" | "resolved", now: number): Promise<AnomalyRow | null> {
      const from = status === "acknowledged" ? ["open" as const] : ["open" as const, "acknowledged" as const];
      const rows = await db
        .update(anomalies)
        .set(status === "resolved" ? { status, resolvedAt: sql`coalesce(${anomalies.resolvedAt}, ${now})` } : { status })
        .where(and(eq(anomalies.tenantId, tenantId), eq(anomalies.id, id), inArray(anomalies.status, from)))
        .returning();
      return rows[0] ?? null;
    },

    /** Records a label; returns false when the tenant has no such anomaly. */
    async labelAnomaly(tenantId: string, id: string, label: NonNullable<AnomalyRow["label"]>): Promise<boolean> {
      const result = await db.update(anomalies).set({ label }).where(and(eq(anomalies.tenantId, tenantId), eq(anomalies.id, id))).run();
      return result.meta.changes > 0;
    },

    async getAnomaliesByIds(tenantId: string, ids: string[]): Promise<AnomalyRow[]> {
      if (ids.length === 0) return [];
      return db.select().from(anomalies).where(and(eq(anomalies.tenantId, tenantId), inArray(anomalies.id, ids)));
    },

    async setExplanation(tenantId: string, id: string, explanation: unknown): Promise<void> {
      await db.update(anomalies).set({ explanation }).where(and(eq(anomalies.tenantId, tenantId), eq(anomalies.id, id)));
    },

    // Alert rules, silences and channels: the tenant's configuration of its response.

    async insertRule(tenantId: string, row: RuleRow): Promise<void> {
      await db.insert(rules).values({ ...row, tenantId });
    },
    async listRules(tenantId: string, page?: Page): Promise<RuleRow[]> {
      const after = page?.after;
      return db
        .select()
        .from(rules)
        .where(and(eq(rules.tenantId, tenantId), afterKey("asc", rules.createdAt, rules.id, after)))
        .orderBy(asc(rules.createdAt), asc(rules.id))
        .limit(page ? page.limit + 1 : 10_000);
    },
    async getRule(tenantId: string, id: string): Promise<RuleRow | null> {
      return (await db.select().from(rules).where(and(eq(rules.tenantId, tenantId), eq(rules.id, id))).limit(1))[0] ?? null;
    },
    async deleteRule(tenantId: string, id: string): Promise<boolean> {
      return (await db.delete(rules).where(and(eq(rules.tenantId, tenantId), eq(rules.id, id))).run()).meta.changes > 0;
    },

    async insertSilence(tenantId: string, row: SilenceRow): Promise<void> {
      await db.insert(silences).values({ ...row, tenantId });
    },
    /** Silences not yet ended at `now` (active or scheduled). */
    async listLiveSilences(tenantId: string, now: number): Promise<SilenceRow[]> {
      return db.select().from(silences).where(and(eq(silences.tenantId, tenantId), gt(silences.endsAt, now))).orderBy(asc(silences.endsAt), asc(silences.id));
    },
    async listSilences(tenantId: string, page: Page): Promise<SilenceRow[]> {
      const after = page.after;
      return db
        .select()
        .from(silences)
        .where(and(eq(silences.tenantId, tenantId), afterKey("desc", silences.createdAt, silences.id, after)))
        .orderBy(desc(silences.createdAt), desc(silences.id))
        .limit(page.limit + 1);
    },
    async getSilence(tenantId: string, id: string): Promise<SilenceRow | null> {
      return (await db.select().from(silences).where(and(eq(silences.tenantId, tenantId), eq(silences.id, id))).limit(1))[0] ?? null;
    },
    /** Ends a silence now (it stays listed, expired). False when there is no such live silence. */
    async expireSilence(tenantId: string, id: string, now: number): Promise<boolean> {
      const result = await db.update(silences).set({ endsAt: now }).where(and(eq(silences.tenantId, tenantId), eq(silences.id, id), gt(silences.endsAt, now))).run();
      return result.meta.changes > 0;
    },

    async insertChannel(tenantId: string, row: ChannelRow): Promise<void> {
      await db.insert(channels).values({ ...row, tenantId });
    },
    async listChannels(tenantId: string, page: Page): Promise<ChannelRow[]> {
      const after = page.after;
      return db
        .select()
        .from(channels)
        .where(and(eq(channels.tenantId, tenantId), afterKey("asc", channels.createdAt, channels.id, after)))
        .orderBy(asc(channels.createdAt), asc(channels.id))
        .limit(page.limit + 1);
    },
    async getChannel(tenantId: string, id: string): Promise<ChannelRow | null> {
      return (await db.select().from(channels).where(and(eq(channels.tenantId, tenantId), eq(channels.id, id))).limit(1))[0] ?? null;
    },
    async countChannels(tenantId: string, ids: string[]): Promise<number> {
      if (ids.length === 0) return 0;
      const rows = await db.select({ id: channels.id }).from(channels).where(and(eq(channels.tenantId, tenantId), inArray(channels.id, ids)));
      return rows.length;
    },
    async deleteChannel(tenantId: string, id: string): Promise<boolean> {
      return (await db.delete(channels).where(and(eq(channels.tenantId, tenantId), eq(channels.id, id))).run()).meta.changes > 0;
    },
    async setChannelSecrets(tenantId: string, id: string, secrets: ChannelRow["secrets"]): Promise<boolean> {
      const result = await db.update(channels).set({ secrets }).where(and(eq(channels.tenantId, tenantId), eq(channels.id, id))).run();
      return result.meta.changes > 0;
    },

    async insertDelivery(tenantId: string, row: DeliveryRow): Promise<void> {
      await db.insert(deliveries).values({ ...row, tenantId }).onConflictDoNothing();
    },
    /** Whether this message already reached its channel (a redelivered queue message must not send twice). */
    async wasDelivered(tenantId: string, messageId: string): Promise<boolean> {
      const rows = await db
        .select({ id: deliveries.id })
        .from(deliveries)
        .where(and(eq(deliveries.tenantId, tenantId), eq(deliveries.messageId, messageId), eq(deliveries.status, "delivered")))
        .limit(1);
      return rows.length > 0;
    },
    async listDeliveries(tenantId: string, filter: { anomalyId?: string | undefined; channelId?: string | undefined }, page: Page): Promise<DeliveryRow[]> {
      const after = page.after;
      return db
        .select()
        .from(deliveries)
        .where(
          and(
            eq(deliveries.tenantId, tenantId),
            filter.anomalyId ? eq(deliveries.anomalyId, filter.anomalyId) : undefined,
            filter.channelId ? eq(deliveries.channelId, filter.channelId) : undefined,
            afterKey("desc", deliveries.at, deliveries.id, after),
          ),
        )
        .orderBy(desc(deliveries.at), desc(deliveries.id))
        .limit(page.limit + 1);
    },

    async ping(): Promise<void> {
      await db.run(sql`select 1`);
    },
  };
}
