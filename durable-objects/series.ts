import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { createDetector, DEFAULT_DETECTOR_CONFIG, type Detector, type DetectorConfig } from "../src/detect/index.ts";
import { fullJitterDelay } from "../src/backoff.ts";
import { anomalyFromVerdict, type AnomalyRecord } from "../src/series/anomaly.ts";
import { BlockWriter, blockHasTimestamp, readBlock, type StoredPoint } from "../src/series/blocks.ts";
import { createStore } from "../workers/db/store.ts";
import { readConfig } from "../workers/env.ts";
import { log } from "../workers/log.ts";
import { SERIES_MIGRATIONS } from "./series-schema.ts";
import { migrateSqlite } from "./sqlite-migrations.ts";

/** Points of one metric from one request, column by column (cheap to send over RPC). */
const SeriesBatchSchema = z.object({
  tenantId: z.string().min(1),
  metric: z.string().min(1),
  maxTagSets: z.number().int().positive(),
  tagSets: z.array(z.object({ key: z.string(), tags: z.record(z.string(), z.string()) })).min(1),
  tagSet: z.instanceof(Uint16Array),
  timestamps: z.instanceof(Float64Array),
  values: z.instanceof(Float64Array),
  indexes: z.instanceof(Uint32Array),
});
export type SeriesBatch = z.infer<typeof SeriesBatchSchema>;

export interface PointRejection {
  index: number;
  message: string;
}
export type SeriesIngestResult =
  | { ok: true; accepted: number; late: number; duplicates: number; rejected: PointRejection[]; anomalies: AnomalyRecord[] }
  | { ok: false; message: string };

/** Points kept per tag set in the Durable Object; older blocks are dropped. */
export const RETAINED_POINTS = 20_000;
/** Series stats reach D1 within this delay; anomalies are flushed at once. */
const STATS_FLUSH_DELAY_MS = 1_000;
const FLUSH_BATCH = 200;

interface LiveTagSet {
  key: string;
  tags: Record<string, string>;
  detector: Detector;
  points: number;
  stored: number;
  lastValue: number | null;
  lastAt: number | null;
  lastScoredAt: number | null;
  lastAnomalyAt: number | null;
}

type TagSetRow = Omit<LiveTagSet, "detector" | "tags" | "key"> & { tag_key: string; tags: string; detector: string | null };

/**
 * One tenant × metric: a window per tag set, scored as points arrive. The only
 * writer of its storage; anomalies and series stats leave through an outbox
 * that the alarm drains to D1.
 */
export class Series extends DurableObject<Env> {
  private readonly live = new Map<string, LiveTagSet>();
  private tagSetCount: number | null = null;
  private identity: { tenantId: string; metric: string } | null = null;
  private detectorConfig: DetectorConfig = DEFAULT_DETECTOR_CONFIG;
  private alarmAt: number | null = null;
  private flushAttempts = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    readConfig(env);
    migrateSqlite(ctx.storage.sql, SERIES_MIGRATIONS);
    const meta = new Map(ctx.storage.sql.exec<{ key: string; value: string }>("SELECT key, value FROM meta").toArray().map((r) => [r.key, r.value]));
    const tenantId = meta.get("tenant_id");
    const metric = meta.get("metric");
    if (tenantId && metric) this.identity = { tenantId, metric };
    const config = meta.get("config");
    if (config) this.detectorConfig = { ...DEFAULT_DETECTOR_CONFIG, ...(JSON.parse(config) as Partial<DetectorConfig>) };
  }

  async ingest(input: SeriesBatch): Promise<SeriesIngestResult> {
    const parsed = SeriesBatchSchema.safeParse(input);
    if (!parsed.success) return { ok: false, message: z.prettifyError(parsed.error) };
    const batch = parsed.data;
    this.rememberIdentity(batch.tenantId, batch.metric);
    const config = this.detectorConfig;
    const result = { accepted: 0, late: 0, duplicates: 0, rejected: [] as PointRejection[], anomalies: [] as AnomalyRecord[] };
    const touched: Array<{ live: LiveTagSet; block: BlockWriter }> = [];

    for (const [tagSetIndex, positions] of groupPositions(batch.tagSet)) {
      const spec = batch.tagSets[tagSetIndex]!;
      const live = this.loadTagSet(spec.key, config) ?? this.newTagSet(spec.key, spec.tags, batch.maxTagSets, config);
      if (!live) {
        for (const p of positions) result.rejected.push({ index: batch.indexes[p]!, message: `metric has reached its limit of ${batch.maxTagSets} tag sets` });
        continue;
      }
      positions.sort((a, b) => batch.timestamps[a]! - batch.timestamps[b]!);
      const block = new BlockWriter(positions.length);
      for (const p of positions) {
        const timestamp = batch.timestamps[p]!;
        const value = batch.values[p]!;
        if (live.lastScoredAt !== null && timestamp <= live.lastScoredAt) {
          // Late: stored for the record, never scored (scoring is causal and in order).
          if (timestamp === live.lastScoredAt || this.hasStoredPoint(live.key, timestamp)) {
            result.duplicates += 1;
            continue;
          }
          block.push(timestamp, value, NaN, NaN, NaN);
          result.late += 1;
        } else {
          const verdict = live.detector.update(timestamp, value);
          block.push(timestamp, value, verdict.score, verdict.expected.low, verdict.expected.high);
          live.lastScoredAt = timestamp;
          if (verdict.anomalous) {
            result.anomalies.push(anomalyFromVerdict(batch.tenantId, batch.metric, live.key, live.tags, timestamp, value, verdict));
            live.lastAnomalyAt = timestamp;
          }
        }
        if (live.lastAt === null || timestamp >= live.lastAt) {
          live.lastAt = timestamp;
          live.lastValue = value;
        }
        live.points += 1;
        result.accepted += 1;
      }
      touched.push({ live, block });
    }

    try {
      this.ctx.storage.transactionSync(() => this.commit(touched, result.anomalies));
    } catch (error) {
      // Memory ran ahead of storage: forget it, so the next call reloads what was committed.
      for (const { live } of touched) this.live.delete(live.key);
      this.tagSetCount = null;
      log("error", "series.commit_failed", { metric: batch.metric, error: String(error) });
      return { ok: false, message: "storage write failed" };
    }
    await this.scheduleFlush(result.anomalies.length > 0 ? 0 : STATS_FLUSH_DELAY_MS);
    return { ok: true, ...result };
  }

  /** Stored points of one tag set in [from, to], oldest first, at most `limit`. */
  async readPoints(tagKey: string, from: number, to: number, limit: number): Promise<{ found: boolean; points: StoredPoint[] }> {
    const found = this.ctx.storage.sql.exec("SELECT 1 FROM tag_sets WHERE tag_key = ?", tagKey).toArray().length > 0;
    const points: StoredPoint[] = [];
    const blocks = this.ctx.storage.sql.exec<{ data: ArrayBuffer }>(
      "SELECT data FROM blocks WHERE tag_key = ? AND last_ts >= ? AND first_ts <= ? ORDER BY id",
      tagKey,
      from,
      to,
    );
    for (const { data } of blocks) points.push(...readBlock(data, from, to));
    points.sort((a, b) => a.timestamp - b.timestamp);
    return { found, points: points.slice(0, limit) };
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const sql = this.ctx.storage.sql;
    if (!this.identity) return;
    const { tenantId, metric } = this.identity;
    const outbox = sql.exec<{ id: string; body: string }>("SELECT id, body FROM outbox ORDER BY created_at, id LIMIT ?", FLUSH_BATCH).toArray();
    const dirty = sql
      .exec<TagSetRow & { version: number }>(
        `SELECT tag_key, tags, points, last_value AS lastValue, last_at AS lastAt, last_anomaly_at AS lastAnomalyAt, version
         FROM tag_sets WHERE version > flushed_version LIMIT ?`,
        FLUSH_BATCH,
      )
      .toArray();
    if (outbox.length === 0 && dirty.length === 0) return;
    const now = Date.now();
    try {
      await createStore(this.env.DB).recordSeriesFlush(tenantId, {
        anomalies: outbox.map(({ body }) => toAnomalyRow(tenantId, JSON.parse(body) as AnomalyRecord, now)),
        series: dirty.map((row) => ({
          tenantId,
          metric,
          tagKey: row.tag_key,
          tags: JSON.parse(row.tags) as Record<string, string>,
          points: row.points,
          lastValue: row.lastValue,
          lastAt: row.lastAt,
          lastAnomalyAt: row.lastAnomalyAt,
          config: this.detectorConfig as unknown as Record<string, unknown>,
          updatedAt: now,
        })),
      });
    } catch (error) {
      this.flushAttempts += 1;
      log("warn", "series.flush_failed", { metric, attempts: this.flushAttempts, error: String(error) });
      await this.scheduleFlush(fullJitterDelay(this.flushAttempts, Math.random));
      return;
    }
    this.flushAttempts = 0;
    this.ctx.storage.transactionSync(() => {
      for (const { id } of outbox) sql.exec("DELETE FROM outbox WHERE id = ?", id);
      for (const row of dirty) sql.exec("UPDATE tag_sets SET flushed_version = ? WHERE tag_key = ?", row.version, row.tag_key);
    });
    if (outbox.length === FLUSH_BATCH || dirty.length === FLUSH_BATCH) await this.scheduleFlush(0);
  }

  private commit(touched: Array<{ live: LiveTagSet; block: BlockWriter }>, anomalies: AnomalyRecord[]): void {
    const sql = this.ctx.storage.sql;
    for (const { live, block } of touched) {
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
      if (live.stored > RETAINED_POINTS * 1.25) live.stored = this.trimBlocks(live.key, live.stored);
      sql.exec(
        `INSERT INTO tag_sets (tag_key, tags, points, stored, last_value, last_at, last_scored_at, last_anomaly_at, detector, version)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
         ON CONFLICT (tag_key) DO UPDATE SET points = excluded.points, stored = excluded.stored, last_value = excluded.last_value,
           last_at = excluded.last_at, last_scored_at = excluded.last_scored_at, last_anomaly_at = excluded.last_anomaly_at,
           detector = excluded.detector, version = tag_sets.version + 1`,
        live.key,
        JSON.stringify(live.tags),
        live.points,
        live.stored,
        live.lastValue,
        live.lastAt,
        live.lastScoredAt,
        live.lastAnomalyAt,
        JSON.stringify(live.detector.snapshot()),
      );
    }
    const now = Date.now();
    for (const anomaly of anomalies) {
      sql.exec("INSERT OR IGNORE INTO outbox (id, body, created_at) VALUES (?, ?, ?)", anomaly.id, JSON.stringify(anomaly), now);
    }
  }

  /** Drops the oldest blocks until at most RETAINED_POINTS remain; returns the new count. */
  private trimBlocks(tagKey: string, stored: number): number {
    const sql = this.ctx.storage.sql;
    for (const block of sql.exec<{ id: number; count: number }>("SELECT id, count FROM blocks WHERE tag_key = ? ORDER BY id", tagKey).toArray()) {
      if (stored - block.count < RETAINED_POINTS) break;
      sql.exec("DELETE FROM blocks WHERE id = ?", block.id);
      stored -= block.count;
    }
    return stored;
  }

  private loadTagSet(key: string, config: DetectorConfig): LiveTagSet | null {
    const cached = this.live.get(key);
    if (cached) return cached;
    const row = this.ctx.storage.sql.exec<TagSetRow>(
      `SELECT tag_key, tags, points, stored, last_value AS lastValue, last_at AS lastAt, last_scored_at AS lastScoredAt,
         last_anomaly_at AS lastAnomalyAt, detector FROM tag_sets WHERE tag_key = ?`,
      key,
    ).toArray()[0];
    if (!row) return null;
    const live: LiveTagSet = {
      key,
      tags: JSON.parse(row.tags) as Record<string, string>,
      detector: createDetector(config, row.detector ? JSON.parse(row.detector) : null),
      points: row.points,
      stored: row.stored,
      lastValue: row.lastValue,
      lastAt: row.lastAt,
      lastScoredAt: row.lastScoredAt,
      lastAnomalyAt: row.lastAnomalyAt,
    };
    this.live.set(key, live);
    return live;
  }

  /** A new tag set, unless the metric already holds as many as its plan allows. */
  private newTagSet(key: string, tags: Record<string, string>, maxTagSets: number, config: DetectorConfig): LiveTagSet | null {
    this.tagSetCount ??= this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM tag_sets").one().n;
    if (this.tagSetCount >= maxTagSets) return null;
    this.tagSetCount += 1;
    const live: LiveTagSet = { key, tags, detector: createDetector(config), points: 0, stored: 0, lastValue: null, lastAt: null, lastScoredAt: null, lastAnomalyAt: null };
    this.live.set(key, live);
    return live;
  }

  private hasStoredPoint(tagKey: string, timestamp: number): boolean {
    const blocks = this.ctx.storage.sql.exec<{ data: ArrayBuffer }>(
      "SELECT data FROM blocks WHERE tag_key = ? AND first_ts <= ? AND last_ts >= ?",
      tagKey,
      timestamp,
      timestamp,
    );
    for (const { data } of blocks) if (blockHasTimestamp(data, timestamp)) return true;
    return false;
  }

  private async scheduleFlush(delayMs: number): Promise<void> {
    const at = Date.now() + delayMs;
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  private rememberIdentity(tenantId: string, metric: string): void {
    if (this.identity) return;
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('tenant_id', ?), ('metric', ?)", tenantId, metric);
    this.identity = { tenantId, metric };
  }
}

/** Positions of a batch's points, grouped by their tag set. */
function groupPositions(tagSet: Uint16Array): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  tagSet.forEach((tsi, position) => {
    const group = groups.get(tsi);
    if (group) group.push(position);
    else groups.set(tsi, [position]);
  });
  return groups;
}

function toAnomalyRow(tenantId: string, a: AnomalyRecord, now: number) {
  return {
    id: a.id,
    tenantId,
    metric: a.metric,
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
    status: a.status,
    explanation: null,
    createdAt: now,
  };
}
