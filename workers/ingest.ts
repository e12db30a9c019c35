import { groupByMetric, type ParsedPoint, type PointProblem } from "../src/ingest/points.ts";
import { PLANS } from "../src/plans.ts";
import type { AnomalyRecord } from "../src/series/anomaly.ts";
import type { SeriesBatch, SeriesIngestResult } from "../durable-objects/series.ts";
import type { TenantRow } from "./db/store.ts";
import type { GateDecision } from "../durable-objects/tenant-gate.ts";
import { log } from "./log.ts";
import { gateStub, seriesStub } from "./series-stub.ts";

export type IngestOutcome =
  | { ok: true; gate: GateDecision; accepted: number; late: number; duplicates: number; rejected: PointProblem[]; anomalies: AnomalyRecord[] }
  | { ok: false; code: "RATE_LIMITED"; gate: Extract<GateDecision, { ok: false }> }
  | { ok: false; code: "UNAVAILABLE"; detail: string };

/**
 * The ingest path after validation: one round trip to the tenant's gate (rate
 * limit + usage), then one RPC per metric to its Series object, all in parallel.
 * Resolves only after every Series object has committed its points.
 */
export async function ingestPoints(env: Env, tenant: TenantRow, points: ParsedPoint[]): Promise<IngestOutcome> {
  const plan = PLANS[tenant.plan];
  const gate = await gateStub(env, tenant).take({ points: points.length, ratePerSecond: plan.ratePerSecond, burst: plan.burst });
  if (!gate.ok) return { ok: false, code: "RATE_LIMITED", gate };

  const calls = [...groupByMetric(points)].map(([metric, group]) =>
    seriesStub(env, tenant, metric)
      .ingest(toSeriesBatch(tenant.id, metric, plan.maxTagSetsPerMetric, group))
      .catch((error: unknown): SeriesIngestResult => ({ ok: false, message: String(error) })),
  );
  const results = await Promise.all(calls);
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) {
    log("error", "ingest.series_failed", { tenant_id: tenant.id, failed: failed.length, of: results.length, message: failed[0] && !failed[0].ok ? failed[0].message : "" });
    return { ok: false, code: "UNAVAILABLE", detail: `${failed.length} of ${results.length} metrics could not be stored; retry the request (points with timestamps are not stored twice)` };
  }
  const outcome = { ok: true as const, gate, accepted: 0, late: 0, duplicates: 0, rejected: [] as PointProblem[], anomalies: [] as AnomalyRecord[] };
  for (const r of results) {
    if (!r.ok) continue;
    outcome.accepted += r.accepted;
    outcome.late += r.late;
    outcome.duplicates += r.duplicates;
    for (const rejection of r.rejected) outcome.rejected.push({ index: rejection.index, path: "tags", message: rejection.message });
    outcome.anomalies.push(...r.anomalies);
  }
  return outcome;
}

/** Column-wise form of one metric's points: typed arrays cross the RPC boundary far cheaper than objects. */
export function toSeriesBatch(tenantId: string, metric: string, maxTagSets: number, points: ParsedPoint[]): SeriesBatch {
  const tagSetIndex = new Map<string, number>();
  const tagSets: SeriesBatch["tagSets"] = [];
  const batch: SeriesBatch = {
    tenantId,
    metric,
    maxTagSets,
    tagSets,
    tagSet: new Uint16Array(points.length),
    timestamps: new Float64Array(points.length),
    values: new Float64Array(points.length),
    indexes: new Uint32Array(points.length),
  };
  points.forEach((p, i) => {
    let index = tagSetIndex.get(p.tagKey);
    if (index === undefined) {
      index = tagSets.length;
      tagSetIndex.set(p.tagKey, index);
      tagSets.push({ key: p.tagKey, tags: p.tags });
    }
    batch.tagSet[i] = index;
    batch.timestamps[i] = p.timestamp;
    batch.values[i] = p.value;
    batch.indexes[i] = p.index;
  });
  return batch;
}
