import { createDetector, type Detector, type DetectorConfig } from "../src/detect/index.ts";
import { NO_EPISODE, type EpisodeState } from "../src/series/episodes.ts";
import type { SeriesEvent } from "../src/series/events.ts";
import { blockHasTimestamp, readBlock, type BlockWriter, type StoredPoint } from "../src/series/blocks.ts";

// Reads and writes of the Series Durable Object's SQLite (schema in series-schema.ts).
// Only the Series class calls these, inside its own single-threaded turns.

/** Points kept per tag set; older blocks are dropped whole. */
export const RETAINED_POINTS = 20_000;
/**
 * The detector's state is written every this many scored points, not on every
 * batch: a snapshot is tens of KB. On load, the points scored since the last
 * snapshot are replayed from the stored blocks; the detector is deterministic,
 * so the state is exactly what it was.
 */
export const SNAPSHOT_EVERY = 512;

export interface LiveTagSet {
  key: string;
  tags: Record<string, string>;
  detector: Detector;
  points: number;
  stored: number;
  lastValue: number | null;
  lastAt: number | null;
  lastScoredAt: number | null;
  lastAnomalyAt: number | null;
  snapshotTs: number | null;
  sinceSnapshot: number;
  episode: EpisodeState;
}

export interface TagSetStats {
  tagKey: string;
  tags: Record<string, string>;
  points: number;
  lastValue: number | null;
  lastAt: number | null;
  lastAnomalyAt: number | null;
  version: number;
}

export function newTagSet(key: string, tags: Record<string, string>, config: DetectorConfig): LiveTagSet {
  return { key, tags, detector: createDetector(config), points: 0, stored: 0, lastValue: null, lastAt: null, lastScoredAt: null, lastAnomalyAt: null, snapshotTs: null, sinceSnapshot: 0, episode: NO_EPISODE };
}

export function countTagSets(sql: SqlStorage): number {
  return sql.exec<{ n: number }>("SELECT count(*) AS n FROM tag_sets").one().n;
}

/** A tag set from storage with its detector restored (snapshot + replay), or null if unknown. */
export function loadTagSet(sql: SqlStorage, key: string, config: DetectorConfig): LiveTagSet | null {
  const row = sql
    .exec<Omit<LiveTagSet, "key" | "tags" | "detector" | "episode"> & { tags: string; detector: string | null; openEpisode: string | null; normalStreak: number }>(
      `SELECT tags, points, stored, last_value AS lastValue, last_at AS lastAt, last_scored_at AS lastScoredAt,
         last_anomaly_at AS lastAnomalyAt, detector, snapshot_ts AS snapshotTs, since_snapshot AS sinceSnapshot,
         open_episode AS openEpisode, normal_streak AS normalStreak
       FROM tag_sets WHERE tag_key = ?`,
      key,
    )
    .toArray()[0];
  if (!row) return null;
  const detector = createDetector(config, row.detector ? JSON.parse(row.detector) : null);
  const after = row.snapshotTs ?? -Infinity;
  const replay = readPoints(sql, key, after === -Infinity ? Number.MIN_SAFE_INTEGER : after + 1, Number.MAX_SAFE_INTEGER).filter((p) => p.score !== null);
  for (const point of replay) detector.update(point.timestamp, point.value);
  const { openEpisode, normalStreak, ...stats } = row;
  return { ...stats, key, tags: JSON.parse(row.tags) as Record<string, string>, detector, episode: { openId: openEpisode, normalStreak } };
}

/** Writes one batch of a tag set: its block, its stats and, when due, its detector snapshot. */
export function saveTagSet(sql: SqlStorage, live: LiveTagSet, block: BlockWriter): void {
  const finished = block.finish();
  if (finished) {
    sql.exec(
      "INSERT INTO blocks (tag_key, first_ts, last_ts, count, data) VALUES (?, ?, ?, ?, ?)",
      live.key,
      finished.firstTs,
      finished.lastTs,
      finished.count,
      finished.bytes,
    );
    live.stored += finished.count;
  }
  const trimming = live.stored > RETAINED_POINTS * 1.25;
  // Blocks about to be dropped may hold points the replay would need: snapshot first.
  const snapshotDue = trimming || live.sinceSnapshot >= SNAPSHOT_EVERY;
  if (snapshotDue) {
    live.snapshotTs = live.lastScoredAt;
    live.sinceSnapshot = 0;
  }
  if (trimming) live.stored = trimBlocks(sql, live.key, live.stored);
  sql.exec(
    `INSERT INTO tag_sets (tag_key, tags, points, stored, last_value, last_at, last_scored_at, last_anomaly_at, snapshot_ts, since_snapshot,
       open_episode, normal_streak, version)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
     ON CONFLICT (tag_key) DO UPDATE SET points = excluded.points, stored = excluded.stored, last_value = excluded.last_value,
       last_at = excluded.last_at, last_scored_at = excluded.last_scored_at, last_anomaly_at = excluded.last_anomaly_at,
       snapshot_ts = excluded.snapshot_ts, since_snapshot = excluded.since_snapshot, open_episode = excluded.open_episode,
       normal_streak = excluded.normal_streak, version = tag_sets.version + 1`,
    live.key,
    JSON.stringify(live.tags),
    live.points,
    live.stored,
    live.lastValue,
    live.lastAt,
    live.lastScoredAt,
    live.lastAnomalyAt,
    live.snapshotTs,
    live.sinceSnapshot,
    live.episode.openId,
    live.episode.normalStreak,
  );
  if (snapshotDue) sql.exec("UPDATE tag_sets SET detector = ? WHERE tag_key = ?", JSON.stringify(live.detector.snapshot()), live.key);
}

/**
 * Retention: drops whole blocks that end before `cutoff`, but never one the
 * detector's replay still needs (points after its last snapshot). Returns the
 * points dropped per tag set.
 */
export function pruneBlocks(sql: SqlStorage, cutoff: number): Map<string, number> {
  const dropped = new Map<string, number>();
  const sets = sql.exec<{ tag_key: string; snapshot_ts: number | null }>("SELECT tag_key, snapshot_ts FROM tag_sets").toArray();
  for (const { tag_key: tagKey, snapshot_ts: snapshotTs } of sets) {
    if (snapshotTs === null) continue;
    // Replay starts after snapshot_ts: a block ending at or before it is not needed.
    const where = "tag_key = ? AND last_ts < ? AND last_ts <= ?";
    const old = sql.exec<{ n: number | null }>(`SELECT SUM(count) AS n FROM blocks WHERE ${where}`, tagKey, cutoff, snapshotTs).one().n ?? 0;
    if (old === 0) continue;
    sql.exec(`DELETE FROM blocks WHERE ${where}`, tagKey, cutoff, snapshotTs);
    sql.exec("UPDATE tag_sets SET stored = stored - ? WHERE tag_key = ?", old, tagKey);
    dropped.set(tagKey, old);
  }
  return dropped;
}

/** Drops the oldest blocks until at most RETAINED_POINTS remain; returns the new count. */
function trimBlocks(sql: SqlStorage, tagKey: string, stored: number): number {
  for (const block of sql.exec<{ id: number; count: number }>("SELECT id, count FROM blocks WHERE tag_key = ? ORDER BY id", tagKey).toArray()) {
    if (stored - block.count < RETAINED_POINTS) break;
    sql.exec("DELETE FROM blocks WHERE id = ?", block.id);
    stored -= block.count;
  }
  return stored;
}

export function tagSetExists(sql: SqlStorage, tagKey: string): boolean {
  return sql.exec("SELECT 1 FROM tag_sets WHERE tag_key = ?", tagKey).toArray().length > 0;
}

/** Stored points of a tag set in [from, to], oldest first. */
export function readPoints(sql: SqlStorage, tagKey: string, from: number, to: number): StoredPoint[] {
  const points: StoredPoint[] = [];
  const blocks = sql.exec<{ data: ArrayBuffer }>("SELECT data FROM blocks WHERE tag_key = ? AND last_ts >= ? AND first_ts <= ? ORDER BY id", tagKey, from, to);
  for (const { data } of blocks) for (const p of readBlock(data, from, to)) points.push(p);
  return points.sort((a, b) => a.timestamp - b.timestamp);
}

export function hasStoredPoint(sql: SqlStorage, tagKey: string, timestamp: number): boolean {
  const blocks = sql.exec<{ data: ArrayBuffer }>("SELECT data FROM blocks WHERE tag_key = ? AND first_ts <= ? AND last_ts >= ?", tagKey, timestamp, timestamp);
  for (const { data } of blocks) if (blockHasTimestamp(data, timestamp)) return true;
  return false;
}

export function addToOutbox(sql: SqlStorage, events: SeriesEvent[], now: number): void {
  for (const e of events) sql.exec("INSERT OR IGNORE INTO outbox (id, body, created_at) VALUES (?, ?, ?)", e.id, JSON.stringify(e), now);
}

/** What the alarm must still deliver: outbox events, oldest first, and tag sets whose stats changed. */
export function pendingFlush(sql: SqlStorage, limit: number): { events: SeriesEvent[]; stats: TagSetStats[] } {
  const events = sql
    .exec<{ body: string }>("SELECT body FROM outbox ORDER BY created_at, rowid LIMIT ?", limit)
    .toArray()
    .map((r) => JSON.parse(r.body) as SeriesEvent);
  const stats = sql
    .exec<Omit<TagSetStats, "tags"> & { tags: string }>(
      `SELECT tag_key AS tagKey, tags, points, last_value AS lastValue, last_at AS lastAt, last_anomaly_at AS lastAnomalyAt, version
       FROM tag_sets WHERE version > flushed_version LIMIT ?`,
      limit,
    )
    .toArray()
    .map((r) => ({ ...r, tags: JSON.parse(r.tags) as Record<string, string> }));
  return { events, stats };
}

/** Marks a flush delivered: outbox rows gone, stats flushed up to the version that was sent. */
export function markFlushed(sql: SqlStorage, flushed: { events: SeriesEvent[]; stats: TagSetStats[] }): void {
  for (const e of flushed.events) sql.exec("DELETE FROM outbox WHERE id = ?", e.id);
  for (const s of flushed.stats) sql.exec("UPDATE tag_sets SET flushed_version = max(flushed_version, ?) WHERE tag_key = ?", s.version, s.tagKey);
}
