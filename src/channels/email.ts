/**
 * The alert email: subject, plain text and HTML (all user text escaped), ready
 * for `buildMimeMessage`. The episode id appears in the body and in an
 * `X-Ayvlo-Episode` header so replies and filters can key on it.
 */
import { formatNumber } from "../explain/format.ts";
import type { EmailConfig } from "./config.ts";
import type { AlertEvent } from "./event.ts";
import { buildMimeMessage } from "./mime.ts";
import { headline, tagList, truncate } from "./text.ts";

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Subject, text and HTML for one event. */
export function buildEmail(event: AlertEvent): EmailContent {
  const a = event.anomaly;
  const subject = truncate(`[Ayvlo] ${headline(event)}`, 200);
  const rows: Array<[string, string]> = [
    ["Metric", a.metric],
    ["Tags", tagList(a.tags)],
    ["Value", formatNumber(a.value)],
    ["Expected", `${formatNumber(a.expected.low)} – ${formatNumber(a.expected.high)}`],
    ["Severity", a.severity],
    ["Detected at", new Date(a.timestamp).toISOString()],
    ...(event.type === "anomaly.resolved" && event.resolvedAt != null ? [["Resolved at", new Date(event.resolvedAt).toISOString()] as [string, string]] : []),
    ["Episode", a.id],
  ];
  const e = event.explanation;
  const text = [
    headline(event),
    "",
    ...rows.map(([k, v]) => `${k}: ${v}`),
    ...(e ? ["", e.summary, ...(e.likely_causes.length ? ["", "Likely causes:", ...e.likely_causes.map((c) => `- ${c.cause} (${Math.round(c.confidence * 100)} %)`)] : []), ...(e.recommendations.immediate.length ? ["", "Do now:", ...e.recommendations.immediate.map((r) => `- ${r}`)] : [])] : []),
    ...(event.links?.anomaly ? ["", `View: ${event.links.anomaly}`] : []),
    "",
    "— Ayvlo",
  ].join("\n");
  const html = [
    "<!doctype html><html><body style=\"font-family:sans-serif\">",
    `<h2>${escapeHtml(headline(event))}</h2>`,
    "<table>",
    ...rows.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`),
    "</table>",
    ...(e ? [`<p>${escapeHtml(e.summary)}</p>`, ...(e.likely_causes.length ? ["<h3>Likely causes</h3><ul>", ...e.likely_causes.map((c) => `<li>${escapeHtml(c.cause)} (${Math.round(c.confidence * 100)} %)</li>`), "</ul>"] : []), ...(e.recommendations.immediate.length ? ["<h3>Do now</h3><ul>", ...e.recommendations.immediate.map((r) => `<li>${escapeHtml(r)}</li>`), "</ul>"] : [])] : []),
    ...(event.links?.anomaly && /^https?:\/\//.test(event.links.anomaly) ? [`<p><a href="${escapeHtml(event.links.anomaly)}">View anomaly</a></p>`] : []),
    "<p style=\"color:#888\">— Ayvlo</p></body></html>",
  ].join("\n");
  return { subject, text, html };
}

/** The raw MIME message for one event, addressed per the channel config. */
export function buildEmailMessage(event: AlertEvent, config: EmailConfig, messageId: string, now: number): string {
  const content = buildEmail(event);
  return buildMimeMessage({
    from: { email: config.from, name: "Ayvlo" },
    to: config.to.map((email) => ({ email })),
    ...content,
    messageId,
    date: now,
    headers: { "X-Ayvlo-Episode": event.anomaly.id, "X-Ayvlo-Event": event.type },
  });
}
