import { z } from "zod";
import { deliveryMessageId, eventsOfNotification } from "../../src/channels/index.ts";
import { decideRetry } from "../../src/delivery/retry.ts";
import type { Explanation } from "../../src/explain/index.ts";
import { stableId } from "../../src/ids.ts";
import type { AnomalyRecord } from "../../src/series/anomaly.ts";
import type { GroupNotification } from "../../src/alerting/index.ts";
import { sendToChannel } from "../channels/send.ts";
import { createStore, type ChannelRow } from "../db/store.ts";
import { log } from "../log.ts";
import { routerOfTenant } from "../series-stub.ts";

const DeliveryMessageSchema = z.object({
  tenantId: z.string().min(1),
  channelId: z.string().min(1).optional(),
  url: z.string().url().optional(),
  workflow: z.object({ runId: z.string(), actionId: z.string() }).optional(),
  notification: z.custom<GroupNotification<AnomalyRecord>>((v) => typeof v === "object" && v !== null && typeof (v as { id?: unknown }).id === "string" && Array.isArray((v as { firing?: unknown }).firing)),
});

/**
 * Consumer of the `deliveries` queue: one message is one notification for one
 * channel. Each of its events goes out once (a redelivered message skips what
 * already arrived); failures retry with backoff and jitter, then dead-letter;
 * every attempt is recorded, and the tenant's AlertRouter keeps a circuit
 * breaker per channel.
 */
export async function consumeDeliveries(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  await Promise.all(batch.messages.map((message) => deliver(message, env)));
}

async function deliver(message: Message<unknown>, env: Env): Promise<void> {
  const parsed = DeliveryMessageSchema.safeParse(message.body);
  if (!parsed.success) {
    log("error", "deliveries.bad_message", { id: message.id });
    message.ack();
    return;
  }
  const { tenantId, notification, workflow } = parsed.data;
  const store = createStore(env.DB);
  // A workflow's webhook step targets a URL of its own; everything else goes to one of the tenant's channels.
  const channelId = parsed.data.channelId ?? `step:${workflow?.actionId ?? "unknown"}`;
  const record = (messageId: string, anomalyId: string | null, status: "delivered" | "failed" | "dead_lettered" | "skipped", extra: { code?: number | null; error?: string | null; latencyMs?: number | null } = {}) =>
    store.insertDelivery(tenantId, {
      id: stableId("dlv", messageId, message.attempts, status),
      tenantId,
      messageId,
      notificationId: notification.id,
      channelId,
      anomalyId,
      attempt: message.attempts,
      status,
      code: extra.code ?? null,
      error: extra.error ?? null,
      latencyMs: extra.latencyMs ?? null,
      at: Date.now(),
    });

  const channel = parsed.data.channelId ? await store.getChannel(tenantId, parsed.data.channelId) : parsed.data.url ? urlTarget(tenantId, channelId, parsed.data.url) : null;
  if (!channel) {
    await record(notification.id, null, "skipped", { error: "channel deleted" });
    if (workflow) await (await routerOfTenant(env, tenantId)).workflowStepFinished(workflow.runId, workflow.actionId, false, 0);
    message.ack();
    return;
  }
  const router = await routerOfTenant(env, tenantId);
  const rule = { id: notification.ruleId, name: (await store.getRule(tenantId, notification.ruleId))?.name ?? notification.ruleId };
  const events = eventsOfNotification(notification, rule);
  const explanations = new Map((await store.getAnomaliesByIds(tenantId, events.map((e) => e.anomaly.id))).map((a) => [a.id, a.explanation as Explanation | null]));

  let latencyTotal = 0;
  for (const event of events) {
    const messageId = deliveryMessageId(notification.id, channelId, event);
    if (await store.wasDelivered(tenantId, messageId)) continue;
    const gate = await router.breakerAllow(channelId);
    if (!gate.allowed) {
      await record(messageId, event.anomaly.id, "failed", { error: "circuit open" });
      message.retry({ delaySeconds: Math.max(1, Math.ceil((gate.retryAt - Date.now()) / 1000)) });
      return;
    }
    const started = Date.now();
    const outcome = await sendToChannel(env, channel, { ...event, explanation: explanations.get(event.anomaly.id) ?? null }, messageId, started);
    const latencyMs = Date.now() - started;
    latencyTotal += latencyMs;
    const decision = decideRetry(outcome, message.attempts, Math.random, Date.now());
    await router.breakerRecord(channelId, decision.action === "delivered");
    const code = outcome.kind === "response" ? outcome.status : null;
    if (decision.action === "delivered") {
      await record(messageId, event.anomaly.id, "delivered", { code, latencyMs });
      continue;
    }
    const error = outcome.kind === "network_error" ? outcome.message : decision.reason;
    if (decision.action === "retry") {
      await record(messageId, event.anomaly.id, "failed", { code, error, latencyMs });
      message.retry({ delaySeconds: Math.max(1, Math.ceil(decision.delayMs / 1000)) });
      return;
    }
    await record(messageId, event.anomaly.id, "dead_lettered", { code, error, latencyMs });
    log("warn", "deliveries.dead_lettered", { tenant_id: tenantId, channel_id: channelId, message_id: messageId, reason: decision.reason });
    if (workflow) await router.workflowStepFinished(workflow.runId, workflow.actionId, false, latencyTotal);
    message.ack();
    return;
  }
  if (workflow) await router.workflowStepFinished(workflow.runId, workflow.actionId, true, latencyTotal);
  message.ack();
}

/** A workflow webhook step's URL, as a channel with no signing secret. */
function urlTarget(tenantId: string, id: string, url: string): ChannelRow {
  return { id, tenantId, type: "webhook", name: "workflow step", config: { url }, secrets: [], createdAt: 0 };
}
