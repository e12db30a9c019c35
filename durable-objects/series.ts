import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { fullJitterDelay } from "../src/backoff.ts";
import { applyFeedback, createDetector, DEFAULT_DETECTOR_CONFIG, type DetectorConfig, type FeedbackLabel, type MemberScore } from "../src/detect/index.ts";
import type { AnomalyRecord } from "../src/series/anomaly.ts";
import type { EventMessage, SeriesEvent } from "../src/series/events.ts";
import { BlockWriter, type StoredPoint } from "../src/series/blocks.ts";
import { createStore } from "../workers/db/store.ts";
import { readConfig } from "../workers/env.ts";
import { log } from "../workers/log.ts";
import { SERIES_MIGRATIONS } from "./series-schema.ts";
import * as storage from "./series-storage.ts";
import type { LiveTagSet } from "./series-storage.ts";
import { groupPositions, scorePoints, type IngestTally } from "./series-scoring.ts";
import { migrateSqlite } from "./sqlite-migrations.ts";

export { RETAINED_POINTS } from "./series-storage.ts";

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

/** Series stats reach D1 within this delay; anomalies are flushed at once. */
const STATS_FLUSH_DELAY_MS = 1_000;
const FLUSH_BATCH = 200;

/**
 * One tenant × metric: a window per tag set, scored as points arrive. The only
 * writer of its storage; anomalies and series stats leave through an outbox
 * that the alarm drains to D1 (idempotently: anomaly ids are deterministic).
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
    const [tenantId, metric, config] = [meta.get("tenant_id"), meta.get("metric"), meta.get("config")];
    if (tenantId && metric) this.identity = { tenantId, metric };
    if (config) this.detectorConfig = { ...DEFAULT_DETECTOR_CONFIG, ...(JSON.parse(config) as Partial<DetectorConfig>) };
  }

  async ingest(input: SeriesBatch): Promise<SeriesIngestResult> {
    const parsed = SeriesBatchSchema.safeParse(input);
    if (!parsed.success) return { ok: false, message: z.prettifyError(parsed.error) };
    const batch = parsed.data;
    this.rememberIdentity(batch.tenantId, batch.metric);
    const result: IngestTally = { accepted: 0, late: 0, duplicates: 0, rejected: [], anomalies: [] };
    const touched: Array<{ live: LiveTagSet; block: BlockWriter }> = [];
    const events: SeriesEvent[] = [];

    for (const [tagSetIndex, positions] of groupPositions(batch.tagSet)) {
      const spec = batch.tagSets[tagSetIndex]!;
      const live = this.tagSet(spec.key, spec.tags, batch.maxTagSets);
      if (!live) {
        for (const p of positions) result.rejected.push({ index: batch.indexes[p]!, message: `metric has reached its limit of ${batch.maxTagSets} tag sets` });
        continue;
      }
      const block = scorePoints(this.ctx.storage.sql, live, batch, positions, result, events);
      touched.push({ live, block });
    }

    try {
      const sql = this.ctx.storage.sql;
      this.ctx.storage.transactionSync(() => {
        for (const { live, block } of touched) storage.saveTagSet(sql, live, block);
        storage.addToOutbox(sql, events, Date.now());
      });
    } catch (error) {
      // Memory ran ahead of storage: forget it, so the next call reloads what was committed.
      this.live.clear();
      this.tagSetCount = null;
      log("error", "series.commit_failed", { metric: batch.metric, error: String(error) });
      return { ok: false, message: "storage write failed" };
    }
    await this.scheduleFlush(events.length > 0 ? 0 : STATS_FLUSH_DELAY_MS);
    return { ok: true, ...result };
  }

  /**
   * Sets the metric's detector configuration. Every tag set is first brought
   * to a snapshot under the old configuration, so a restart replays only
   * points scored under the new one.
   */
  async configure(tenantId: string, metric: string, config: DetectorConfig): Promise<DetectorConfig> {
    this.rememberIdentity(tenantId, metric);
    const sql = this.ctx.storage.sql;
    const keys = sql.exec<{ tag_key: string }>("SELECT tag_key FROM tag_sets").toArray().map((r) => r.tag_key);
    this.ctx.storage.transactionSync(() => {
      for (const key of keys) {
        const live = this.live.get(key) ?? storage.loadTagSet(sql, key, this.detectorConfig);
        if (!live) continue;
        live.sinceSnapshot = storage.SNAPSHOT_EVERY;
        storage.saveTagSet(sql, live, new BlockWriter(1));
        live.detector = createDetector(config, live.detector.snapshot());
        this.live.set(key, live);
      }
      sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('config', ?)", JSON.stringify(config));
    });
    this.detectorConfig = config;
    await this.scheduleFlush(0);
    return config;
  }

  /**
   * Applies a label on one of this metric's anomalies to the member weights
   * (used by the `adaptive` sensitivity). Idempotent per anomaly and label.
   */
  async feedback(tenantId: string, metric: string, anomalyId: string, algorithms: MemberScore[], label: FeedbackLabel): Promise<DetectorConfig> {
    const sql = this.ctx.storage.sql;
    const previous = sql.exec<{ label: string }>("SELECT label FROM feedback WHERE anomaly_id = ?", anomalyId).toArray()[0];
    if (previous?.label === label) return this.detectorConfig;
    sql.exec("INSERT OR REPLACE INTO feedback (anomaly_id, label, at) VALUES (?, ?, ?)", anomalyId, label, Date.now());
    const weights = applyFeedback(this.detectorConfig.weights, algorithms, label);
    return this.configure(tenantId, metric, { ...this.detectorConfig, weights });
  }

  async config(): Promise<DetectorConfig> {
    return this.detectorConfig;
  }

  /** Stored points of one tag set in [from, to], oldest first, at most `limit`. */
  async readPoints(tagKey: string, from: number, to: number, limit: number): Promise<{ found: boolean; points: StoredPoint[] }> {
    const sql = this.ctx.storage.sql;
    if (!storage.tagSetExists(sql, tagKey)) return { found: false, points: [] };
    return { found: true, points: storage.readPoints(sql, tagKey, from, to).slice(0, limit) };
  }

  /** Retention: forgets stored points older than `cutoff` (epoch ms); returns how many. */
  async prune(cutoff: number): Promise<{ points: number }> {
    const dropped = this.ctx.storage.transactionSync(() => storage.pruneBlocks(this.ctx.storage.sql, cutoff));
    let points = 0;
    for (const [tagKey, n] of dropped) {
      points += n;
      const live = this.live.get(tagKey);
      if (live) live.stored -= n;
    }
    return { points };
  }

  /** Drains the outbox to D1 and the events queue, and changed stats to D1; retries with full-jitter backoff. */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    if (!this.identity) return;
    const { tenantId, metric } = this.identity;
    const sql = this.ctx.storage.sql;
    const pending = storage.pendingFlush(sql, FLUSH_BATCH);
    if (pending.events.length === 0 && pending.stats.length === 0) return;
    try {
      await createStore(this.env.DB).recordSeriesFlush(tenantId, metric, { ...pending, config: this.detectorConfig }, Date.now());
      // D1 first: by the time a consumer sees an event, its anomaly row exists. A retry re-sends; consumers dedupe by event id.
      if (pending.events.length > 0) await this.env.EVENTS.sendBatch(pending.events.map((event) => ({ body: { tenantId, event } satisfies EventMessage })));
    } catch (error) {
      this.flushAttempts += 1;
      log("warn", "series.flush_failed", { metric, attempts: this.flushAttempts, error: String(error) });
      await this.scheduleFlush(fullJitterDelay(this.flushAttempts, Math.random));
      return;
    }
    this.flushAttempts = 0;
    this.ctx.storage.transactionSync(() => storage.markFlushed(sql, pending));
    if (pending.events.length === FLUSH_BATCH || pending.stats.length === FLUSH_BATCH) await this.scheduleFlush(0);
  }

  /** The live tag set, loaded or created; null when the metric is at its tag-set cap. */
  private tagSet(key: string, tags: Record<string, string>, maxTagSets: number): LiveTagSet | null {
    const sql = this.ctx.storage.sql;
    let live = this.live.get(key) ?? storage.loadTagSet(sql, key, this.detectorConfig);
    if (!live) {
      this.tagSetCount ??= storage.countTagSets(sql);
      if (this.tagSetCount >= maxTagSets) return null;
      this.tagSetCount += 1;
      live = storage.newTagSet(key, tags, this.detectorConfig);
    }
    this.live.set(key, live);
    return live;
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
