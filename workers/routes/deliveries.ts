import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env.ts";
import type { DeliveryRow } from "../db/store.ts";
import { requireAccess } from "../middleware/auth.ts";
import { pageOf, pageQuery } from "../pagination.ts";
import { parseOr400 } from "../validate.ts";

function deliveryJson(d: DeliveryRow) {
  return {
    id: d.id,
    message_id: d.messageId,
    notification_id: d.notificationId,
    channel_id: d.channelId,
    anomaly_id: d.anomalyId,
    attempt: d.attempt,
    status: d.status,
    code: d.code,
    error: d.error,
    latency_ms: d.latencyMs,
    at: new Date(d.at).toISOString(),
  };
}

/** Every delivery attempt, newest first. */
export const deliveryRoutes = new Hono<AppEnv>().get("/", requireAccess("delivery.read"), async (c) => {
  const q = parseOr400(z.object({ anomaly_id: z.string().max(64).optional(), channel_id: z.string().max(64).optional(), ...pageQuery }), c.req.query(), "query");
  const rows = await c.var.store.listDeliveries(c.var.caller.tenant.id, { anomalyId: q.anomaly_id, channelId: q.channel_id }, { limit: q.limit, after: q.cursor });
  return c.json(pageOf(rows, q, (d) => [d.at, d.id], deliveryJson));
});
