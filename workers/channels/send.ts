import { buildEmailMessage, buildPagerDutyEvent, buildSlackMessage, EmailConfigSchema, PAGERDUTY_EVENTS_URL, PagerDutyConfigSchema, SlackConfigSchema, webhookBody, WebhookConfigSchema, type AlertEvent } from "../../src/channels/index.ts";
import type { AttemptOutcome } from "../../src/delivery/retry.ts";
import { checkDestinationUrl } from "../../src/net/webhook-url.ts";
import { SealedSecretError } from "../../src/webhooks/sealed-secret.ts";
import { signingSecrets } from "../../src/webhooks/secret-rotation.ts";
import { webhookHeaders } from "../../src/webhooks/standard-webhooks.ts";
import type { ChannelRow } from "../db/store.ts";
import { readConfig } from "../env.ts";
import { sendMail } from "../mail.ts";
import { openChannelSecrets } from "../sealing.ts";

const TIMEOUT_MS = 10_000;

/**
 * Sends one event to one channel over the vendor's wire protocol: a Standard
 * Webhooks-signed POST, a Slack incoming webhook, a PagerDuty Events v2
 * enqueue, or an email through the send_email binding (a copy kept in R2).
 */
export async function sendToChannel(env: Env, channel: ChannelRow, event: AlertEvent, messageId: string, now: number): Promise<AttemptOutcome> {
  switch (channel.type) {
    case "webhook": {
      const { url } = WebhookConfigSchema.parse(channel.config);
      const body = webhookBody(event);
      let secrets: string[];
      try {
        secrets = signingSecrets(await openChannelSecrets(env, channel), now);
      } catch (error) {
        // A secret that will never open is a broken channel, not a reason to retry.
        if (error instanceof SealedSecretError) return { kind: "refused", reason: error.message };
        throw error;
      }
      // A workflow step's own URL has no secret: it gets the id and time, unsigned.
      const headers = secrets.length > 0 ? { ...(await webhookHeaders(secrets, messageId, Math.floor(now / 1000), body)) } : { "webhook-id": messageId, "webhook-timestamp": String(Math.floor(now / 1000)) };
      return post(env, url, body, headers);
    }
    case "slack": {
      const { webhook_url } = SlackConfigSchema.parse(channel.config);
      return post(env, webhook_url, JSON.stringify(buildSlackMessage(event)));
    }
    case "pagerduty": {
      const config = PagerDutyConfigSchema.parse(channel.config);
      return post(env, config.events_url ?? PAGERDUTY_EVENTS_URL, JSON.stringify(buildPagerDutyEvent(event, config)));
    }
    case "email": {
      const config = EmailConfigSchema.parse(channel.config);
      const raw = buildEmailMessage(event, config, `<${messageId}@ayvlo.dev>`, now);
      try {
        // A copy of every sent mail stays in R2, where `GET /v1/channels/{id}/mail` (and local development) can read it.
        await sendMail(env, config.from, config.to, raw, mailKey(channel.tenantId, channel.id, now, messageId));
      } catch (error) {
        return { kind: "network_error", message: `send_email: ${String(error)}` };
      }
      return { kind: "response", status: 202 };
    }
  }
}

/** Where a sent email is kept: listable per channel, newest last. */
export function mailKey(tenantId: string, channelId: string, at: number, messageId: string): string {
  return `mail/${tenantId}/${channelId}/${new Date(at).toISOString()}_${messageId}.eml`;
}

async function post(env: Env, url: string, body: string, headers: Record<string, string> = {}): Promise<AttemptOutcome> {
  // Checked again at send time: the policy may be stricter where this runs than where the channel was created.
  const check = checkDestinationUrl(url, { production: readConfig(env).ENVIRONMENT === "production" });
  if (!check.ok) return { kind: "response", status: 400 };
  try {
    const res = await fetch(check.url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "Ayvlo-Webhooks/1", ...headers },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await res.body?.cancel();
    return { kind: "response", status: res.status, retryAfter: res.headers.get("retry-after") };
  } catch (error) {
    if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return { kind: "timeout" };
    return { kind: "network_error", message: String(error) };
  }
}
