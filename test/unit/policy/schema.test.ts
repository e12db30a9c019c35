import { describe, expect, it } from "vitest";
import { ConditionSchema, PolicySchema, PolicySetSchema, type Condition } from "../../../src/policy/schema.ts";

const base = { id: "p1", effect: "allow", actions: ["rule.*"] };

describe("PolicySchema", () => {
  it("fills defaults: priority 0, every resource", () => {
    expect(PolicySchema.parse(base)).toEqual({ ...base, priority: 0, resources: ["*"] });
  });

  it("accepts a full policy with a nested condition and a time window", () => {
    const policy = {
      ...base,
      effect: "deny",
      priority: 10,
      resources: ["rule:*", "anomaly:an_1"],
      condition: {
        op: "and",
        of: [
          { op: "eq", attr: "subject.department", value: "finance" },
          { op: "not", of: { op: "time_window", days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "18:00", utc_offset: "+02:00" } },
          { op: "or", of: [{ op: "in", attr: "environment.country", value: ["DE", "FR"] }, { op: "eq", attr: "subject.id", value: { attr: "resource.owner_id" } }] },
          { op: "exists", attr: "environment.ip" },
        ],
      },
    };
    const parsed = PolicySchema.parse(policy);
    expect(parsed.condition?.op).toBe("and");
  });

  it("defaults a time window to every day, UTC, environment.now", () => {
    expect(ConditionSchema.parse({ op: "time_window", from: "22:00", to: "06:00" })).toEqual({ op: "time_window", from: "22:00", to: "06:00", days: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"], utc_offset: "+00:00", attr: "environment.now" });
  });

  it.each([
    ["an unknown effect", { ...base, effect: "maybe" }],
    ["no actions", { ...base, actions: [] }],
    ["an action with spaces", { ...base, actions: ["rule create"] }],
    ["a fractional priority", { ...base, priority: 1.5 }],
    ["a priority out of range", { ...base, priority: 5000 }],
    ["an unknown field", { ...base, subjects: ["x"] }],
    ["an unknown operator", { ...base, condition: { op: "regex", attr: "subject.id", value: ".*" } }],
    ["a path outside subject/resource/environment", { ...base, condition: { op: "eq", attr: "process.env", value: 1 } }],
    ["a bare root path", { ...base, condition: { op: "eq", attr: "subject", value: 1 } }],
    ["an empty and", { ...base, condition: { op: "and", of: [] } }],
    ["a bad time", { ...base, condition: { op: "time_window", from: "25:00", to: "06:00" } }],
    ["an empty window", { ...base, condition: { op: "time_window", from: "06:00", to: "06:00" } }],
    ["a bad offset", { ...base, condition: { op: "time_window", from: "06:00", to: "07:00", utc_offset: "2h" } }],
    ["an object operand that is not a reference", { ...base, condition: { op: "eq", attr: "subject.id", value: { x: 1 } } }],
  ])("rejects %s", (_name, policy) => {
    expect(PolicySchema.safeParse(policy).success).toBe(false);
  });

  it("bounds how deep and how large a condition may be", () => {
    let deep: Condition = { op: "exists", attr: "subject.id" };
    for (let i = 0; i < 8; i++) deep = { op: "not", of: deep };
    expect(PolicySchema.safeParse({ ...base, condition: deep }).success).toBe(false);
    const wide = { op: "and", of: Array.from({ length: 2 }, () => ({ op: "or", of: Array.from({ length: 32 }, () => ({ op: "exists", attr: "subject.id" })) })) };
    expect(PolicySchema.safeParse({ ...base, condition: wide }).success).toBe(false);
    const fine = { op: "and", of: Array.from({ length: 30 }, () => ({ op: "exists", attr: "subject.id" })) };
    expect(PolicySchema.safeParse({ ...base, condition: fine }).success).toBe(true);
  });
});

describe("PolicySetSchema", () => {
  it("rejects duplicate ids and accepts distinct ones", () => {
    expect(PolicySetSchema.safeParse([base, { ...base, id: "p2" }]).success).toBe(true);
    const dup = PolicySetSchema.safeParse([base, base]);
    expect(dup.success).toBe(false);
    expect(dup.error?.issues[0]?.path).toEqual([1, "id"]);
  });
});
