/** Channel payload builders (pure; sending is the caller's) and channel config validation. */
export { ChannelInputSchema, EmailConfigSchema, outboundUrls, PAGERDUTY_EVENTS_URL, PagerDutyConfigSchema, parseChannel, SlackConfigSchema, WebhookConfigSchema, type ChannelInput, type ChannelParse, type ChannelType, type EmailConfig, type PagerDutyConfig, type SlackConfig, type WebhookConfig } from "./config.ts";
export { deliveryMessageId, episodeId, eventsOfNotification, type AlertEvent, type AlertEventType } from "./event.ts";
export { buildWebhookPayload, webhookBody, type WebhookPayload } from "./webhook.ts";
export { buildSlackMessage, escapeMrkdwn, type SlackMessage } from "./slack.ts";
export { buildPagerDutyEvent, type PagerDutyResolve, type PagerDutySeverity, type PagerDutyTrigger } from "./pagerduty.ts";
export { buildEmail, buildEmailMessage, escapeHtml, type EmailContent } from "./email.ts";
export { buildMimeMessage, encodeHeaderValue, encodeWords, formatMailbox, type Mailbox, type MimeInput } from "./mime.ts";
