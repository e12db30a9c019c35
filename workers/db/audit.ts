import { and, asc, desc, eq, gt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { canonicalJson, type AuditEntry, type ChainHead, type JsonObject, type PersonalRecord } from "../../src/audit/index.ts";
import { auditCheckpoints, auditLog, auditPersonal } from "./schema-trust.ts";

// Callers pass the D1 binding (only workers/db speaks drizzle).

// Reads of the audit chain and its checkpoints, tenant first. The AuditLog DO
// is the only writer of audit_log; checkpoints are written by the hourly cron.

export type CheckpointRow = typeof auditCheckpoints.$inferSelect;

/** The insert of one chain entry, stored exactly as hashed (data in canonical form). For the AuditLog DO only. */
export function insertAuditEntry(d1: D1Database, tenantId: string, entry: AuditEntry) {
  const { seq, at, actor, action, target, data, prev_hash, hash } = entry;
  return drizzle(d1).insert(auditLog).values({ tenantId, seq, at, actor, action, target, data: canonicalJson(data), prevHash: prev_hash, hash });
}

/** The insert of erasable personal data an entry commits to. */
export function insertPersonalRecord(d1: D1Database, tenantId: string, record: PersonalRecord) {
  return drizzle(d1).insert(auditPersonal).values({ tenantId, ref: record.ref, subject: record.subject, salt: record.salt, fields: canonicalJson(record.fields) });
}

/** The chain's last entry as stored, or null for an empty chain. */
export async function lastAuditHead(d1: D1Database, tenantId: string): Promise<ChainHead | null> {
  const rows = await drizzle(d1).select({ seq: auditLog.seq, hash: auditLog.hash }).from(auditLog).where(eq(auditLog.tenantId, tenantId)).orderBy(desc(auditLog.seq)).limit(1);
  return rows[0] ?? null;
}

/** Entries after `afterSeq`, in seq order, exactly as stored (data parsed back from its canonical text). */
export async function listAuditEntries(d1: D1Database, tenantId: string, afterSeq: number, limit: number): Promise<AuditEntry[]> {
  const rows = await drizzle(d1)
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.tenantId, tenantId), gt(auditLog.seq, afterSeq)))
    .orderBy(asc(auditLog.seq))
    .limit(limit);
  return rows.map((r) => ({ seq: r.seq, at: r.at, actor: r.actor, action: r.action, target: r.target, data: parseData(r.data), prev_hash: r.prevHash, hash: r.hash }));
}

// A row whose data is not JSON any more (tampered) still reads; verification then fails on it.
function parseData(text: string): JsonObject {
  try {
    return JSON.parse(text) as JsonObject;
  } catch {
    return { unparseable: text };
  }
}

/** Checkpoints after `afterAt` (epoch ms), oldest first. */
export function listCheckpoints(d1: D1Database, tenantId: string, afterAt: number, limit: number): Promise<CheckpointRow[]> {
  return drizzle(d1)
    .select()
    .from(auditCheckpoints)
    .where(and(eq(auditCheckpoints.tenantId, tenantId), gt(auditCheckpoints.at, afterAt)))
    .orderBy(asc(auditCheckpoints.at))
    .limit(limit);
}

/** Every checkpointed head of the tenant: `seq → hash` (one small row per hour at most). */
export async function checkpointHeads(d1: D1Database, tenantId: string): Promise<Array<{ seq: number; hash: string; jws: string }>> {
  return drizzle(d1).select({ seq: auditCheckpoints.seq, hash: auditCheckpoints.hash, jws: auditCheckpoints.jws }).from(auditCheckpoints).where(eq(auditCheckpoints.tenantId, tenantId)).orderBy(asc(auditCheckpoints.seq));
}

/**
 * One page of tenants (by id, after `afterId`) with the seq of their last entry
 * and of their last checkpoint: the cron signs those whose head moved.
 */
export async function tenantHeadsPage(d1: D1Database, afterId: string, limit: number): Promise<Array<{ id: string; headSeq: number; checkpointSeq: number }>> {
  const { results } = await d1
    .prepare(
      `SELECT t.id AS id,
         COALESCE((SELECT MAX(seq) FROM audit_log a WHERE a.tenant_id = t.id), 0) AS headSeq,
         COALESCE((SELECT MAX(seq) FROM audit_checkpoints c WHERE c.tenant_id = t.id), 0) AS checkpointSeq
       FROM tenants t WHERE t.id > ? ORDER BY t.id LIMIT ?`,
    )
    .bind(afterId, limit)
    .all<{ id: string; headSeq: number; checkpointSeq: number }>();
  return results;
}

/** Lists a signed head (idempotent: one checkpoint per tenant and time). */
export async function insertCheckpoint(d1: D1Database, row: CheckpointRow): Promise<void> {
  await drizzle(d1).insert(auditCheckpoints).values(row).onConflictDoNothing();
}
