import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../../src/detect/prng.ts";
import { isSilenceActive, isSilenced, matcherMatches, parseSilence, silencingIndexes, type Alert, type Silence } from "../../../src/alerting/index.ts";

const alert = (over: Partial<Alert> = {}): Alert => ({ id: "a1", metric: "api.latency_ms", tags: { region: "eu" }, severity: "warning", ...over });
const T = Date.UTC(2025, 0, 1);

function silence(matchers: unknown[], over: Record<string, unknown> = {}): Silence {
  const r = parseSilence({ matchers, starts_at: T, ends_at: T + 3_600_000, comment: "deploy", created_by: "ops@example.com", ...over });
  if (!r.ok) throw new Error(r.reason);
  return r.silence;
}

describe("silence validation", () => {
  it("accepts ISO 8601 times and normalises them to epoch ms", () => {
    const r = parseSilence({ matchers: [{ name: "metric", value: "x" }], starts_at: "2025-01-01T00:00:00Z", ends_at: "2025-01-01T01:00:00+01:00", comment: "c", created_by: "me" });
    expect(r.ok).toBe(false); // 01:00+01:00 is 00:00Z: an empty window
    const ok = parseSilence({ matchers: [{ name: "metric", value: "x" }], starts_at: "2025-01-01T00:00:00Z", ends_at: "2025-01-01T02:00:00+01:00", comment: "c", created_by: "me" });
    expect(ok.ok && ok.silence.ends_at - ok.silence.starts_at).toBe(3_600_000);
  });
  it("reports an invalid regex as a value error", () => {
    const r = parseSilence({ matchers: [{ name: "metric", value: "api.(", is_regex: true }], starts_at: T, ends_at: T + 1, comment: "c", created_by: "me" });
    expect(r).toEqual({ ok: false, reason: "matchers[0].value is not a valid regular expression" });
  });
  it("refuses a regex that could take exponential time (nested repetition, backreferences)", () => {
    const r = parseSilence({ matchers: [{ name: "metric", value: "x" }, { name: "host", value: "(a+)+$", is_regex: true }], starts_at: T, ends_at: T + 1, comment: "c", created_by: "me" });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/^matchers\[1\]\.value: .*repetition/);
    expect(parseSilence({ matchers: [{ name: "host", value: "(web|api)-\\d+", is_regex: true }], starts_at: T, ends_at: T + 1, comment: "c", created_by: "me" }).ok).toBe(true);
  });
  it("refuses an empty or inverted window", () => {
    expect(parseSilence({ matchers: [{ name: "metric", value: "x" }], starts_at: T, ends_at: T, comment: "c", created_by: "me" }).ok).toBe(false);
  });
  it("refuses a silence that would mute every alert", () => {
    const base = { starts_at: T, ends_at: T + 1, comment: "c", created_by: "me" };
    expect(parseSilence({ ...base, matchers: [{ name: "metric", value: ".*", is_regex: true }] }).ok).toBe(false);
    expect(parseSilence({ ...base, matchers: [{ name: "region", value: "eu", is_equal: false }] }).ok).toBe(false);
    expect(parseSilence({ ...base, matchers: [{ name: "metric", value: ".+", is_regex: true }] }).ok).toBe(true);
  });
  it("requires matchers, a comment and an owner", () => {
    const base = { matchers: [{ name: "metric", value: "x" }], starts_at: T, ends_at: T + 1, comment: "c", created_by: "me" };
    expect(parseSilence({ ...base, matchers: [] }).ok).toBe(false);
    expect(parseSilence({ ...base, comment: "" }).ok).toBe(false);
    expect(parseSilence({ ...base, created_by: undefined }).ok).toBe(false);
  });
});

describe("matchers", () => {
  const m = (name: string, value: string, is_regex = false, is_equal = true) => ({ name, value, is_regex, is_equal });
  it("matches metric, severity and tags, equal and not equal", () => {
    expect(matcherMatches(m("metric", "api.latency_ms"), alert())).toBe(true);
    expect(matcherMatches(m("severity", "warning"), alert())).toBe(true);
    expect(matcherMatches(m("severity", "critical", false, false), alert())).toBe(true);
    expect(matcherMatches(m("region", "eu"), alert())).toBe(true);
    expect(matcherMatches(m("region", "us"), alert())).toBe(false);
    expect(matcherMatches(m("team", ""), alert())).toBe(true);
  });
  it("anchors regexes at both ends", () => {
    expect(matcherMatches(m("metric", "api", true), alert())).toBe(false);
    expect(matcherMatches(m("metric", "api\\..*", true), alert())).toBe(true);
    expect(matcherMatches(m("metric", "latency|api.latency_ms", true), alert())).toBe(true);
    expect(matcherMatches(m("region", "e.", true, false), alert())).toBe(false);
  });
  it("an invalid regex matches nothing instead of throwing", () => {
    expect(matcherMatches(m("metric", "(", true), alert())).toBe(false);
  });
});

describe("silences over time", () => {
  it("is active on [starts_at, ends_at)", () => {
    const s = silence([{ name: "metric", value: "api.latency_ms" }]);
    expect(isSilenceActive(s, T - 1)).toBe(false);
    expect(isSilenceActive(s, T)).toBe(true);
    expect(isSilenceActive(s, T + 3_599_999)).toBe(true);
    expect(isSilenceActive(s, T + 3_600_000)).toBe(false);
  });

  it("property: an alert is silenced iff some silence is active and all its matchers hold", () => {
    const rnd = mulberry32(7);
    const pick = <X>(xs: readonly X[]): X => xs[Math.floor(rnd() * xs.length)]!;
    const regions = ["eu", "us", "ap"];
    const severities = ["info", "warning", "critical"] as const;
    for (let round = 0; round < 300; round++) {
      const list: Silence[] = [];
      for (let k = 0; k < 3; k++) {
        const start = T + Math.floor(rnd() * 10) * 1_000;
        list.push(silence([{ name: "region", value: pick(regions) }, { name: "severity", value: pick(severities), is_equal: rnd() < 0.5 }], { starts_at: start, ends_at: start + 1_000 + Math.floor(rnd() * 5) * 1_000 }));
      }
      const a = alert({ tags: { region: pick(regions) }, severity: pick(severities) });
      const now = T + Math.floor(rnd() * 20) * 1_000;
      const expected = list.some((s) => s.starts_at <= now && now < s.ends_at && s.matchers[0]!.value === a.tags.region && (s.matchers[1]!.value === a.severity) === s.matchers[1]!.is_equal);
      expect(isSilenced(list, a, now)).toBe(expected);
      expect(silencingIndexes(list, a, now).length > 0).toBe(expected);
    }
  });
});
