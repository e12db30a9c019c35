/**
 * Numbered, idempotent storage migrations for a Durable Object's SQLite.
 * Each step runs once, in order, tracked in a one-row table.
 */
export function migrateSqlite(sql: SqlStorage, steps: readonly string[]): void {
  sql.exec("CREATE TABLE IF NOT EXISTS _migrations (version INTEGER NOT NULL)");
  const row = sql.exec<{ version: number }>("SELECT version FROM _migrations LIMIT 1").toArray()[0];
  const current = row?.version ?? 0;
  if (!row) sql.exec("INSERT INTO _migrations (version) VALUES (0)");
  for (let version = current; version < steps.length; version++) {
    sql.exec(steps[version]!);
    sql.exec("UPDATE _migrations SET version = ?", version + 1);
  }
}
