import { DurableObject } from "cloudflare:workers";
import { alertFiring, alertResolved, isGroupEmpty, newGroup, nextWakeAt, routeAlert, tick, timingsOf, type Alert, type GroupNotification, type GroupState, type RoutableRule, type Silence } from "../src/alerting/index.ts";
import { allowRequest, closedBreaker, recordFailure, recordSuccess, type BreakerDecision, type BreakerState } from "../src/delivery/circuit-breaker.ts";
import type { AnomalyRecord } from "../src/series/anomaly.ts";
import type { SeriesEvent } from "../src/series/events.ts";
import * as workflows from "./alert-router-workflows.ts";
import { WORKFLOW_MIGRATION, type ActionDelivery, type ApprovalView } from "./alert-router-workflows.ts";
import { loadRouting, type RoutingRule } from "../workers/alerting/routing.ts";
import { readConfig } from "../workers/env.ts";
import { log } from "../workers/log.ts";
import { migrateSqlite } from "./sqlite-migrations.ts";

const MIGRATIONS = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE processed (event_id TEXT PRIMARY KEY, at INTEGER NOT NULL);
   CREATE TABLE alert_groups (alert_id TEXT PRIMARY KEY, group_ids TEXT NOT NULL);
   CREATE TABLE groups (id TEXT PRIMARY KEY, state TEXT NOT NULL, wake_at INTEGER);
   CREATE INDEX groups_by_wake ON groups (wake_at);
   CREATE TABLE outbox (id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL);
   CREATE TABLE breakers (channel_id TEXT PRIMARY KEY, state TEXT NOT NULL);`,
  WORKFLOW_MIGRATION,
] as const;

/** Event ids are remembered this long, so a redelivered queue message changes nothing. */
const PROCESSED_TTL_MS = 7 * 24 * 3_600_000;

/** A notification and where it goes: what the alarm hands to the deliveries queue. */
export interface DeliveryMessage {
  tenantId: string;
  /** A channel of the tenant, or (for a workflow's webhook step) a URL. */
  channelId?: string;
  url?: string;
  notification: GroupNotification<AnomalyRecord>;
  /** Set when a workflow step sent this; its outcome is reported back to the run. */
  workflow?: { runId: string; actionId: string };
}

type OutboxItem = { kind: "notification"; notification: GroupNotification<AnomalyRecord> } | { kind: "action"; action: ActionDelivery };

/**
 * One per tenant: the single writer of the tenant's alert groups (Alertmanager's
 * model: group_wait, group_interval, repeat_interval, silences, inhibition) and
 * of its delivery circuit breakers. Its alarm fires the groups that are due and
 * hands their notifications to the deliveries queue through an outbox.
 */
export class AlertRouter extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    readConfig(env);
    migrateSqlite(ctx.storage.sql, MIGRATIONS);
  }

  /** Takes anomaly and resolution events from the queue (at least once: each event id counts once). */
  async receive(tenantId: string, events: SeriesEvent[]): Promise<{ ok: true; fresh: number }> {
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO meta (key, value) VALUES ('tenant_id', ?)", tenantId);
    // Read the tenant's rules and silences before touching state: no await may split the update below.
    const { rules, silences } = await loadRouting(this.env, tenantId, Date.now());
    const now = Date.now();
    let fresh = 0;
    this.ctx.storage.transactionSync(() => {
      const touched = new Set<string>();
      for (const event of events) {
        if (!this.markProcessed(event.id, now)) continue;
        fresh += 1;
        // The whole anomaly travels with the alert, so notifications can be built without another read.
        if (event.kind === "anomaly") this.fire(rules, event.anomaly, now, touched);
        else this.resolve(rules, event.anomalyId, now, touched);
      }
      for (const id of touched) this.flushGroup(id, rules, silences, now);
    });
    await this.scheduleAlarm();
    return { ok: true, fresh };
  }

  /** Fires due groups, then sends pending notifications to the deliveries queue. */
  override async alarm(): Promise<void> {
    const tenantId = this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'tenant_id'").toArray()[0]?.value;
    if (!tenantId) return;
    const { rules, silences } = await loadRouting(this.env, tenantId, Date.now());
    const now = Date.now();
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      for (const { id } of sql.exec<{ id: string }>("SELECT id FROM groups WHERE wake_at <= ?", now).toArray()) this.flushGroup(id, rules, silences, now);
      workflows.tickRuns(sql, now, this.emitAction);
      sql.exec("DELETE FROM processed WHERE at < ?", now - PROCESSED_TTL_MS);
    });
    const byId = new Map(rules.map((r) => [r.id, r]));
    const pending = sql.exec<{ id: string; body: string }>("SELECT id, body FROM outbox ORDER BY created_at, id LIMIT 100").toArray();
    const messages: DeliveryMessage[] = [];
    for (const row of pending) {
      const item = JSON.parse(row.body) as OutboxItem;
      if (item.kind === "action") {
        const { target, notification, runId, actionId } = item.action;
        messages.push({ tenantId, ...target, notification, workflow: { runId, actionId } });
        continue;
      }
      // A rule deleted since the notification was born has nowhere to send it.
      for (const channelId of byId.get(item.notification.ruleId)?.channels ?? []) messages.push({ tenantId, channelId, notification: item.notification });
    }
    try {
      for (let i = 0; i < messages.length; i += 100) await this.env.DELIVERIES.sendBatch(messages.slice(i, i + 100).map((body) => ({ body })));
      for (const row of pending) sql.exec("DELETE FROM outbox WHERE id = ?", row.id);
    } catch (error) {
      log("warn", "alerts.enqueue_failed", { tenant_id: tenantId, error: String(error) });
      await this.ctx.storage.setAlarm(Date.now() + 1_000);
      return;
    }
    await this.scheduleAlarm();
  }

  /** A workflow step's delivery finished (delivered, or dead-lettered). */
  async workflowStepFinished(runId: string, actionId: string, ok: boolean, latencyMs: number): Promise<boolean> {
    let applied = false;
    this.ctx.storage.transactionSync(() => {
      applied = workflows.finishStep(this.ctx.storage.sql, runId, actionId, ok, latencyMs, Date.now(), this.emitAction);
    });
    await this.scheduleAlarm();
    return applied;
  }

  async decideApproval(approvalId: string, approved: boolean): Promise<"decided" | "not_found" | "not_pending"> {
    let outcome: "decided" | "not_found" | "not_pending" = "not_found";
    this.ctx.storage.transactionSync(() => {
      outcome = workflows.decide(this.ctx.storage.sql, approvalId, approved, Date.now(), this.emitAction);
    });
    await this.scheduleAlarm();
    return outcome;
  }

  async approvals(status?: ApprovalView["status"]): Promise<ApprovalView[]> {
    return workflows.listApprovals(this.ctx.storage.sql, status, Date.now());
  }

  async ruleStats(ruleId: string) {
    return workflows.ruleWorkflowStats(this.ctx.storage.sql, ruleId);
  }

  /** May a delivery to this channel go now? (Circuit breaker; a half-open breaker lets one probe through.) */
  async breakerAllow(channelId: string): Promise<BreakerDecision> {
    const decision = allowRequest(this.breaker(channelId), Date.now());
    this.saveBreaker(channelId, decision.state);
    return decision;
  }

  async breakerRecord(channelId: string, ok: boolean): Promise<BreakerState> {
    const state = ok ? recordSuccess(this.breaker(channelId)) : recordFailure(this.breaker(channelId), Date.now());
    this.saveBreaker(channelId, state);
    return state;
  }

  private fire(rules: RoutingRule[], alert: Alert, now: number, touched: Set<string>): void {
    const routes = routeAlert(rules, alert);
    for (const route of routes) {
      const state = this.group(route.groupId) ?? newGroup(route.rule.id, route.groupKey, route.groupLabels, now);
      this.saveGroup(route.groupId, alertFiring(state, alert, now, timingsOf(route.rule)).state, route.rule);
      touched.add(route.groupId);
    }
    if (routes.length > 0) this.ctx.storage.sql.exec("INSERT OR REPLACE INTO alert_groups (alert_id, group_ids) VALUES (?, ?)", alert.id, JSON.stringify(routes.map((r) => r.groupId)));
  }

  private resolve(rules: RoutingRule[], alertId: string, now: number, touched: Set<string>): void {
    const sql = this.ctx.storage.sql;
    const row = sql.exec<{ group_ids: string }>("SELECT group_ids FROM alert_groups WHERE alert_id = ?", alertId).toArray()[0];
    if (!row) return;
    for (const groupId of JSON.parse(row.group_ids) as string[]) {
      const state = this.group(groupId);
      const rule = state && rules.find((r) => r.id === state.ruleId);
      if (!state || !rule) continue;
      this.saveGroup(groupId, alertResolved(state, alertId, now, timingsOf(rule)).state, rule);
      touched.add(groupId);
    }
    sql.exec("DELETE FROM alert_groups WHERE alert_id = ?", alertId);
  }

  /** Ticks one group: its notification (if due) goes to the outbox in the same transaction. */
  private flushGroup(groupId: string, rules: RoutingRule[], silences: Silence[], now: number): void {
    const state = this.group(groupId);
    if (!state) return;
    const rule = rules.find((r) => r.id === state.ruleId);
    if (!rule) {
      this.ctx.storage.sql.exec("DELETE FROM groups WHERE id = ?", groupId);
      return;
    }
    const step = tick(state, now, timingsOf(rule), { silences });
    for (const n of step.notifications) {
      const notification = n as GroupNotification<AnomalyRecord>;
      this.addToOutbox(n.id, { kind: "notification", notification }, now);
      // A group's first notification starts the rule's workflow, if it has one.
      if (n.reason === "initial" && rule.steps) workflows.startRun(this.ctx.storage.sql, rule.id, rule.steps, notification, now, this.emitAction);
    }
    this.saveGroup(groupId, step.state, rule);
  }

  private readonly emitAction = (action: ActionDelivery): void => this.addToOutbox(action.actionId, { kind: "action", action }, Date.now());

  private addToOutbox(id: string, item: OutboxItem, now: number): void {
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO outbox (id, body, created_at) VALUES (?, ?, ?)", id, JSON.stringify(item), now);
  }

  private group(id: string): GroupState | null {
    const row = this.ctx.storage.sql.exec<{ state: string }>("SELECT state FROM groups WHERE id = ?", id).toArray()[0];
    return row ? (JSON.parse(row.state) as GroupState) : null;
  }

  private saveGroup(id: string, state: GroupState, rule: RoutableRule): void {
    const sql = this.ctx.storage.sql;
    if (isGroupEmpty(state)) {
      sql.exec("DELETE FROM groups WHERE id = ?", id);
      return;
    }
    sql.exec("INSERT OR REPLACE INTO groups (id, state, wake_at) VALUES (?, ?, ?)", id, JSON.stringify(state), nextWakeAt(state, timingsOf(rule)));
  }

  private markProcessed(eventId: string, now: number): boolean {
    return this.ctx.storage.sql.exec("INSERT OR IGNORE INTO processed (event_id, at) VALUES (?, ?)", eventId, now).rowsWritten > 0;
  }

  private breaker(channelId: string): BreakerState {
    const row = this.ctx.storage.sql.exec<{ state: string }>("SELECT state FROM breakers WHERE channel_id = ?", channelId).toArray()[0];
    return row ? (JSON.parse(row.state) as BreakerState) : closedBreaker();
  }

  private saveBreaker(channelId: string, state: BreakerState): void {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO breakers (channel_id, state) VALUES (?, ?)", channelId, JSON.stringify(state));
  }

  private async scheduleAlarm(): Promise<void> {
    const sql = this.ctx.storage.sql;
    const hasOutbox = sql.exec("SELECT 1 FROM outbox LIMIT 1").toArray().length > 0;
    const wakes = [sql.exec<{ at: number | null }>("SELECT min(wake_at) AS at FROM groups").one().at, workflows.nextRunWake(sql)].filter((t): t is number => t !== null);
    const at = hasOutbox ? Date.now() : wakes.length > 0 ? Math.min(...wakes) : null;
    if (at === null) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }
}
