import { describe, expect, it } from "vitest";
import type { Subject } from "../../../src/policy/request.ts";
import { AccessRequestSchema } from "../../../src/policy/request.ts";
import { PolicySchema } from "../../../src/policy/schema.ts";
import { simulate, whoMay } from "../../../src/policy/simulate.ts";

const NOW = Date.UTC(2024, 0, 3, 10, 0);
const subjects: Subject[] = [
  { id: "usr_owner", type: "user", role: "owner" },
  { id: "usr_admin", type: "user", role: "admin", department: "finance" },
  { id: "usr_member", type: "user", role: "member" },
  { id: "usr_viewer", type: "user", role: "viewer" },
  { id: "key_read", type: "api_key", scopes: ["read"] },
  { id: "key_admin", type: "api_key", scopes: ["admin"] },
];
const ids = (xs: Subject[]) => xs.map((s) => s.id);

describe("simulate", () => {
  const policies = [
    PolicySchema.parse({ id: "finance-no-export", effect: "deny", priority: 5, actions: ["tenant.export"], condition: { op: "eq", attr: "subject.department", value: "finance" } }),
    PolicySchema.parse({ id: "unrelated", effect: "allow", actions: ["rule.*"] }),
    PolicySchema.parse({ id: "other-resource", effect: "allow", actions: ["tenant.*"], resources: ["rule:*"] }),
  ];

  it("explains a denial: the baseline, each policy's fit, the decisive one", () => {
    const sim = simulate({ subject: subjects[1]!, action: "tenant.export", resource: { type: "tenant", id: "t1" }, environment: { now: NOW } }, policies);
    expect(sim.decision).toMatchObject({ allowed: false, matched: "finance-no-export" });
    expect(sim.baseline).toEqual({ grant: "role:admin", role: "admin", scopes: null });
    expect(sim.policies.map((p) => [p.id, p.fit, p.decisive])).toEqual([
      ["finance-no-export", "applies", true],
      ["unrelated", "action_mismatch", false],
      ["other-resource", "resource_mismatch", false],
    ]);
    expect(sim.explanation.at(-1)).toContain("denied");
    expect(sim.explanation.join("\n")).toContain("policy finance-no-export (deny, priority 5): applies — decisive");
  });

  it("explains an allow by role and a false condition", () => {
    const sim = simulate({ subject: subjects[0]!, action: "tenant.export", resource: { type: "tenant", id: "t1" }, environment: {} }, policies);
    expect(sim.decision).toMatchObject({ allowed: true, matched: "role:owner" });
    expect(sim.policies[0]!.fit).toBe("condition_false");
    expect(sim.explanation[0]).toBe("baseline: role:owner grants tenant.export (priority 0)");
  });

  it("explains default deny", () => {
    const sim = simulate({ subject: { id: "x" }, action: "rule.delete", resource: { type: "rule", id: "r" }, environment: {} });
    expect(sim.decision.matched).toBe(null);
    expect(sim.explanation).toEqual(["baseline: neither role nor scopes grant rule.delete", "decision: denied — nothing grants rule.delete on rule:r (default deny)"]);
  });
});

describe("whoMay", () => {
  it("lists who may revoke a key, read anomalies, erase a user", () => {
    expect(ids(whoMay("api_key.revoke", { type: "api_key", id: "k" }, subjects, []))).toEqual(["usr_owner", "usr_admin", "key_admin"]);
    expect(ids(whoMay("anomaly.read", { type: "anomaly", id: "a" }, subjects, []))).toEqual(subjects.map((s) => s.id));
    expect(ids(whoMay("user.erase", { type: "user", id: "u" }, subjects, []))).toEqual(["usr_owner"]);
  });

  it("takes policies and the environment into account", () => {
    const nightDeny = PolicySchema.parse({ id: "night", effect: "deny", actions: ["*"], condition: { op: "time_window", from: "20:00", to: "06:00" } });
    expect(whoMay("rule.read", { type: "rule", id: "r" }, subjects, [nightDeny], { environment: { now: NOW } })).toHaveLength(6);
    expect(whoMay("rule.read", { type: "rule", id: "r" }, subjects, [nightDeny], { environment: { now: Date.UTC(2024, 0, 3, 23) } })).toEqual([]);
  });
});

describe("AccessRequestSchema", () => {
  it("accepts a request with free attributes and fills the environment", () => {
    const parsed = AccessRequestSchema.parse({ subject: { id: "u", role: "admin", department: "x" }, action: "rule.create", resource: { type: "rule" } });
    expect(parsed.environment).toEqual({});
    expect(parsed.subject.department).toBe("x");
  });

  it("rejects unknown roles, scopes and malformed actions", () => {
    expect(AccessRequestSchema.safeParse({ subject: { id: "u", role: "god" }, action: "rule.create", resource: { type: "rule" } }).success).toBe(false);
    expect(AccessRequestSchema.safeParse({ subject: { id: "u", scopes: ["root"] }, action: "rule.create", resource: { type: "rule" } }).success).toBe(false);
    expect(AccessRequestSchema.safeParse({ subject: { id: "u" }, action: "rule*", resource: { type: "rule" } }).success).toBe(false);
  });
});
