// Storage of one Series Durable Object (one tenant × metric). Append-only list:
// never edit a step that has shipped; add a new one.
export const SERIES_MIGRATIONS = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE tag_sets (
     tag_key TEXT PRIMARY KEY,
     tags TEXT NOT NULL,
     points INTEGER NOT NULL DEFAULT 0,
     stored INTEGER NOT NULL DEFAULT 0,
     last_value REAL,
     last_at INTEGER,
     last_scored_at INTEGER,
     last_anomaly_at INTEGER,
     detector TEXT,
     snapshot_ts INTEGER,
     since_snapshot INTEGER NOT NULL DEFAULT 0,
     version INTEGER NOT NULL DEFAULT 0,
     flushed_version INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE blocks (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     tag_key TEXT NOT NULL,
     first_ts INTEGER NOT NULL,
     last_ts INTEGER NOT NULL,
     count INTEGER NOT NULL,
     data BLOB NOT NULL
   );
   CREATE INDEX blocks_by_series ON blocks (tag_key, id);
   CREATE TABLE outbox (id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL);`,
  // Labels already applied to the member weights, so a retried label counts once.
  `CREATE TABLE feedback (anomaly_id TEXT PRIMARY KEY, label TEXT NOT NULL, at INTEGER NOT NULL);`,
  // Episodes: the open one per tag set, and outbox rows that carry any SeriesEvent.
  `ALTER TABLE tag_sets ADD COLUMN open_episode TEXT;
   ALTER TABLE tag_sets ADD COLUMN normal_streak INTEGER NOT NULL DEFAULT 0;`,
] as const;
