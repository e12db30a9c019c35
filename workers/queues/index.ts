import { log } from "../log.ts";
import { consumeDeliveries } from "./deliveries.ts";
import { consumeEvents } from "./events.ts";
import { consumeJobs } from "./jobs.ts";

/** Queue names as in wrangler.toml; each queue has one consumer. */
export const QUEUES = { events: "ayvlo-events", deliveries: "ayvlo-deliveries", jobs: "ayvlo-jobs" } as const;

export async function consumeQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  switch (batch.queue) {
    case QUEUES.events:
      return consumeEvents(batch, env);
    case QUEUES.deliveries:
      return consumeDeliveries(batch, env);
    case QUEUES.jobs:
      return consumeJobs(batch, env);
    default:
      log("error", "queue.unknown", { queue: batch.queue, messages: batch.messages.length });
      batch.retryAll({ delaySeconds: 60 });
  }
}
