import { explainWithTemplate, type Explanation, type RelatedMovement } from "../src/explain/index.ts";
import type { AnomalyRecord } from "../src/series/anomaly.ts";
import type { Store } from "./db/store.ts";

/** Other anomalies of the tenant within this distance count as "moved in the same window". */
const RELATED_WINDOW_MS = 30 * 60_000;

/**
 * Explains an anomaly, once: a cached explanation is returned as is. The
 * template explainer always works; it runs in the queue consumer, never on the
 * ingest path.
 */
export async function explainAnomaly(store: Store, tenantId: string, anomaly: AnomalyRecord): Promise<Explanation> {
  const [stored] = await store.getAnomaliesByIds(tenantId, [anomaly.id]);
  if (stored?.explanation) return stored.explanation as Explanation;
  const nearby = await store.listAnomalies(tenantId, { from: anomaly.timestamp - RELATED_WINDOW_MS, to: anomaly.timestamp + RELATED_WINDOW_MS }, { limit: 20 });
  const related: RelatedMovement[] = nearby
    .filter((a) => a.id !== anomaly.id)
    .map((a) => {
      const mid = (a.expectedLow + a.expectedHigh) / 2;
      return { metric: a.metric, tags: a.tags, changePct: mid === 0 ? 0 : ((a.value - mid) / Math.abs(mid)) * 100, anomalyId: a.id };
    });
  const explanation = explainWithTemplate({ anomaly, related });
  await store.setExplanation(tenantId, anomaly.id, explanation);
  return explanation;
}
