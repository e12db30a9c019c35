import { EventMessageSchema, type SeriesEvent } from "../../src/series/events.ts";
import { fullJitterDelay } from "../../src/backoff.ts";
import { mapWithLimit } from "../../src/concurrency.ts";
import { createStore } from "../db/store.ts";
import { explainAnomaly } from "../explain.ts";
import { log } from "../log.ts";
import { routerOfTenant } from "../series-stub.ts";

/** Explanations of one tenant's batch run this many at a time (each LLM call is bounded by AYVLO_LLM_TIMEOUT_MS). */
const EXPLAIN_CONCURRENCY = 4;

/**
 * Consumer of the `events` queue: explains each new anomaly (cached per
 * anomaly), then hands the tenant's events to its AlertRouter. Messages are
 * at least once; the router ignores event ids it has seen.
 */
export async function consumeEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const byTenant = new Map<string, Array<{ message: Message<unknown>; event: SeriesEvent }>>();
  for (const message of batch.messages) {
    const parsed = EventMessageSchema.safeParse(message.body);
    if (!parsed.success) {
      // A malformed message will never become valid: record it and let it go.
      log("error", "events.bad_message", { id: message.id, error: parsed.error.message });
      message.ack();
      continue;
    }
    const list = byTenant.get(parsed.data.tenantId) ?? [];
    list.push({ message, event: parsed.data.event });
    byTenant.set(parsed.data.tenantId, list);
  }
  const store = createStore(env.DB);
  await Promise.all(
    [...byTenant].map(async ([tenantId, items]) => {
      try {
        const anomalies = items.flatMap(({ event }) => (event.kind === "anomaly" ? [event.anomaly] : []));
        await mapWithLimit(anomalies, EXPLAIN_CONCURRENCY, (anomaly) => explainAnomaly(env, store, tenantId, anomaly));
        const router = await routerOfTenant(env, tenantId);
        await router.receive(tenantId, items.map((i) => i.event));
        for (const { message } of items) message.ack();
      } catch (error) {
        log("warn", "events.retry", { tenant_id: tenantId, error: String(error) });
        for (const { message } of items) message.retry({ delaySeconds: Math.ceil(fullJitterDelay(message.attempts, Math.random, 1_000, 60_000) / 1000) });
      }
    }),
  );
}
