import { describe, expect, it } from "vitest";
import { newGroup, alertFiring, alertResolved, tick } from "../../../src/alerting/index.ts";
import { buildPagerDutyEvent, buildSlackMessage, buildWebhookPayload, ChannelInputSchema, deliveryMessageId, eventsOfNotification, parseChannel, webhookBody, type AlertEvent } from "../../../src/channels/index.ts";
import { explainWithTemplate } from "../../../src/explain/index.ts";
import type { AnomalyRecord } from "../../../src/series/anomaly.ts";
import { anomaly, T } from "../explain/helpers.ts";

const triggered = (over: Partial<AlertEvent> = {}): AlertEvent => {
  const a = anomaly();
  return { type: "anomaly.triggered", anomaly: a, explanation: explainWithTemplate({ anomaly: a }), occurredAt: T + 30_000, rule: { id: "rul_1", name: "revenue" }, links: { anomaly: "https://app.ayvlo.dev/anomalies/anm_test" }, ...over };
};
const resolved = (): AlertEvent => ({ type: "anomaly.resolved", anomaly: anomaly(), occurredAt: T + 600_000, resolvedAt: T + 500_000 });
const KEY = "R0123456789abcdef0123456789ABCDE";

describe("channel configs", () => {
  const prod = { production: true };
  it("accepts each channel type", () => {
    for (const input of [
      { type: "webhook", name: "ops", config: { url: "https://hooks.example.com/x" } },
      { type: "slack", name: "alerts", config: { webhook_url: "https://hooks.slack.com/services/T/B/X" } },
      { type: "pagerduty", name: "pd", config: { routing_key: KEY } },
      { type: "pagerduty", name: "pd-eu", config: { routing_key: KEY, events_url: "https://events.eu.pagerduty.com/v2/enqueue" } },
      { type: "email", name: "mail", config: { to: ["a@example.com", "b@example.com"], from: "alerts@ayvlo.dev" } },
    ]) expect(parseChannel(input, prod)).toEqual({ ok: true, channel: input });
  });
  it("rejects malformed configs", () => {
    for (const input of [
      { type: "webhook", name: "x", config: { url: "not a url" } },
      { type: "webhook", name: "x", config: {} },
      { type: "slack", name: "x", config: { url: "https://hooks.slack.com/x" } },
      { type: "pagerduty", name: "x", config: { routing_key: "short" } },
      { type: "pagerduty", name: "x", config: { routing_key: KEY + "X" } },
      { type: "email", name: "x", config: { to: [], from: "a@b.co" } },
      { type: "email", name: "x", config: { to: ["nope"], from: "a@b.co" } },
      { type: "sms", name: "x", config: {} },
      { type: "webhook", name: "", config: { url: "https://a.example.com" } },
    ]) expect(parseChannel(input, prod).ok).toBe(false);
  });
  it("refuses private destinations in production, allows them in development", () => {
    const hook = { type: "webhook", name: "x", config: { url: "http://127.0.0.1:9000/hook" } };
    expect(parseChannel(hook, prod)).toEqual({ ok: false, reason: "config.url: destination refused (https_required)" });
    expect(parseChannel({ ...hook, config: { url: "https://10.0.0.1/" } }, prod)).toEqual({ ok: false, reason: "config.url: destination refused (private)" });
    expect(parseChannel({ type: "pagerduty", name: "pd", config: { routing_key: KEY, events_url: "https://169.254.169.254/" } }, { production: false }).ok).toBe(false);
    expect(parseChannel(hook, { production: false }).ok).toBe(true);
    expect(ChannelInputSchema.safeParse(hook).success).toBe(true);
  });
});

describe("events from grouping notifications", () => {
  it("one triggered per firing alert, one resolved per resolved alert, same episode ids", () => {
    const t = { group_wait_s: 0, group_interval_s: 60, repeat_interval_s: 3_600 };
    const a1 = anomaly({ id: "anm_1" });
    const a2 = anomaly({ id: "anm_2" });
    let s = alertFiring(newGroup<AnomalyRecord>("r", "{}", {}, T), a1, T, t).state;
    s = alertFiring(s, a2, T, t).state;
    const first = tick(s, T, t);
    const ev = eventsOfNotification(first.notifications[0]!, { id: "r", name: "rule" });
    expect(ev.map((e) => [e.type, e.anomaly.id])).toEqual([["anomaly.triggered", "anm_1"], ["anomaly.triggered", "anm_2"]]);
    const second = tick(alertResolved(first.state, "anm_1", T + 1_000, t).state, T + 60_000, t);
    const ev2 = eventsOfNotification(second.notifications[0]!);
    expect(ev2.map((e) => [e.type, e.anomaly.id, e.resolvedAt ?? null])).toEqual([["anomaly.triggered", "anm_2", null], ["anomaly.resolved", "anm_1", T + 1_000]]);
  });
  it("message ids are stable per (notification, channel, event) and differ otherwise", () => {
    const e = triggered();
    expect(deliveryMessageId("ntf_1", "chn_1", e)).toBe(deliveryMessageId("ntf_1", "chn_1", e));
    const others = [deliveryMessageId("ntf_2", "chn_1", e), deliveryMessageId("ntf_1", "chn_2", e), deliveryMessageId("ntf_1", "chn_1", resolved())];
    expect(new Set([deliveryMessageId("ntf_1", "chn_1", e), ...others]).size).toBe(4);
  });
});

describe("webhook payload", () => {
  it("wraps the episode in the Standard Webhooks envelope", () => {
    const p = buildWebhookPayload(triggered());
    expect(p.type).toBe("anomaly.triggered");
    expect(p.timestamp).toBe(new Date(T + 30_000).toISOString());
    expect(p.data.episode_id).toBe("anm_test");
    expect(p.data.anomaly).toMatchObject({ id: "anm_test", metric: "checkout.revenue", value: 400, expected: { low: 900, high: 1_100 }, severity: "critical" });
    expect(p.data.explanation?.summary).toContain("was 400");
    expect(p.data.resolved_at).toBeNull();
    expect(JSON.parse(webhookBody(triggered()))).toEqual(p);
  });
  it("resolved events carry the resolution time and no explanation when none", () => {
    const p = buildWebhookPayload(resolved());
    expect(p.type).toBe("anomaly.resolved");
    expect(p.data.resolved_at).toBe(new Date(T + 500_000).toISOString());
    expect(p.data.explanation).toBeNull();
  });
});

describe("Slack message", () => {
  it("has a header, the fields, the explanation, a button and the episode id", () => {
    const m = buildSlackMessage(triggered());
    expect(m.text).toContain("Critical anomaly: checkout.revenue");
    expect(m.blocks[0]).toMatchObject({ type: "header", text: { type: "plain_text" } });
    const fields = (m.blocks[1] as { fields: Array<{ text: string }> }).fields.map((f) => f.text);
    expect(fields).toEqual(expect.arrayContaining(["*Value*\n400", "*Expected*\n900 – 1,100", "*Severity*\ncritical", "*Metric*\ncheckout.revenue", "*Tags*\nregion=eu"]));
    expect(JSON.stringify(m.blocks)).toContain("robust σ");
    expect(m.blocks.some((b) => b.type === "actions")).toBe(true);
    const context = m.blocks.at(-1) as { type: string; elements: Array<{ text: string }> };
    expect(context.type).toBe("context");
    expect(context.elements[0]?.text).toContain("anm_test");
  });
  it("escapes mrkdwn control characters and respects the header limit", () => {
    const a = anomaly({ metric: "x".repeat(300), tags: { team: "<!channel> & co" } });
    const m = buildSlackMessage(triggered({ anomaly: a, explanation: null }));
    expect((m.blocks[0] as { text: { text: string } }).text.text.length).toBeLessThanOrEqual(150);
    expect(JSON.stringify(m.blocks)).not.toContain("<!channel>");
    expect(JSON.stringify(m.blocks)).toContain("&lt;!channel&gt; &amp; co");
  });
  it("a resolved message says so", () => {
    expect(buildSlackMessage(resolved()).text).toBe('Resolved: checkout.revenue{region="eu"} is back to normal');
  });
});

describe("PagerDuty Events v2", () => {
  it("a trigger carries the episode id as dedup_key and the required payload fields", () => {
    const e = buildPagerDutyEvent(triggered(), { routing_key: KEY }, { clientUrl: "https://app.ayvlo.dev" });
    expect(e).toMatchObject({ routing_key: KEY, event_action: "trigger", dedup_key: "anm_test", client: "Ayvlo", client_url: "https://app.ayvlo.dev", links: [{ href: "https://app.ayvlo.dev/anomalies/anm_test", text: "Anomaly in Ayvlo" }] });
    if (e.event_action !== "trigger") throw new Error("expected a trigger");
    expect(e.payload).toMatchObject({ severity: "critical", timestamp: new Date(T).toISOString(), component: "checkout.revenue", group: "eu", class: "anomaly.drop" });
    expect(e.payload.source.length).toBeGreaterThan(0);
    expect(e.payload.custom_details).toMatchObject({ episode_id: "anm_test", value: 400, flagged_by: ["robust_z", "seasonal"] });
  });
  it("maps severities and caps the summary at 1024 characters", () => {
    for (const [ours, theirs] of [["critical", "critical"], ["warning", "warning"], ["info", "info"]] as const) {
      const e = buildPagerDutyEvent(triggered({ anomaly: anomaly({ severity: ours, metric: "m".repeat(2_000) }) }), { routing_key: KEY });
      if (e.event_action !== "trigger") throw new Error("expected a trigger");
      expect(e.payload.severity).toBe(theirs);
      expect(e.payload.summary.length).toBeLessThanOrEqual(1_024);
    }
  });
  it("a resolve carries only routing_key, event_action and dedup_key", () => {
    expect(buildPagerDutyEvent(resolved(), { routing_key: KEY })).toEqual({ routing_key: KEY, event_action: "resolve", dedup_key: "anm_test" });
  });
});

describe("truncate", () => {
  it("cuts to the limit with an ellipsis and never splits a surrogate pair", async () => {
    const { truncate } = await import("../../../src/channels/text.ts");
    expect(truncate("short", 10)).toBe("short");
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("ab😀cd", 4)).toBe("ab…");
    expect(truncate("ab😀cd", 5)).toBe("ab😀…");
  });
});
