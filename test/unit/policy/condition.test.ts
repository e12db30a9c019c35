import { describe, expect, it } from "vitest";
import { evaluateCondition, inTimeWindow, readAttribute } from "../../../src/policy/condition.ts";
import type { AccessRequest } from "../../../src/policy/request.ts";
import { ConditionSchema, type Condition } from "../../../src/policy/schema.ts";

const request: AccessRequest = {
  subject: { id: "usr_1", role: "member", department: "finance", groups: ["oncall", "sre"], level: 3, profile: { country: "DE" } },
  action: "rule.update",
  resource: { type: "rule", id: "rul_1", owner_id: "usr_1", labels: ["prod"], name: "revenue drop", cost: 10, nothing: null },
  environment: { now: Date.UTC(2024, 0, 3, 10, 0), ip: "203.0.113.9", country: "DE" },
};

const cond = (c: unknown) => ConditionSchema.parse(c);
const holds = (c: unknown) => evaluateCondition(cond(c), request);

describe("readAttribute", () => {
  it("walks nested own properties and derives role_rank", () => {
    expect(readAttribute(request, "subject.profile.country")).toBe("DE");
    expect(readAttribute(request, "subject.role_rank")).toBe(2);
    expect(readAttribute(request, "environment.ip")).toBe("203.0.113.9");
  });

  it("never reaches the prototype chain", () => {
    expect(holds({ op: "exists", attr: "subject.constructor" })).toBe(false);
    expect(holds({ op: "exists", attr: "subject.toString" })).toBe(false);
    expect(holds({ op: "exists", attr: "resource.labels.length" })).toBe(false);
  });
});

describe("comparisons", () => {
  it.each([
    [{ op: "eq", attr: "subject.department", value: "finance" }, true],
    [{ op: "eq", attr: "subject.department", value: "sales" }, false],
    [{ op: "ne", attr: "subject.department", value: "sales" }, true],
    [{ op: "ne", attr: "subject.department", value: "finance" }, false],
    [{ op: "eq", attr: "subject.level", value: "3" }, false],
    [{ op: "lt", attr: "subject.level", value: 4 }, true],
    [{ op: "lt", attr: "subject.level", value: 3 }, false],
    [{ op: "lte", attr: "subject.level", value: 3 }, true],
    [{ op: "gt", attr: "subject.level", value: 3 }, false],
    [{ op: "gte", attr: "subject.level", value: 3 }, true],
    [{ op: "gt", attr: "subject.level", value: "2" }, false],
    [{ op: "lt", attr: "subject.department", value: "z" }, true],
    [{ op: "gte", attr: "subject.role_rank", value: 2 }, true],
    [{ op: "gte", attr: "subject.role_rank", value: 3 }, false],
    [{ op: "in", attr: "environment.country", value: ["DE", "FR"] }, true],
    [{ op: "in", attr: "environment.country", value: ["US"] }, false],
    [{ op: "in", attr: "environment.country", value: "DE" }, false],
    [{ op: "contains", attr: "subject.groups", value: "sre" }, true],
    [{ op: "contains", attr: "subject.groups", value: "db" }, false],
    [{ op: "contains", attr: "resource.name", value: "drop" }, true],
    [{ op: "contains", attr: "resource.name", value: "rise" }, false],
    [{ op: "starts_with", attr: "environment.ip", value: "203.0.113." }, true],
    [{ op: "starts_with", attr: "environment.ip", value: "10." }, false],
    [{ op: "matches", attr: "resource.name", value: "revenue*" }, true],
    [{ op: "matches", attr: "resource.name", value: "*latency*" }, false],
    [{ op: "eq", attr: "subject.id", value: { attr: "resource.owner_id" } }, true],
    [{ op: "ne", attr: "subject.id", value: { attr: "resource.owner_id" } }, false],
    [{ op: "eq", attr: "resource.nothing", value: null }, true],
    [{ op: "exists", attr: "resource.nothing" }, false],
    [{ op: "exists", attr: "resource.owner_id" }, true],
    [{ op: "eq", attr: "subject.groups", value: ["oncall", "sre"] }, false],
  ])("%j → %s", (c, expected) => {
    expect(holds(c)).toBe(expected);
  });

  it("is false for every comparison on a missing attribute, ne included", () => {
    for (const op of ["eq", "ne", "lt", "lte", "gt", "gte", "in", "contains", "starts_with", "matches"]) {
      expect(holds({ op, attr: "subject.missing", value: op === "in" ? ["x"] : "x" }), op).toBe(false);
      expect(holds({ op, attr: "subject.id", value: { attr: "resource.missing" } }), op).toBe(false);
    }
    expect(holds({ op: "not", of: { op: "eq", attr: "subject.missing", value: "x" } })).toBe(true);
  });
});

describe("and / or / not", () => {
  const T: Condition = { op: "exists", attr: "subject.id" };
  const F: Condition = { op: "exists", attr: "subject.missing" };
  it("follow boolean logic over every small combination", () => {
    for (const a of [true, false]) {
      for (const b of [true, false]) {
        const [x, y] = [a ? T : F, b ? T : F];
        expect(evaluateCondition({ op: "and", of: [x, y] }, request)).toBe(a && b);
        expect(evaluateCondition({ op: "or", of: [x, y] }, request)).toBe(a || b);
        expect(evaluateCondition({ op: "not", of: { op: "and", of: [x, y] } }, request)).toBe(!(a && b));
      }
    }
  });
});

describe("time windows", () => {
  const weekdays = cond({ op: "time_window", days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "18:00", utc_offset: "+02:00" });
  const window = weekdays as Extract<Condition, { op: "time_window" }>;
  // 2024-01-01 is a Monday.
  const at = (day: number, h: number, m = 0) => Date.UTC(2024, 0, day, h, m);

  it("weekdays 09:00–18:00 at +02:00 opens at 07:00 UTC and closes at 16:00 UTC", () => {
    expect(inTimeWindow(window, at(1, 6, 59))).toBe(false);
    expect(inTimeWindow(window, at(1, 7, 0))).toBe(true);
    expect(inTimeWindow(window, at(1, 15, 59))).toBe(true);
    expect(inTimeWindow(window, at(1, 16, 0))).toBe(false);
  });

  it("is closed at the weekend in local time, even when UTC is still Friday", () => {
    expect(inTimeWindow(window, at(5, 10))).toBe(true); // Friday
    expect(inTimeWindow(window, at(6, 10))).toBe(false); // Saturday
    const lateFriday = { ...window, from: "00:00", to: "24:00", utc_offset: "+05:00" };
    expect(inTimeWindow(lateFriday, at(5, 20))).toBe(false); // 01:00 Saturday local
    expect(inTimeWindow(lateFriday, at(5, 18, 59))).toBe(true); // 23:59 Friday local
  });

  it("handles negative offsets", () => {
    const ny = { ...window, utc_offset: "-05:00" };
    expect(inTimeWindow(ny, at(1, 13, 59))).toBe(false);
    expect(inTimeWindow(ny, at(1, 14, 0))).toBe(true);
    expect(inTimeWindow(ny, at(1, 23, 0))).toBe(false);
  });

  it("wraps past midnight; the morning half belongs to the day the window opened", () => {
    const night = cond({ op: "time_window", days: ["mon"], from: "22:00", to: "06:00" }) as Extract<Condition, { op: "time_window" }>;
    expect(inTimeWindow(night, at(1, 23))).toBe(true); // Monday night
    expect(inTimeWindow(night, at(2, 5, 59))).toBe(true); // Tuesday early, opened Monday
    expect(inTimeWindow(night, at(2, 6))).toBe(false);
    expect(inTimeWindow(night, at(2, 23))).toBe(false); // Tuesday night
    expect(inTimeWindow(night, at(1, 3))).toBe(false); // Monday early, opened Sunday
    expect(inTimeWindow(night, at(1, 12))).toBe(false);
  });

  it("agrees with a brute-force minute count over a whole week", () => {
    let open = 0;
    for (let minute = 0; minute < 7 * 24 * 60; minute++) if (inTimeWindow(window, at(1, 0) + minute * 60_000)) open++;
    expect(open).toBe(5 * 9 * 60);
  });

  it("is false without a usable time, and reads environment.now through a condition", () => {
    expect(inTimeWindow(window, undefined)).toBe(false);
    expect(inTimeWindow(window, Number.NaN)).toBe(false);
    expect(evaluateCondition(weekdays, { ...request, environment: { now: at(3, 10) } })).toBe(true);
    expect(evaluateCondition(weekdays, { ...request, environment: { now: at(3, 20) } })).toBe(false);
    expect(evaluateCondition(weekdays, { ...request, environment: {} })).toBe(false);
  });
});
