import type { AuditRecord, Statement } from "../durable-objects/audit-log.ts";
import type { AuditEntry } from "../src/audit/index.ts";

export type { AuditRecord, Statement };

/** What the AuditLog answers over RPC (its JSON types are too deep for Rpc's mapped types). */
interface AuditLogRpc {
  record(tenantId: string, records: AuditRecord[], statements: Statement[]): Promise<AuditEntry[]>;
  current(tenantId: string): Promise<{ seq: number; hash: string }>;
}

/** The tenant's AuditLog: the only writer of its chain. */
export function auditStub(env: Env, tenantId: string): AuditLogRpc {
  return env.AUDIT_LOG.get(env.AUDIT_LOG.idFromName(tenantId)) as unknown as AuditLogRpc;
}

/** A drizzle query as a statement the AuditLog runs in the same transaction as its entries. */
export function statement(query: { toSQL(): { sql: string; params: unknown[] } }): Statement {
  const { sql, params } = query.toSQL();
  return { sql, params };
}

/**
 * Records what happened in the tenant's audit chain and, atomically with it,
 * makes the change it describes: both are committed or neither is.
 */
export async function audited(env: Env, tenantId: string, records: AuditRecord | AuditRecord[], changes: Array<{ toSQL(): { sql: string; params: unknown[] } }> = []): Promise<AuditEntry[]> {
  const list = Array.isArray(records) ? records : [records];
  return auditStub(env, tenantId).record(tenantId, list, changes.map(statement));
}
