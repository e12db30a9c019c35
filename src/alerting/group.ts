/**
 * Alert grouping for one (rule, group key), as a pure state machine in the
 * manner of Alertmanager's aggregation groups. The owner (a Durable Object)
 * persists `state` as JSON and sets one alarm at `nextWakeAt`.
 *
 * Events only change the state; `tick(now)` is the one place notifications are
 * born, so alerts arriving together leave in one notification:
 * - a new group waits `group_wait_s` before its first notification
 *   (0: `nextWakeAt` is `now`, the very next tick notifies);
 * - after a notification, a change (an alert not yet notified as firing, or a
 *   notified alert that resolved) is notified no sooner than `group_interval_s`
 *   after the last flush;
 * - an unchanged, still-firing group is notified again every `repeat_interval_s`;
 * - each alert notified as firing gets exactly one "resolved" once it resolves;
 *   an alert that resolves before it was ever notified is dropped silently;
 * - firing warnings/infos are inhibited while a critical of the group fires, and
 *   alerts muted by an active silence are left out (resolutions are always sent);
 * - notification ids are `stableId(rule, group key, origin alert, sequence)`, so
 *   replaying an event from the same persisted state yields the same ids.
 * A group with no alerts left has `nextWakeAt: null` and can be deleted.
 */
import { stableId } from "../ids.ts";
import { inhibitedIds } from "./inhibit.ts";
import type { Alert } from "./labels.ts";
import { isSilenced, type Silence } from "./silence.ts";

export interface GroupTimings {
  group_wait_s: number;
  group_interval_s: number;
  repeat_interval_s: number;
}

export interface GroupedAlert<A extends Alert = Alert> {
  alert: A;
  firingSince: number;
  resolvedAt: number | null;
  /** True once the alert went out in a firing notification. */
  notified: boolean;
}

export interface GroupState<A extends Alert = Alert> {
  v: 1;
  ruleId: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  /** First alert of this incarnation of the group; keeps notification ids unique if the group is recreated. */
  originId: string;
  createdAt: number;
  lastFlushAt: number | null;
  lastNotifiedAt: number | null;
  /** Ids notified as firing in the last notification. */
  lastNotifiedFiring: string[];
  sequence: number;
  alerts: Record<string, GroupedAlert<A>>;
}

export interface GroupNotification<A extends Alert = Alert> {
  id: string;
  ruleId: string;
  groupKey: string;
  groupLabels: Record<string, string>;
  sequence: number;
  at: number;
  reason: "initial" | "changed" | "repeat";
  firing: Array<{ alert: A; firingSince: number }>;
  resolved: Array<{ alert: A; firingSince: number; resolvedAt: number }>;
}

export interface GroupStep<A extends Alert = Alert> {
  state: GroupState<A>;
  notifications: GroupNotification<A>[];
  nextWakeAt: number | null;
}

export interface FlushContext {
  /** Silences to honour at this flush (inactive ones are ignored). */
  silences?: readonly Silence[];
  /** Labels a critical must share with a warning to inhibit it (default: the whole group). */
  inhibitEqual?: readonly string[];
}

const SECOND = 1_000;

/** A new, empty group. */
export function newGroup<A extends Alert = Alert>(ruleId: string, groupKey: string, groupLabels: Record<string, string>, now: number): GroupState<A> {
  return { v: 1, ruleId, groupKey, groupLabels, originId: "", createdAt: now, lastFlushAt: null, lastNotifiedAt: null, lastNotifiedFiring: [], sequence: 0, alerts: {} };
}

/** An alert fires (or fires again, with fresher data). Idempotent. */
export function alertFiring<A extends Alert>(state: GroupState<A>, alert: A, now: number, timings: GroupTimings): GroupStep<A> {
  let next: GroupState<A> = { ...state, alerts: { ...state.alerts } };
  if (Object.keys(next.alerts).length === 0) {
    // An emptied group starts over: it waits group_wait again, like a new Alertmanager group.
    next = { ...newGroup<A>(state.ruleId, state.groupKey, state.groupLabels, now), sequence: state.sequence, originId: alert.id };
  }
  const existing = next.alerts[alert.id];
  next.alerts[alert.id] = existing ? { ...existing, alert, resolvedAt: null } : { alert, firingSince: now, resolvedAt: null, notified: false };
  return { state: next, notifications: [], nextWakeAt: nextWakeAt(next, timings) };
}

/** An alert resolves. Unknown or already resolved ids change nothing. */
export function alertResolved<A extends Alert>(state: GroupState<A>, alertId: string, now: number, timings: GroupTimings): GroupStep<A> {
  const entry = state.alerts[alertId];
  if (!entry || entry.resolvedAt !== null) return { state, notifications: [], nextWakeAt: nextWakeAt(state, timings) };
  const alerts = { ...state.alerts };
  if (entry.notified) alerts[alertId] = { ...entry, resolvedAt: now };
  else delete alerts[alertId];
  const next = { ...state, alerts };
  return { state: next, notifications: [], nextWakeAt: nextWakeAt(next, timings) };
}

/** Time passes: flushes the group if it is due, returning at most one notification. */
export function tick<A extends Alert>(state: GroupState<A>, now: number, timings: GroupTimings, context: FlushContext = {}): GroupStep<A> {
  const due = nextWakeAt(state, timings);
  if (due === null || now < due) return { state, notifications: [], nextWakeAt: due };

  const entries = Object.values(state.alerts).sort((a, b) => (a.alert.id < b.alert.id ? -1 : a.alert.id > b.alert.id ? 1 : 0));
  const firing = entries.filter((e) => e.resolvedAt === null);
  const inhibited = inhibitedIds(
    firing.map((e) => e.alert),
    context.inhibitEqual,
  );
  const notifiable = firing.filter((e) => !inhibited.has(e.alert.id) && !isSilenced(context.silences ?? [], e.alert, now));
  const resolved = entries.filter((e) => e.resolvedAt !== null);
  const lastFiring = new Set(state.lastNotifiedFiring);

  let reason: GroupNotification["reason"] | null = null;
  if (state.lastNotifiedAt === null) {
    if (notifiable.length > 0) reason = "initial";
  } else if (notifiable.some((e) => !lastFiring.has(e.alert.id)) || resolved.length > 0) {
    reason = "changed";
  } else if (notifiable.length > 0 && now >= state.lastNotifiedAt + repeatMs(timings)) {
    reason = "repeat";
  }

  const flushed: GroupState<A> = { ...state, lastFlushAt: now };
  if (reason === null) return { state: flushed, notifications: [], nextWakeAt: nextWakeAt(flushed, timings) };

  const sequence = state.sequence + 1;
  const notification: GroupNotification<A> = {
    id: stableId("ntf", state.ruleId, state.groupKey, state.originId, sequence),
    ruleId: state.ruleId,
    groupKey: state.groupKey,
    groupLabels: state.groupLabels,
    sequence,
    at: now,
    reason,
    firing: notifiable.map((e) => ({ alert: e.alert, firingSince: e.firingSince })),
    resolved: resolved.map((e) => ({ alert: e.alert, firingSince: e.firingSince, resolvedAt: e.resolvedAt ?? now })),
  };
  const alerts = { ...state.alerts };
  for (const e of notifiable) alerts[e.alert.id] = { ...e, notified: true };
  for (const e of resolved) delete alerts[e.alert.id];
  const next: GroupState<A> = {
    ...flushed,
    alerts,
    sequence,
    lastNotifiedAt: now,
    lastNotifiedFiring: notifiable.map((e) => e.alert.id),
  };
  return { state: next, notifications: [notification], nextWakeAt: nextWakeAt(next, timings) };
}

/** When the group next needs a tick, or null when it holds no alerts. */
export function nextWakeAt(state: GroupState<Alert>, timings: GroupTimings): number | null {
  const entries = Object.values(state.alerts);
  if (entries.length === 0) return null;
  if (state.lastFlushAt === null) return state.createdAt + Math.max(0, timings.group_wait_s) * SECOND;
  const lastFiring = new Set(state.lastNotifiedFiring);
  const changed = entries.some((e) => (e.resolvedAt === null ? !lastFiring.has(e.alert.id) : true));
  const earliest = state.lastFlushAt + intervalMs(timings);
  if (changed) return earliest;
  return Math.max(earliest, (state.lastNotifiedAt ?? state.lastFlushAt) + repeatMs(timings));
}

/** True when the group holds no alerts and its state can be deleted. */
export function isGroupEmpty(state: GroupState<Alert>): boolean {
  return Object.keys(state.alerts).length === 0;
}

// Intervals below one second would let a group with muted alerts wake in a tight loop.
function intervalMs(t: GroupTimings): number {
  return Math.max(1, t.group_interval_s) * SECOND;
}

function repeatMs(t: GroupTimings): number {
  return Math.max(1, t.repeat_interval_s) * SECOND;
}
