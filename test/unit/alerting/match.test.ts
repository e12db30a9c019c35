import { describe, expect, it } from "vitest";
import { globToRegExp, groupKeyOf, inhibitedIds, matchesRule, routeAlert, RuleMatchSchema, RuleSchema, type Alert } from "../../../src/alerting/index.ts";

const alert = (over: Partial<Alert> = {}): Alert => ({ id: "a1", metric: "api.latency_ms", tags: { region: "eu", env: "prod" }, severity: "warning", ...over });

describe("metric globs", () => {
  const cases: Array<[string, string, boolean]> = [
    ["api.latency_ms", "api.latency_ms", true],
    ["api.*", "api.latency_ms", true],
    ["api.*", "api", false],
    ["*", "", true],
    ["*_ms", "api.latency_ms", true],
    ["api.latency_?s", "api.latency_ms", true],
    ["api.latency_?s", "api.latency_mms", false],
    ["api.latency", "api.latency_ms", false],
    ["api.latency_ms", "xapi.latency_ms", false],
    ["a.b", "axb", false],
    ["(x)+[y]", "(x)+[y]", true],
    ["$^\\", "$^\\", true],
    ["*.*.*", "a.b.c", true],
    ["*.*.*", "a.b", false],
  ];
  it.each(cases)("%s against %s → %s", (glob, name, expected) => {
    expect(globToRegExp(glob).test(name)).toBe(expected);
  });
});

describe("rule matching", () => {
  const match = (m: unknown) => RuleMatchSchema.parse(m);
  it("takes the minimum severity into account", () => {
    const m = match({ metric: "*", min_severity: "warning" });
    expect(matchesRule(m, alert({ severity: "info" }))).toBe(false);
    expect(matchesRule(m, alert({ severity: "warning" }))).toBe(true);
    expect(matchesRule(m, alert({ severity: "critical" }))).toBe(true);
  });
  it("defaults min_severity to info", () => {
    expect(match({ metric: "x" }).min_severity).toBe("info");
  });
  it("requires every listed tag with exactly that value", () => {
    expect(matchesRule(match({ metric: "*", tags: { region: "eu" } }), alert())).toBe(true);
    expect(matchesRule(match({ metric: "*", tags: { region: "eu", env: "prod" } }), alert())).toBe(true);
    expect(matchesRule(match({ metric: "*", tags: { region: "us" } }), alert())).toBe(false);
    expect(matchesRule(match({ metric: "*", tags: { team: "" } }), alert())).toBe(false);
  });
  it("rejects an empty metric glob", () => {
    expect(RuleMatchSchema.safeParse({ metric: "" }).success).toBe(false);
  });
});

describe("grouping keys", () => {
  it("is canonical: label order and duplicates do not matter", () => {
    expect(groupKeyOf(["region", "metric"], alert()).groupKey).toBe(groupKeyOf(["metric", "region", "region"], alert()).groupKey);
    expect(groupKeyOf(["region", "metric"], alert())).toEqual({ groupKey: '{metric="api.latency_ms",region="eu"}', groupLabels: { metric: "api.latency_ms", region: "eu" } });
  });
  it("reads a missing label as empty and separates different values", () => {
    expect(groupKeyOf(["team"], alert()).groupLabels).toEqual({ team: "" });
    expect(groupKeyOf(["region"], alert()).groupKey).not.toBe(groupKeyOf(["region"], alert({ tags: { region: "us" } })).groupKey);
  });
  it("cannot be confused by quotes or commas in values", () => {
    const a = groupKeyOf(["x", "y"], alert({ tags: { x: 'a",y="b', y: "" } }));
    const b = groupKeyOf(["x", "y"], alert({ tags: { x: "a", y: 'b",y="' } }));
    expect(a.groupKey).not.toBe(b.groupKey);
  });
  it("groups by every label with ...", () => {
    expect(groupKeyOf(["..."], alert()).groupLabels).toEqual({ env: "prod", metric: "api.latency_ms", region: "eu", severity: "warning" });
  });
  it("groups everything together with no group_by", () => {
    expect(groupKeyOf([], alert()).groupKey).toBe(groupKeyOf([], alert({ metric: "other", tags: {} })).groupKey);
  });
});

describe("routing", () => {
  const rule = (id: string, over: Record<string, unknown>) => ({ id, ...RuleSchema.parse({ name: id, match: { metric: "*" }, ...over }) });
  it("returns each matching rule with its group", () => {
    const rules = [rule("r1", { group_by: ["region"] }), rule("r2", { match: { metric: "db.*" } }), rule("r3", { match: { metric: "api.*", min_severity: "warning" } })];
    const routes = routeAlert(rules, alert());
    expect(routes.map((r) => r.rule.id)).toEqual(["r1", "r3"]);
    expect(routes[0]?.groupLabels).toEqual({ region: "eu" });
    expect(routes[0]?.groupId).not.toBe(routes[1]?.groupId);
  });
  it("applies Alertmanager's default timings", () => {
    expect(RuleSchema.parse({ name: "x", match: { metric: "*" } })).toMatchObject({ group_wait_s: 30, group_interval_s: 300, repeat_interval_s: 14_400, group_by: [], channels: [] });
    expect(RuleSchema.safeParse({ name: "x", match: { metric: "*" }, group_interval_s: 0 }).success).toBe(false);
    expect(RuleSchema.safeParse({ name: "x", match: { metric: "*" }, group_wait_s: -1 }).success).toBe(false);
  });
});

describe("inhibition", () => {
  it("a firing critical inhibits the group's warnings and infos", () => {
    const firing = [alert({ id: "c", severity: "critical" }), alert({ id: "w", severity: "warning" }), alert({ id: "i", severity: "info" })];
    expect([...inhibitedIds(firing)].sort()).toEqual(["i", "w"]);
  });
  it("nothing is inhibited without a critical", () => {
    expect(inhibitedIds([alert({ id: "w" }), alert({ id: "i", severity: "info" })]).size).toBe(0);
  });
  it("a critical never inhibits another critical", () => {
    expect(inhibitedIds([alert({ id: "c1", severity: "critical" }), alert({ id: "c2", severity: "critical" })]).size).toBe(0);
  });
  it("with equal labels, only alerts sharing them are inhibited", () => {
    const firing = [alert({ id: "c", severity: "critical" }), alert({ id: "w-eu" }), alert({ id: "w-us", tags: { region: "us" } })];
    expect([...inhibitedIds(firing, ["region"])]).toEqual(["w-eu"]);
  });
});

describe("rule workflows", () => {
  it("accepts valid steps and rejects invalid ones", () => {
    const base = { name: "x", match: { metric: "*" } };
    const ok = RuleSchema.parse({ ...base, steps: [{ type: "notify", channel: "c" }, { type: "wait", seconds: 60 }] });
    expect(ok.steps?.[0]).toMatchObject({ type: "notify", on: "success" });
    expect(RuleSchema.safeParse({ ...base, steps: [{ type: "explode" }] }).success).toBe(false);
    expect(RuleSchema.parse(base).steps).toBeUndefined();
  });
});
