import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { dataExports } from "./schema-trust.ts";

// Data exports (data_exports) and the tenant's rows they read, tenant first.

export type ExportRow = typeof dataExports.$inferSelect;

/** The insert of a new export, unexecuted: it runs in the same batch as its audit entry. */
export function insertExportQuery(d1: D1Database, row: ExportRow) {
  return drizzle(d1).insert(dataExports).values(row);
}

export async function getExport(d1: D1Database, tenantId: string, id: string): Promise<ExportRow | null> {
  const rows = await drizzle(d1).select().from(dataExports).where(and(eq(dataExports.tenantId, tenantId), eq(dataExports.id, id))).limit(1);
  return rows[0] ?? null;
}

export async function updateExport(d1: D1Database, tenantId: string, id: string, patch: Partial<Pick<ExportRow, "status" | "progress" | "r2Key" | "bytes" | "error" | "finishedAt">>): Promise<void> {
  await drizzle(d1).update(dataExports).set(patch).where(and(eq(dataExports.tenantId, tenantId), eq(dataExports.id, id)));
}

/**
 * What an export holds of each table: the columns a tenant may take away —
 * never password hashes, TOTP secrets, recovery or key hashes, channel secrets.
 * `json` columns are parsed back into values.
 */
export const EXPORT_SECTIONS = [
  { section: "tenant", table: "tenants", key: "id", columns: ["id", "name", "region", "plan", "created_at"], json: [] },
  { section: "users", table: "users", key: "tenant_id", columns: ["id", "email", "name", "role", "status", "totp_enabled", "created_at", "erased_at"], json: [] },
  { section: "api_keys", table: "api_keys", key: "tenant_id", columns: ["id", "name", "scopes", "created_at", "revoked_at"], json: ["scopes"] },
  { section: "channels", table: "channels", key: "tenant_id", columns: ["id", "type", "name", "config", "created_at"], json: ["config"] },
  { section: "rules", table: "rules", key: "tenant_id", columns: ["id", "name", "definition", "created_at"], json: ["definition"] },
  { section: "silences", table: "silences", key: "tenant_id", columns: ["id", "matchers", "starts_at", "ends_at", "comment", "created_by", "created_at"], json: ["matchers"] },
  { section: "policies", table: "policies", key: "tenant_id", columns: ["id", "body", "created_at", "updated_at"], json: ["body"] },
  { section: "series", table: "series", key: "tenant_id", columns: ["metric", "tag_key", "tags", "points", "last_value", "last_at", "last_anomaly_at", "config", "updated_at"], json: ["tags", "config"] },
  {
    section: "anomalies",
    table: "anomalies",
    key: "tenant_id",
    columns: ["id", "metric", "tags", "timestamp", "value", "score", "severity", "confidence", "expected_low", "expected_high", "direction", "algorithms", "status", "breakdown", "label", "resolved_at", "explanation", "created_at"],
    json: ["tags", "algorithms", "breakdown", "explanation"],
  },
  { section: "deliveries", table: "deliveries", key: "tenant_id", columns: ["id", "message_id", "notification_id", "channel_id", "anomaly_id", "attempt", "status", "code", "error", "latency_ms", "at"], json: [] },
  { section: "audit", table: "audit_log", key: "tenant_id", columns: ["seq", "at", "actor", "action", "target", "data", "prev_hash", "hash"], json: ["data"] },
  { section: "audit_personal", table: "audit_personal", key: "tenant_id", columns: ["ref", "subject", "salt", "fields"], json: ["fields"] },
  { section: "invitations", table: "invitations", key: "tenant_id", columns: ["id", "email", "role", "invited_by", "created_at", "expires_at", "accepted_at"], json: [] },
  { section: "passkeys", table: "webauthn_credentials", key: "tenant_id", columns: ["id", "user_id", "name", "counter", "transports", "created_at", "last_used_at"], json: ["transports"] },
  { section: "login_events", table: "login_events", key: "tenant_id", columns: ["id", "user_id", "at", "ip", "country", "city", "latitude", "longitude", "method", "risk"], json: [] },
] as const;

export type ExportSection = (typeof EXPORT_SECTIONS)[number];

/** One page of a section's rows after `afterRowid` (SQLite rowid order: stable, indexed). */
export async function sectionPage(d1: D1Database, spec: ExportSection, tenantId: string, afterRowid: number, limit: number): Promise<{ rows: Record<string, unknown>[]; lastRowid: number }> {
  // Table and column names come from EXPORT_SECTIONS above, never from input.
  const sql = `SELECT rowid AS _rowid, ${spec.columns.join(", ")} FROM ${spec.table} WHERE ${spec.key} = ? AND rowid > ? ORDER BY rowid LIMIT ?`;
  const { results } = await d1.prepare(sql).bind(tenantId, afterRowid, limit).all<Record<string, unknown> & { _rowid: number }>();
  let lastRowid = afterRowid;
  const rows = results.map(({ _rowid, ...row }) => {
    lastRowid = _rowid;
    for (const col of spec.json as readonly string[]) if (typeof row[col] === "string") row[col] = JSON.parse(row[col] as string);
    return row;
  });
  return { rows, lastRowid };
}
