import { describe, expect, it } from "vitest";
import { SCOPES } from "../../../src/api-keys.ts";
import { mulberry32 } from "../../../src/detect/prng.ts";
import { decide } from "../../../src/policy/decide.ts";
import type { AccessRequest, Resource, Subject } from "../../../src/policy/request.ts";
import { ACTIONS, DEFAULT_ROLE_TABLE, DEFAULT_SCOPE_TABLE, ROLES, roleAtLeast, type Role } from "../../../src/policy/roles.ts";
import { PolicySchema, type Policy } from "../../../src/policy/schema.ts";

const NOW = Date.UTC(2024, 0, 3, 10, 0);
const policy = (p: Record<string, unknown>): Policy => PolicySchema.parse({ actions: ["*"], ...p });
const req = (subject: Subject, action: string, resource: Resource = { type: action.split(".")[0]!, id: "x_1" }): AccessRequest => ({ subject, action, resource, environment: { now: NOW } });
const user = (role: Role, extra: Partial<Subject> = {}): Subject => ({ id: `usr_${role}`, type: "user", role, ...extra });

describe("the default role table", () => {
  it("orders the roles: each holds every permission of the roles below it", () => {
    for (const lower of ROLES) for (const higher of ROLES) {
      if (!roleAtLeast(higher, lower)) continue;
      for (const action of DEFAULT_ROLE_TABLE[lower]) expect(DEFAULT_ROLE_TABLE[higher], `${higher} ⊇ ${lower}: ${action}`).toContain(action);
    }
  });

  it("gives the owner every known action and each lower role strictly less", () => {
    expect([...DEFAULT_ROLE_TABLE.owner].sort()).toEqual([...ACTIONS].sort());
    expect(DEFAULT_ROLE_TABLE.admin.length).toBeLessThan(DEFAULT_ROLE_TABLE.owner.length);
    expect(DEFAULT_ROLE_TABLE.member.length).toBeLessThan(DEFAULT_ROLE_TABLE.admin.length);
    expect(DEFAULT_ROLE_TABLE.viewer.length).toBeLessThan(DEFAULT_ROLE_TABLE.member.length);
  });

  it("names every action resource.verb, once", () => {
    expect(new Set(ACTIONS).size).toBe(ACTIONS.length);
    for (const action of ACTIONS) expect(action).toMatch(/^[a-z_]+\.[a-z_]+$/);
  });

  it.each([
    ["viewer", "anomaly.read", true],
    ["viewer", "rule.create", false],
    ["viewer", "audit.read", false],
    ["member", "rule.create", true],
    ["member", "api_key.revoke", false],
    ["admin", "api_key.revoke", true],
    ["admin", "audit.read", true],
    ["admin", "tenant.export", true],
    ["admin", "user.erase", false],
    ["owner", "user.erase", true],
    ["owner", "tenant.delete", true],
  ] as const)("%s may %s: %s", (role, action, allowed) => {
    const decision = decide(req(user(role), action), []);
    expect(decision.allowed).toBe(allowed);
    expect(decision.matched).toBe(allowed ? `role:${role}` : null);
  });
});

describe("API-key scopes", () => {
  const key = (...scopes: (typeof SCOPES)[number][]): Subject => ({ id: "key_1", type: "api_key", scopes });

  it("translate ingest, read and admin to permission sets", () => {
    expect(decide(req(key("ingest"), "metric.ingest"), [])).toMatchObject({ allowed: true, matched: "scope:ingest" });
    expect(decide(req(key("ingest"), "anomaly.read"), []).allowed).toBe(false);
    expect(decide(req(key("read"), "anomaly.read"), [])).toMatchObject({ allowed: true, matched: "scope:read" });
    expect(decide(req(key("read"), "audit.read"), []).allowed).toBe(true);
    expect(decide(req(key("read"), "rule.create"), []).allowed).toBe(false);
    expect(decide(req(key("read"), "metric.ingest"), []).allowed).toBe(false);
    expect(decide(req(key("admin"), "rule.create"), []).allowed).toBe(true);
    expect(decide(req(key("admin"), "api_key.revoke"), []).allowed).toBe(true);
  });

  it("keep the old rule that admin implies every scope", () => {
    for (const scope of SCOPES) for (const action of DEFAULT_SCOPE_TABLE[scope]) {
      expect(decide(req(key("admin"), action), []).allowed, `${scope}: ${action}`).toBe(true);
    }
  });

  it("never reach owner-only actions", () => {
    for (const action of ["user.erase", "tenant.delete", "billing.manage"]) expect(decide(req(key(...SCOPES), action), []).allowed).toBe(false);
  });

  it("a key with no scopes may do nothing", () => {
    for (const action of ACTIONS) expect(decide(req(key(), action), []).allowed).toBe(false);
  });

  it("a key carrying its owner's role gets the intersection", () => {
    const viewerKey: Subject = { id: "key_2", type: "api_key", role: "viewer", scopes: ["admin"] };
    expect(decide(req(viewerKey, "anomaly.read"), []).allowed).toBe(true);
    expect(decide(req(viewerKey, "rule.create"), []).allowed).toBe(false);
    const ownerIngestKey: Subject = { id: "key_3", type: "api_key", role: "owner", scopes: ["ingest"] };
    expect(decide(req(ownerIngestKey, "metric.ingest"), []).allowed).toBe(true);
    expect(decide(req(ownerIngestKey, "rule.read"), []).allowed).toBe(false);
  });

  it("policies apply to keys too", () => {
    const noKeysDeleting = policy({ id: "no-key-deletes", effect: "deny", actions: ["*.delete", "*.revoke"], condition: { op: "eq", attr: "subject.type", value: "api_key" } });
    expect(decide(req(key("admin"), "rule.delete"), [noKeysDeleting])).toMatchObject({ allowed: false, matched: "no-key-deletes" });
    expect(decide(req(user("admin"), "rule.delete"), [noKeysDeleting]).allowed).toBe(true);
  });
});

describe("policies", () => {
  it("default deny: no role, no scopes, no policy", () => {
    expect(decide(req({ id: "anon" }, "anomaly.read"), [])).toEqual({ allowed: false, reason: "nothing grants anomaly.read on anomaly:x_1 (default deny)", matched: null });
  });

  it("an allow policy grants beyond the role", () => {
    const p = policy({ id: "viewers-ack", effect: "allow", actions: ["anomaly.acknowledge"] });
    expect(decide(req(user("viewer"), "anomaly.acknowledge"), [p])).toMatchObject({ allowed: true, matched: "viewers-ack" });
  });

  it("deny overrides allow at equal priority, including the role grant at priority 0", () => {
    const allow = policy({ id: "a", effect: "allow", priority: 5 });
    const deny = policy({ id: "z", effect: "deny", priority: 5 });
    expect(decide(req(user("owner"), "rule.read"), [allow, deny])).toMatchObject({ allowed: false, matched: "z" });
    expect(decide(req(user("owner"), "rule.read"), [deny, allow])).toMatchObject({ allowed: false, matched: "z" });
    expect(decide(req(user("owner"), "rule.read"), [policy({ id: "d0", effect: "deny" })])).toMatchObject({ allowed: false, matched: "d0" });
  });

  it("higher priority wins either way", () => {
    const deny = policy({ id: "deny", effect: "deny", priority: 1 });
    const allow = policy({ id: "allow", effect: "allow", priority: 2 });
    expect(decide(req(user("viewer"), "rule.delete"), [deny, allow])).toMatchObject({ allowed: true, matched: "allow" });
    expect(decide(req(user("viewer"), "rule.delete"), [deny, { ...allow, priority: 1 }]).allowed).toBe(false);
    // A negative-priority deny loses to the role grant.
    expect(decide(req(user("viewer"), "rule.read"), [{ ...deny, priority: -1 }])).toMatchObject({ allowed: true, matched: "role:viewer" });
  });

  it("matches resources by <type>:<id> glob and collections by an empty id", () => {
    const onlyProd = policy({ id: "prod", effect: "deny", actions: ["rule.*"], resources: ["rule:prod_*"] });
    expect(decide(req(user("admin"), "rule.delete", { type: "rule", id: "prod_1" }), [onlyProd]).allowed).toBe(false);
    expect(decide(req(user("admin"), "rule.delete", { type: "rule", id: "dev_1" }), [onlyProd]).allowed).toBe(true);
    const creating = policy({ id: "no-new-rules", effect: "deny", actions: ["rule.create"], resources: ["rule:"] });
    expect(decide(req(user("admin"), "rule.create", { type: "rule" }), [creating]).allowed).toBe(false);
  });

  it("conditions decide whether a policy applies: office hours, ownership", () => {
    const officeHours = policy({ id: "office-hours", effect: "deny", priority: 10, actions: ["api_key.*"], condition: { op: "not", of: { op: "time_window", days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "18:00", utc_offset: "+01:00" } } });
    const at = (now: number) => ({ ...req(user("admin"), "api_key.create", { type: "api_key", id: "" }), environment: { now } });
    expect(decide(at(NOW), [officeHours]).allowed).toBe(true); // Wednesday 11:00 local
    expect(decide(at(Date.UTC(2024, 0, 6, 10)), [officeHours])).toMatchObject({ allowed: false, matched: "office-hours" }); // Saturday
    const ownRules = policy({ id: "own-rules", effect: "allow", actions: ["rule.delete"], condition: { op: "eq", attr: "subject.id", value: { attr: "resource.owner_id" } } });
    const mine = { type: "rule", id: "r1", owner_id: "usr_member" };
    expect(decide(req(user("member"), "rule.delete", mine), [ownRules]).allowed).toBe(true);
    expect(decide(req(user("member"), "rule.delete", { ...mine, owner_id: "usr_other" }), [ownRules]).allowed).toBe(false);
  });

  it("refuses across tenants whatever grants it", () => {
    const everything = policy({ id: "all", effect: "allow", priority: 1000 });
    const r = req(user("owner", { tenant_id: "t1" }), "rule.read", { type: "rule", id: "r", tenant_id: "t2" });
    expect(decide(r, [everything])).toMatchObject({ allowed: false, matched: null });
    const same = req(user("owner", { tenant_id: "t1" }), "rule.read", { type: "rule", id: "r", tenant_id: "t1" });
    expect(decide(same, []).allowed).toBe(true);
  });

  it("is deterministic when several denies tie: the smallest id is named", () => {
    const ps = [policy({ id: "b", effect: "deny" }), policy({ id: "a", effect: "deny" })];
    expect(decide(req(user("owner"), "rule.read"), ps).matched).toBe("a");
  });
});

// ---- properties over random policy sets and requests ----

function randomWorld(seed: number) {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const actionGlobs = ["*", "rule.*", "*.read", "anomaly.read", "api_key.revoke", "user.*", "rule.create", "*.delete"];
  const resourceGlobs = ["*", "rule:*", "anomaly:*", "rule:r1", "*:r2"];
  const conditions = [undefined, { op: "eq", attr: "subject.department", value: "finance" }, { op: "not", of: { op: "eq", attr: "subject.department", value: "finance" } }, { op: "gte", attr: "subject.role_rank", value: 3 }, { op: "time_window", from: "09:00", to: "17:00" }, { op: "in", attr: "environment.country", value: ["DE"] }];
  const randomPolicy = (i: number, effect?: "allow" | "deny"): Policy =>
    policy({ id: `p${seed}_${i}`, effect: effect ?? pick(["allow", "deny"] as const), priority: Math.floor(rnd() * 7) - 3, actions: [pick(actionGlobs)], resources: [pick(resourceGlobs)], condition: pick(conditions) });
  const policies = Array.from({ length: Math.floor(rnd() * 6) }, (_, i) => randomPolicy(i));
  const randomRequest = (): AccessRequest => {
    const action = pick([...ACTIONS]);
    const subject: Subject = rnd() < 0.7 ? user(pick(ROLES), { department: pick(["finance", "ops"]) }) : { id: "key", type: "api_key", scopes: SCOPES.filter(() => rnd() < 0.5) };
    return { subject, action, resource: { type: action.split(".")[0]!, id: pick(["r1", "r2", ""]) }, environment: { now: NOW + Math.floor(rnd() * 86_400_000), country: pick(["DE", "US"]) } };
  };
  return { policies, randomPolicy, randomRequest };
}

describe("properties", () => {
  it("adding a deny never grants anything", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const { policies, randomPolicy, randomRequest } = randomWorld(seed);
      const deny = randomPolicy(99, "deny");
      for (let i = 0; i < 20; i++) {
        const r = randomRequest();
        if (decide(r, [...policies, deny]).allowed) expect(decide(r, policies).allowed, JSON.stringify({ r, policies, deny })).toBe(true);
      }
    }
  });

  it("adding an allow never takes anything away", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const { policies, randomPolicy, randomRequest } = randomWorld(seed);
      const allow = randomPolicy(99, "allow");
      for (let i = 0; i < 20; i++) {
        const r = randomRequest();
        if (decide(r, policies).allowed) expect(decide(r, [...policies, allow]).allowed).toBe(true);
      }
    }
  });

  it("default deny: with no role, no scopes and only deny policies nothing is allowed", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const { randomPolicy, randomRequest } = randomWorld(seed);
      const denies = [randomPolicy(1, "deny"), randomPolicy(2, "deny")];
      const r = { ...randomRequest(), subject: { id: "nobody" } };
      expect(decide(r, denies).allowed).toBe(false);
      expect(decide(r, []).matched).toBe(null);
    }
  });

  it("the decision equals the effect of the highest-priority applicable rule, deny first on ties", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const { policies, randomPolicy, randomRequest } = randomWorld(seed);
      const r = randomRequest();
      const d = decide(r, policies);
      // An unconditional policy above everything else always decides.
      const top = randomPolicy(100);
      const boss: Policy = { ...top, actions: ["*"], resources: ["*"], condition: undefined, priority: 1000 };
      expect(decide(r, [...policies, boss])).toMatchObject({ allowed: boss.effect === "allow", matched: boss.id });
      // One below everything decides only when nothing else applies.
      const floor: Policy = { ...boss, id: "floor", priority: -1000 };
      const withFloor = decide(r, [...policies, floor]);
      if (d.matched !== null) expect(withFloor).toEqual(d);
      else expect(withFloor).toMatchObject({ allowed: floor.effect === "allow", matched: "floor" });
    }
  });

  it("the order of the policy list does not matter", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const { policies, randomRequest } = randomWorld(seed);
      const r = randomRequest();
      expect(decide(r, [...policies].reverse())).toEqual(decide(r, policies));
    }
  });
});
