/**
 * A Slack incoming-webhook message with Block Kit: a header, a fields section
 * (value, expected, severity, metric, tags), the explanation, an optional
 * button to the anomaly, and a context line carrying the episode id. `text` is
 * the notification fallback. Limits respected: header 150 chars, field 2000,
 * section text 3000; user text is escaped for mrkdwn (&, <, >).
 */
import { formatNumber } from "../explain/format.ts";
import type { AlertEvent } from "./event.ts";
import { headline, tagList, truncate } from "./text.ts";

export interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

const ICON = { critical: "🔴", warning: "🟠", info: "🔵" } as const;

/** Escapes the three characters Slack mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const field = (label: string, value: string) => ({ type: "mrkdwn", text: truncate(`*${label}*\n${escapeMrkdwn(value)}`, 2_000) });

/** The message body to POST to a Slack incoming webhook. */
export function buildSlackMessage(event: AlertEvent): SlackMessage {
  const a = event.anomaly;
  const resolved = event.type === "anomaly.resolved";
  const title = `${resolved ? "✅" : ICON[a.severity]} ${headline(event)}`;
  const blocks: Array<Record<string, unknown>> = [
    { type: "header", text: { type: "plain_text", text: truncate(title, 150), emoji: true } },
    {
      type: "section",
      fields: [
        field("Value", formatNumber(a.value)),
        field("Expected", `${formatNumber(a.expected.low)} – ${formatNumber(a.expected.high)}`),
        field("Severity", a.severity),
        field("Metric", a.metric),
        field("Tags", tagList(a.tags)),
        field(resolved ? "Resolved at" : "Detected at", new Date(resolved && event.resolvedAt != null ? event.resolvedAt : a.timestamp).toISOString()),
      ],
    },
  ];
  if (event.explanation) {
    blocks.push({ type: "section", text: { type: "mrkdwn", text: truncate(escapeMrkdwn(event.explanation.summary), 3_000) } });
    const causes = event.explanation.likely_causes.slice(0, 3);
    if (causes.length > 0) {
      const lines = causes.map((c) => `• ${escapeMrkdwn(c.cause)} (${Math.round(c.confidence * 100)} %)`).join("\n");
      blocks.push({ type: "section", text: { type: "mrkdwn", text: truncate(`*Likely causes*\n${lines}`, 3_000) } });
    }
  }
  if (event.links?.anomaly) {
    blocks.push({ type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "View anomaly" }, url: event.links.anomaly }] });
  }
  const context = [`Episode \`${escapeMrkdwn(a.id)}\``, event.rule ? `rule ${escapeMrkdwn(event.rule.name)}` : null, "Ayvlo"].filter(Boolean).join(" · ");
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: context }] });
  return { text: truncate(headline(event), 3_000), blocks };
}
