import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../../src/detect/prng.ts";
import { alertFiring, alertResolved, isGroupEmpty, newGroup, parseSilence, tick, type Alert, type GroupNotification, type GroupState, type GroupTimings, type Silence } from "../../../src/alerting/index.ts";

const T = Date.UTC(2025, 0, 1);
const S = 1_000;
const timings: GroupTimings = { group_wait_s: 30, group_interval_s: 300, repeat_interval_s: 3_600 };
const alert = (id: string, severity: Alert["severity"] = "warning"): Alert => ({ id, metric: "m", tags: { region: "eu" }, severity });
const fresh = () => newGroup("rule1", '{region="eu"}', { region: "eu" }, T);
const ids = (n: GroupNotification) => ({ firing: n.firing.map((f) => f.alert.id), resolved: n.resolved.map((r) => r.alert.id) });

describe("grouping timings", () => {
  it("waits group_wait before the first notification and batches what arrived meanwhile", () => {
    let step = alertFiring(fresh(), alert("a"), T, timings);
    expect(step.nextWakeAt).toBe(T + 30 * S);
    step = alertFiring(step.state, alert("b"), T + 10 * S, timings);
    expect(step.nextWakeAt).toBe(T + 30 * S);
    expect(tick(step.state, T + 29 * S, timings).notifications).toEqual([]);
    const flushed = tick(step.state, T + 30 * S, timings);
    expect(flushed.notifications).toHaveLength(1);
    expect(ids(flushed.notifications[0]!)).toEqual({ firing: ["a", "b"], resolved: [] });
    expect(flushed.notifications[0]!.reason).toBe("initial");
    expect(flushed.nextWakeAt).toBe(T + 30 * S + 3_600 * S);
  });

  it("group_wait 0 notifies on the very next tick", () => {
    const step = alertFiring(fresh(), alert("a"), T, { ...timings, group_wait_s: 0 });
    expect(step.nextWakeAt).toBe(T);
    expect(step.notifications).toEqual([]);
    expect(tick(step.state, T, { ...timings, group_wait_s: 0 }).notifications).toHaveLength(1);
  });

  it("a change waits group_interval after the last flush; then both alerts are listed", () => {
    let s = tick(alertFiring(fresh(), alert("a"), T, timings).state, T + 30 * S, timings).state;
    const step = alertFiring(s, alert("b"), T + 40 * S, timings);
    expect(step.nextWakeAt).toBe(T + 330 * S);
    expect(tick(step.state, T + 329 * S, timings).notifications).toEqual([]);
    const n = tick(step.state, T + 330 * S, timings);
    expect(n.notifications[0]?.reason).toBe("changed");
    expect(ids(n.notifications[0]!)).toEqual({ firing: ["a", "b"], resolved: [] });
    s = n.state;
    expect(n.nextWakeAt).toBe(T + 330 * S + 3_600 * S);
  });

  it("a change long after the last flush is notified at once", () => {
    const s = tick(alertFiring(fresh(), alert("a"), T, timings).state, T + 30 * S, timings).state;
    const step = alertFiring(s, alert("b"), T + 1_000 * S, timings);
    expect(step.nextWakeAt).toBe(T + 330 * S);
    expect(tick(step.state, T + 1_000 * S, timings).notifications).toHaveLength(1);
  });

  it("repeats an unchanged firing group every repeat_interval", () => {
    let s = tick(alertFiring(fresh(), alert("a"), T, timings).state, T + 30 * S, timings);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      s = tick(s.state, s.nextWakeAt!, timings);
      times.push(s.notifications[0]!.at);
      expect(s.notifications[0]!.reason).toBe("repeat");
    }
    expect(times).toEqual([T + 3_630 * S, T + 7_230 * S, T + 10_830 * S]);
  });

  it("exactly one resolved, then the group is empty", () => {
    let s = tick(alertFiring(fresh(), alert("a"), T, timings).state, T + 30 * S, timings).state;
    s = alertResolved(s, "a", T + 60 * S, timings).state;
    s = alertResolved(s, "a", T + 61 * S, timings).state; // redelivered
    const n = tick(s, T + 330 * S, timings);
    expect(n.notifications.map(ids)).toEqual([{ firing: [], resolved: ["a"] }]);
    expect(n.notifications[0]!.resolved[0]!.resolvedAt).toBe(T + 60 * S);
    expect(n.nextWakeAt).toBeNull();
    expect(isGroupEmpty(n.state)).toBe(true);
    expect(tick(n.state, T + 10_000 * S, timings).notifications).toEqual([]);
  });

  it("no resolved for an alert that was never notified", () => {
    let step = alertFiring(fresh(), alert("a"), T, timings);
    step = alertResolved(step.state, "a", T + 5 * S, timings);
    expect(step.nextWakeAt).toBeNull();
    expect(tick(step.state, T + 30 * S, timings).notifications).toEqual([]);
  });

  it("an emptied group starts over with group_wait and new notification ids", () => {
    let s = tick(alertFiring(fresh(), alert("a"), T, timings).state, T + 30 * S, timings);
    const first = s.notifications[0]!.id;
    s = tick(alertResolved(s.state, "a", T + 40 * S, timings).state, T + 330 * S, timings);
    const again = alertFiring(s.state, alert("b"), T + 400 * S, timings);
    expect(again.nextWakeAt).toBe(T + 430 * S);
    const n = tick(again.state, T + 430 * S, timings).notifications[0]!;
    expect(n.reason).toBe("initial");
    expect(n.id).not.toBe(first);
  });

  it("firing the same alert twice changes nothing but its data", () => {
    const once = alertFiring(fresh(), alert("a"), T, timings);
    const twice = alertFiring(once.state, { ...alert("a"), severity: "critical" }, T + 5 * S, timings);
    expect(Object.keys(twice.state.alerts)).toEqual(["a"]);
    expect(twice.state.alerts.a?.firingSince).toBe(T);
    expect(twice.state.alerts.a?.alert.severity).toBe("critical");
  });
});

describe("inhibition and silences at flush", () => {
  it("a firing critical keeps the group's warning out until it resolves", () => {
    let s = alertFiring(fresh(), alert("w"), T, timings).state;
    s = alertFiring(s, alert("c", "critical"), T + 1 * S, timings).state;
    let n = tick(s, T + 30 * S, timings);
    expect(ids(n.notifications[0]!)).toEqual({ firing: ["c"], resolved: [] });
    n = tick(alertResolved(n.state, "c", T + 100 * S, timings).state, T + 330 * S, timings);
    expect(ids(n.notifications[0]!)).toEqual({ firing: ["w"], resolved: ["c"] });
  });

  it("a silenced alert is not notified while the silence lasts, then is", () => {
    const r = parseSilence({ matchers: [{ name: "metric", value: "m" }], starts_at: T, ends_at: T + 1_000 * S, comment: "maintenance", created_by: "ops" });
    if (!r.ok) throw new Error(r.reason);
    const silences = [r.silence];
    let n = tick(alertFiring(fresh(), alert("a"), T, timings).state, T + 30 * S, timings, { silences });
    expect(n.notifications).toEqual([]);
    expect(n.nextWakeAt).toBe(T + 330 * S);
    n = tick(n.state, T + 330 * S, timings, { silences });
    expect(n.notifications).toEqual([]);
    n = tick(n.state, T + 630 * S, timings, { silences });
    n = tick(n.state, T + 930 * S, timings, { silences });
    expect(n.notifications).toEqual([]);
    n = tick(n.state, T + 1_230 * S, timings, { silences });
    expect(n.notifications.map(ids)).toEqual([{ firing: ["a"], resolved: [] }]);
  });

  it("the resolution of a notified alert is sent even while silenced", () => {
    const r = parseSilence({ matchers: [{ name: "metric", value: "m" }], starts_at: T + 100 * S, ends_at: T + 10_000 * S, comment: "c", created_by: "ops" });
    if (!r.ok) throw new Error(r.reason);
    let s = tick(alertFiring(fresh(), alert("a"), T, timings).state, T + 30 * S, timings).state;
    s = alertResolved(s, "a", T + 200 * S, timings).state;
    const n = tick(s, T + 330 * S, timings, { silences: [r.silence] });
    expect(n.notifications.map(ids)).toEqual([{ firing: [], resolved: ["a"] }]);
  });
});

type Event = { at: number; kind: "fire" | "resolve"; id: string; severity: Alert["severity"] };

/** Drives a group like its Durable Object would: ticks at every nextWakeAt, events in between, JSON round trips. */
function drive(events: Event[], t: GroupTimings, horizon: number) {
  let state: GroupState = newGroup("r", "{}", {}, T);
  let wake: number | null = null;
  const out: GroupNotification[] = [];
  const flushUntil = (until: number) => {
    while (wake !== null && wake <= until) {
      const step = tick(state, wake, t);
      out.push(...step.notifications);
      state = JSON.parse(JSON.stringify(step.state));
      wake = step.nextWakeAt;
    }
  };
  for (const e of events) {
    flushUntil(e.at);
    const step = e.kind === "fire" ? alertFiring(state, alert(e.id, e.severity), e.at, t) : alertResolved(state, e.id, e.at, t);
    state = JSON.parse(JSON.stringify(step.state));
    wake = step.nextWakeAt;
  }
  flushUntil(horizon);
  return { out, state };
}

function randomEvents(seed: number): Event[] {
  const rnd = mulberry32(seed);
  const events: Event[] = [];
  let at = T;
  const firing = new Set<string>();
  for (let i = 0; i < 40; i++) {
    at += Math.floor(rnd() * 400) * S;
    if (firing.size > 0 && rnd() < 0.45) {
      const id = [...firing][Math.floor(rnd() * firing.size)]!;
      firing.delete(id);
      events.push({ at, kind: "resolve", id, severity: "info" });
    } else {
      const id = `a${i}`;
      firing.add(id);
      events.push({ at, kind: "fire", id, severity: rnd() < 0.2 ? "critical" : rnd() < 0.5 ? "warning" : "info" });
    }
  }
  for (const id of firing) events.push({ at: (at += 10 * S), kind: "resolve", id, severity: "info" });
  return events;
}

describe("grouping properties over random event sequences", () => {
  const configs: GroupTimings[] = [
    { group_wait_s: 0, group_interval_s: 60, repeat_interval_s: 600 },
    { group_wait_s: 30, group_interval_s: 300, repeat_interval_s: 3_600 },
    { group_wait_s: 120, group_interval_s: 10, repeat_interval_s: 45 },
  ];
  for (const [ci, t] of configs.entries()) {
    it(`config ${ci}: exactly-once resolution, spacing, determinism`, () => {
      for (let seed = 1; seed <= 60; seed++) {
        const events = randomEvents(seed * 31 + ci);
        const { out, state } = drive(events, t, events.at(-1)!.at + 100_000 * S);
        const notifiedFiring = new Set(out.flatMap((n) => n.firing.map((f) => f.alert.id)));
        const resolvedCounts = new Map<string, number>();
        for (const n of out) for (const r of n.resolved) resolvedCounts.set(r.alert.id, (resolvedCounts.get(r.alert.id) ?? 0) + 1);
        // Every alert notified as firing is resolved exactly once; no other alert is ever resolved.
        for (const id of notifiedFiring) expect(resolvedCounts.get(id)).toBe(1);
        for (const id of resolvedCounts.keys()) expect(notifiedFiring.has(id)).toBe(true);
        // A resolved alert is never reported firing afterwards.
        for (const [i, n] of out.entries()) for (const r of n.resolved) expect(out.slice(i + 1).some((m) => m.firing.some((f) => f.alert.id === r.alert.id))).toBe(false);
        // Nothing is notified before group_wait, and notifications are at least group_interval apart
        // (or separated by the restart of an emptied group).
        if (out[0]) expect(out[0].at).toBeGreaterThanOrEqual(T + t.group_wait_s * S);
        for (let i = 1; i < out.length; i++) {
          const gap = out[i]!.at - out[i - 1]!.at;
          if (out[i]!.reason !== "initial") expect(gap).toBeGreaterThanOrEqual(Math.min(t.group_interval_s, t.repeat_interval_s) * S);
        }
        // Ids are unique, and replaying the same events gives the same ids.
        expect(new Set(out.map((n) => n.id)).size).toBe(out.length);
        expect(drive(events, t, events.at(-1)!.at + 100_000 * S).out.map((n) => n.id)).toEqual(out.map((n) => n.id));
        // Everything resolved: the group ends empty.
        expect(isGroupEmpty(state)).toBe(true);
        // Each firing notification never lists a warning/info next to a critical.
        for (const n of out) {
          if (n.firing.some((f) => f.alert.severity === "critical")) expect(n.firing.every((f) => f.alert.severity === "critical")).toBe(true);
        }
      }
    });
  }
});
