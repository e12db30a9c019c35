import { z } from "zod";
import { failExport, runExport } from "../exports.ts";
import { log } from "../log.ts";

const JobSchema = z.object({ type: z.literal("export"), tenantId: z.string().min(1), exportId: z.string().min(1) });
// Below the queue's max_retries (10): the last attempt records the failure instead of dead-lettering silently.
const MAX_ATTEMPTS = 5;

/** Consumer of the `jobs` queue: long tenant jobs (data exports), one message at a time. */
export async function consumeJobs(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    const job = JobSchema.safeParse(message.body);
    if (!job.success) {
      log("error", "job.malformed", { id: message.id });
      message.ack();
      continue;
    }
    try {
      await runExport(env, job.data);
      message.ack();
    } catch (error) {
      log("error", "job.failed", { type: job.data.type, tenant_id: job.data.tenantId, export_id: job.data.exportId, attempts: message.attempts, error: error instanceof Error ? error.message : String(error) });
      if (message.attempts >= MAX_ATTEMPTS) {
        await failExport(env, job.data, error);
        message.ack();
      } else message.retry({ delaySeconds: 10 * message.attempts });
    }
  }
}
