import type { AnomalyRecord } from "./anomaly.ts";

/**
 * What leaves a Series Durable Object through its outbox: a new anomaly (which
 * opens an episode) or the end of an episode. Ids are deterministic, so a
 * redelivered event is recognised downstream.
 */
export type SeriesEvent =
  | { kind: "anomaly"; id: string; anomaly: AnomalyRecord }
  | { kind: "resolved"; id: string; anomalyId: string; metric: string; tagKey: string; tags: Record<string, string>; resolvedAt: number };

export function anomalyEvent(anomaly: AnomalyRecord): SeriesEvent {
  return { kind: "anomaly", id: anomaly.id, anomaly };
}

export function resolvedEvent(anomalyId: string, metric: string, tagKey: string, tags: Record<string, string>, resolvedAt: number): SeriesEvent {
  return { kind: "resolved", id: `${anomalyId}.resolved`, anomalyId, metric, tagKey, tags, resolvedAt };
}
