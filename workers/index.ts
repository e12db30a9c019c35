// The Worker entry: wiring only.
import { app } from "./app.ts";
import { consumeQueue } from "./queues/index.ts";
import { runScheduled } from "./scheduled.ts";

export { AlertRouter } from "../durable-objects/alert-router.ts";
export { AuditLog } from "../durable-objects/audit-log.ts";
export { IpThrottle } from "../durable-objects/ip-throttle.ts";
export { KeyRing } from "../durable-objects/key-ring.ts";
export { Noop } from "../durable-objects/noop.ts";
export { Series } from "../durable-objects/series.ts";
export { TenantGate } from "../durable-objects/tenant-gate.ts";

export default {
  fetch: app.fetch,
  queue: consumeQueue,
  scheduled: runScheduled,
} satisfies ExportedHandler<Env>;
