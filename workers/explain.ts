import { explainWithFallback, type ExplainContext, type Explanation, type RelatedMovement } from "../src/explain/index.ts";
import type { AnomalyRecord } from "../src/series/anomaly.ts";
import type { Store } from "./db/store.ts";
import { readConfig } from "./env.ts";
import { configuredProviders } from "./llm/index.ts";
import { log } from "./log.ts";

/** Other anomalies of the tenant within this distance count as "moved in the same window". */
const RELATED_WINDOW_MS = 30 * 60_000;

/**
 * Explains an anomaly, once: a cached explanation is returned as is. The LLM
 * providers configured in `env` are tried in order (each bounded by
 * AYVLO_LLM_TIMEOUT_MS); any error, timeout or answer that fails validation
 * falls back to the next, and finally to the template, which always works.
 * Runs in the queue consumer, never on the ingest path.
 *
 * `env` defaults to the Worker's own bindings so the consumer's call needs no
 * change; tests pass an env whose LLM settings point at a local server.
 */
export async function explainAnomaly(env: Env, store: Store, tenantId: string, anomaly: AnomalyRecord): Promise<Explanation> {
  const [stored] = await store.getAnomaliesByIds(tenantId, [anomaly.id]);
  if (stored?.explanation) return stored.explanation as Explanation;
  const nearby = await store.listAnomalies(tenantId, { from: anomaly.timestamp - RELATED_WINDOW_MS, to: anomaly.timestamp + RELATED_WINDOW_MS }, { limit: 20 });
  const related: RelatedMovement[] = nearby
    .filter((a) => a.id !== anomaly.id)
    .map((a) => {
      const mid = (a.expectedLow + a.expectedHigh) / 2;
      return { metric: a.metric, tags: a.tags, changePct: mid === 0 ? 0 : ((a.value - mid) / Math.abs(mid)) * 100, anomalyId: a.id };
    });
  const ctx: ExplainContext = { anomaly, related };
  const providers = configuredProviders(readConfig(env));
  const started = Date.now();
  const { explanation, attempts } = await explainWithFallback(ctx, providers);
  // One warning per fallback, with the reason (never the key) and what was tried next.
  for (const [i, attempt] of attempts.entries()) {
    const model = providers.find((p) => p.source === attempt.source)?.model;
    if (attempt.ok) log("info", "explain.llm", { anomaly_id: anomaly.id, provider: attempt.source, model, ms: Date.now() - started });
    else log("warn", "explain.fallback", { anomaly_id: anomaly.id, provider: attempt.source, model, reason: attempt.reason?.slice(0, 500), next: attempts[i + 1]?.source ?? "template" });
  }
  await store.setExplanation(tenantId, anomaly.id, explanation);
  return explanation;
}
