import { DurableObject } from "cloudflare:workers";
import { appendEntry, canonicalJson, genesisHead, sealPersonal, type AuditEntry, type AuditInput, type ChainHead, type JsonObject } from "../src/audit/index.ts";
import { insertAuditEntry, insertPersonalRecord, lastAuditHead } from "../workers/db/audit.ts";

/** A change to make in D1 together with its audit entries: SQL with bound values (drizzle's `toSQL()`). */
export interface Statement {
  sql: string;
  params: unknown[];
}

/** What to record: the entry, and optionally personal data about `subject` kept beside the chain (erasable). */
export interface AuditRecord extends AuditInput {
  personal?: { subject: string; fields: JsonObject };
}

/**
 * One per tenant: the only writer of the tenant's audit chain in D1. Each call
 * appends its entries and runs the change they record in one D1 batch (one
 * transaction): both land or neither does. Calls are taken one at a time, so
 * the chain never forks.
 */
export class AuditLog extends DurableObject<Env> {
  private head: ChainHead | null = null;
  private tenantId: string | null = null;
  private tail: Promise<unknown> = Promise.resolve();

  /** Appends `records` to `tenantId`'s chain, running `statements` in the same transaction. */
  record(tenantId: string, records: AuditRecord[], statements: Statement[] = []): Promise<AuditEntry[]> {
    return this.serially(() => this.write(tenantId, records, statements));
  }

  /** The chain's last entry (or its genesis head). */
  current(tenantId: string): Promise<ChainHead> {
    return this.serially(() => this.loadHead(tenantId));
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async write(tenantId: string, records: AuditRecord[], statements: Statement[]): Promise<AuditEntry[]> {
    let head = await this.loadHead(tenantId);
    const db = this.env.DB;
    const all: Statement[] = [...statements];
    const entries: AuditEntry[] = [];
    const now = Date.now();
    for (const record of records) {
      let data: JsonObject = record.data ?? {};
      if (record.personal) {
        const sealed = await sealPersonal(record.personal.subject, record.personal.fields);
        data = { ...data, personal: { ref: sealed.ref.ref, commitment: sealed.ref.commitment } };
        all.push(insertPersonalRecord(db, tenantId, sealed.record).toSQL());
      }
      // Entries are stored exactly as hashed: data in canonical form.
      data = JSON.parse(canonicalJson(data)) as JsonObject;
      const entry = await appendEntry(head, { actor: record.actor, action: record.action, target: record.target, data }, now);
      all.push(insertAuditEntry(db, tenantId, entry).toSQL());
      entries.push(entry);
      head = { seq: entry.seq, hash: entry.hash };
    }
    if (all.length === 0) return [];
    try {
      await db.batch(all.map((s) => db.prepare(s.sql).bind(...s.params)));
    } catch (error) {
      // The outcome is unknown to us: read the head back from D1 next time.
      this.head = null;
      throw error;
    }
    this.head = head;
    return entries;
  }

  private async loadHead(tenantId: string): Promise<ChainHead> {
    if (this.tenantId !== null && this.tenantId !== tenantId) throw new Error(`this AuditLog belongs to tenant ${this.tenantId}, not ${tenantId}`);
    this.tenantId = tenantId;
    if (this.head) return this.head;
    this.head = (await lastAuditHead(this.env.DB, tenantId)) ?? (await genesisHead(tenantId));
    return this.head;
  }
}
