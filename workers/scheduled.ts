import { writeCheckpoints } from "./audit-chain.ts";
import { runRetention } from "./jobs/retention.ts";
import { rotateStaleSigningKey } from "./keys.ts";
import { log } from "./log.ts";

/** Cron expressions as in wrangler.toml [triggers]. */
export const CRONS = { checkpoints: "0 * * * *", retention: "17 3 * * *" } as const;

/** The Worker's cron entry: one job per schedule. */
export async function runScheduled(controller: ScheduledController, env: Env, _ctx?: ExecutionContext): Promise<void> {
  switch (controller.cron) {
    case CRONS.checkpoints:
      await writeCheckpoints(env, Math.floor(controller.scheduledTime));
      return;
    case CRONS.retention:
      await runRetention(env, Math.floor(controller.scheduledTime));
      await rotateStaleSigningKey(env, Math.floor(controller.scheduledTime));
      return;
    default:
      log("error", "cron.unknown", { cron: controller.cron });
  }
}
