/**
 * Channel definitions as `/v1/channels` takes them: `{ type, name, config }`.
 * - webhook:   `{ url }` (the signing secret is generated, not given)
 * - slack:     `{ webhook_url }` (an incoming-webhook URL)
 * - pagerduty: `{ routing_key (32 chars), events_url? }` (events_url for tests or EU: events.eu.pagerduty.com)
 * - email:     `{ to: [addresses], from }`
 * `parseChannel` also runs every outbound URL through `checkDestinationUrl`.
 */
import { z } from "zod";
import { checkDestinationUrl } from "../net/webhook-url.ts";

const Url = z.url({ protocol: /^https?$/ }).max(2_048);

export const WebhookConfigSchema = z.object({ url: Url });
export const SlackConfigSchema = z.object({ webhook_url: Url });
export const PagerDutyConfigSchema = z.object({
  routing_key: z.string().regex(/^[A-Za-z0-9]{32}$/, "routing_key must be the 32-character integration key"),
  events_url: Url.optional(),
});
export const EmailConfigSchema = z.object({
  to: z.array(z.email()).min(1).max(50),
  from: z.email(),
});

const Name = z.string().trim().min(1).max(200);

export const ChannelInputSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("webhook"), name: Name, config: WebhookConfigSchema }),
  z.object({ type: z.literal("slack"), name: Name, config: SlackConfigSchema }),
  z.object({ type: z.literal("pagerduty"), name: Name, config: PagerDutyConfigSchema }),
  z.object({ type: z.literal("email"), name: Name, config: EmailConfigSchema }),
]);

export type ChannelInput = z.infer<typeof ChannelInputSchema>;
export type ChannelType = ChannelInput["type"];
export type WebhookConfig = z.infer<typeof WebhookConfigSchema>;
export type SlackConfig = z.infer<typeof SlackConfigSchema>;
export type PagerDutyConfig = z.infer<typeof PagerDutyConfigSchema>;
export type EmailConfig = z.infer<typeof EmailConfigSchema>;

export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";

export type ChannelParse = { ok: true; channel: ChannelInput } | { ok: false; reason: string };

/** Validates a channel definition, including where its URLs point (see `checkDestinationUrl`). */
export function parseChannel(input: unknown, options: { production: boolean }): ChannelParse {
  const parsed = ChannelInputSchema.safeParse(input);
  if (!parsed.success) return { ok: false, reason: z.prettifyError(parsed.error) };
  const channel = parsed.data;
  for (const [field, url] of outboundUrls(channel)) {
    const check = checkDestinationUrl(url, options);
    if (!check.ok) return { ok: false, reason: `config.${field}: destination refused (${check.reason})` };
  }
  return { ok: true, channel };
}

/** The URLs a channel sends to, by config field. */
export function outboundUrls(channel: ChannelInput): Array<[string, string]> {
  switch (channel.type) {
    case "webhook":
      return [["url", channel.config.url]];
    case "slack":
      return [["webhook_url", channel.config.webhook_url]];
    case "pagerduty":
      return channel.config.events_url ? [["events_url", channel.config.events_url]] : [];
    case "email":
      return [];
  }
}
