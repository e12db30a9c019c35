import { z } from "zod";
import type { Breakdown } from "../detect/index.ts";
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

/** A message on the `events` queue. */
export interface EventMessage {
  tenantId: string;
  event: SeriesEvent;
}

const tags = z.record(z.string(), z.string());
const AnomalySchema = z.object({
  id: z.string(),
  metric: z.string(),
  tagKey: z.string(),
  tags,
  timestamp: z.number(),
  value: z.number(),
  score: z.number(),
  severity: z.enum(["info", "warning", "critical"]),
  confidence: z.number(),
  expected: z.object({ low: z.number(), high: z.number() }),
  direction: z.enum(["up", "down"]).nullable(),
  algorithms: z.array(z.object({ name: z.string(), score: z.number(), flagged: z.boolean(), weight: z.number() })),
  // The breakdown is the detector's own report; it is carried, not interpreted, here.
  breakdown: z.custom<Breakdown | null>((v) => v === null || (typeof v === "object" && !Array.isArray(v))),
  status: z.literal("open"),
});

/** Checks a queue message on the consumer's side of the boundary. */
export const EventMessageSchema = z.object({
  tenantId: z.string().min(1),
  event: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("anomaly"), id: z.string(), anomaly: AnomalySchema }),
    z.object({ kind: z.literal("resolved"), id: z.string(), anomalyId: z.string(), metric: z.string(), tagKey: z.string(), tags, resolvedAt: z.number() }),
  ]),
});
