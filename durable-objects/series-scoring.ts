import { anomalyFromVerdict, type AnomalyRecord } from "../src/series/anomaly.ts";
import { BlockWriter } from "../src/series/blocks.ts";
import { trackEpisode } from "../src/series/episodes.ts";
import { anomalyEvent, resolvedEvent, type SeriesEvent } from "../src/series/events.ts";
import type { PointRejection, SeriesBatch } from "./series.ts";
import * as storage from "./series-storage.ts";
import type { LiveTagSet } from "./series-storage.ts";

/** What one ingest call tells its caller. */
export interface IngestTally {
  accepted: number;
  late: number;
  duplicates: number;
  rejected: PointRejection[];
  anomalies: AnomalyRecord[];
}

/**
 * Scores one tag set's points of a batch, in time order: each new point goes
 * through the detector; an older one is stored as late; one already stored is a
 * duplicate. Anomalies and episode resolutions are added to `events`.
 */
export function scorePoints(sql: SqlStorage, live: LiveTagSet, batch: SeriesBatch, positions: number[], result: IngestTally, events: SeriesEvent[]): BlockWriter {
  positions.sort((a, b) => batch.timestamps[a]! - batch.timestamps[b]!);
  const block = new BlockWriter(positions.length);
  for (const p of positions) {
    const timestamp = batch.timestamps[p]!;
    const value = batch.values[p]!;
    if (live.lastScoredAt !== null && timestamp <= live.lastScoredAt) {
      // Late: stored for the record, never scored (scoring is causal and in order).
      if (timestamp === live.lastScoredAt || storage.hasStoredPoint(sql, live.key, timestamp)) {
        result.duplicates += 1;
        continue;
      }
      block.push(timestamp, value, NaN, NaN, NaN);
      result.late += 1;
    } else {
      const verdict = live.detector.update(timestamp, value);
      block.push(timestamp, value, verdict.score, verdict.expected.low, verdict.expected.high);
      live.lastScoredAt = timestamp;
      live.sinceSnapshot += 1;
      const anomaly = verdict.anomalous ? anomalyFromVerdict(batch.tenantId, batch.metric, live.key, live.tags, timestamp, value, verdict) : null;
      if (anomaly) {
        result.anomalies.push(anomaly);
        events.push(anomalyEvent(anomaly));
        live.lastAnomalyAt = timestamp;
      }
      const episode = trackEpisode(live.episode, verdict, anomaly?.id ?? null);
      live.episode = episode.state;
      // The resolution is stamped before the new anomaly's event, so consumers see them in order.
      if (episode.resolvedId) events.splice(anomaly ? -1 : events.length, 0, resolvedEvent(episode.resolvedId, batch.metric, live.key, live.tags, timestamp));
    }
    if (live.lastAt === null || timestamp >= live.lastAt) {
      live.lastAt = timestamp;
      live.lastValue = value;
    }
    live.points += 1;
    result.accepted += 1;
  }
  return block;
}

/** Positions of a batch's points, grouped by their tag set. */
export function groupPositions(tagSet: Uint16Array): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  tagSet.forEach((tsi, position) => {
    const group = groups.get(tsi);
    if (group) group.push(position);
    else groups.set(tsi, [position]);
  });
  return groups;
}
