import type { GroupNotification } from "../src/alerting/index.ts";
import { emptyStats, recordAttempt, summarizeStats, type DeliveryStats } from "../src/delivery/stats.ts";
import type { AnomalyRecord } from "../src/series/anomaly.ts";
import { approvalDecided, startWorkflow, stepFinished, tick as tickWorkflow, wakeOf, type Outcome, type WorkflowAction, type WorkflowState, type WorkflowStep, type WorkflowStepResult, type WorkflowSteps } from "../src/workflows/index.ts";

// Rule workflows inside the AlertRouter: runs, approvals and per-step stats in
// its SQLite; the runner itself is pure (src/workflows). Only the AlertRouter
// calls these, inside its own transactions.

export const WORKFLOW_MIGRATION = `CREATE TABLE runs (id TEXT PRIMARY KEY, rule_id TEXT NOT NULL, notification TEXT NOT NULL, state TEXT NOT NULL, wake_at INTEGER, created_at INTEGER NOT NULL);
   CREATE INDEX runs_by_wake ON runs (wake_at);
   CREATE TABLE approvals (id TEXT PRIMARY KEY, run_id TEXT NOT NULL, step_index INTEGER NOT NULL, step TEXT NOT NULL, expires_at INTEGER NOT NULL,
     status TEXT NOT NULL, decided_at INTEGER, created_at INTEGER NOT NULL);
   CREATE TABLE step_stats (rule_id TEXT NOT NULL, step_index INTEGER NOT NULL, stats TEXT NOT NULL, PRIMARY KEY (rule_id, step_index));`;

/** Something a workflow step sends: to a channel, or to a step's own webhook URL. */
export type ActionTarget = { channelId: string } | { url: string };

/** An action the router must hand to the deliveries queue (through its outbox). */
export interface ActionDelivery {
  runId: string;
  actionId: string;
  ruleId: string;
  stepIndex: number;
  target: ActionTarget;
  notification: GroupNotification<AnomalyRecord>;
}

export interface ApprovalView {
  id: string;
  run_id: string;
  rule_id: string;
  step_index: number;
  step: WorkflowStep;
  status: "pending" | "approved" | "denied" | "expired";
  expires_at: string;
  decided_at: string | null;
  created_at: string;
}

type Emit = (delivery: ActionDelivery) => void;

/** Starts a rule's workflow for a group's first notification. The run id is the notification id: a replay starts nothing new. */
export function startRun(sql: SqlStorage, ruleId: string, steps: WorkflowSteps, notification: GroupNotification<AnomalyRecord>, now: number, emit: Emit): void {
  if (sql.exec("SELECT 1 FROM runs WHERE id = ?", notification.id).toArray().length > 0) return;
  sql.exec("INSERT INTO runs (id, rule_id, notification, state, wake_at, created_at) VALUES (?, ?, ?, '{}', NULL, ?)", notification.id, ruleId, JSON.stringify(notification), now);
  apply(sql, notification.id, startWorkflow(steps, notification.id, now), now, emit);
}

/** An executed step's result, reported by the deliveries consumer. */
export function finishStep(sql: SqlStorage, runId: string, actionId: string, ok: boolean, latencyMs: number, now: number, emit: Emit): boolean {
  const run = loadRun(sql, runId);
  if (!run) return false;
  const pending = run.state.pending;
  if (pending?.kind === "action" && pending.actionId === actionId) recordStep(sql, run.ruleId, pending.stepIndex, ok, latencyMs);
  const outcome: Outcome = ok ? "success" : "failure";
  return apply(sql, runId, stepFinished(run.state, actionId, outcome, now), now, emit);
}

/** A person's decision on a pending approval: "decided", or why it could not be taken. */
export function decide(sql: SqlStorage, approvalId: string, approved: boolean, now: number, emit: Emit): "decided" | "not_found" | "not_pending" {
  const row = sql.exec<{ run_id: string; status: string; expires_at: number }>("SELECT run_id, status, expires_at FROM approvals WHERE id = ?", approvalId).toArray()[0];
  if (!row) return "not_found";
  if (row.status !== "pending" || row.expires_at <= now) return "not_pending";
  const run = loadRun(sql, row.run_id);
  if (!run) return "not_found";
  sql.exec("UPDATE approvals SET status = ?, decided_at = ? WHERE id = ?", approved ? "approved" : "denied", now, approvalId);
  apply(sql, row.run_id, approvalDecided(run.state, approvalId, approved, now), now, emit);
  return "decided";
}

/** Waits that ended, approvals that expired, actions that never reported back. */
export function tickRuns(sql: SqlStorage, now: number, emit: Emit): void {
  for (const { id } of sql.exec<{ id: string }>("SELECT id FROM runs WHERE wake_at <= ?", now).toArray()) {
    const run = loadRun(sql, id);
    if (run) apply(sql, id, tickWorkflow(run.state, now), now, emit);
  }
  sql.exec("UPDATE approvals SET status = 'expired' WHERE status = 'pending' AND expires_at <= ?", now);
}

export function nextRunWake(sql: SqlStorage): number | null {
  return sql.exec<{ at: number | null }>("SELECT min(wake_at) AS at FROM runs").one().at;
}

export function listApprovals(sql: SqlStorage, status: ApprovalView["status"] | undefined, now: number): ApprovalView[] {
  const rows = sql
    .exec<{ id: string; run_id: string; rule_id: string; step_index: number; step: string; status: string; expires_at: number; decided_at: number | null; created_at: number }>(
      `SELECT a.*, r.rule_id FROM approvals a JOIN runs r ON r.id = a.run_id ORDER BY a.created_at DESC LIMIT 500`,
    )
    .toArray();
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return rows
    .map((r) => ({
      id: r.id,
      run_id: r.run_id,
      rule_id: r.rule_id,
      step_index: r.step_index,
      step: JSON.parse(r.step) as WorkflowStep,
      status: (r.status === "pending" && r.expires_at <= now ? "expired" : r.status) as ApprovalView["status"],
      expires_at: iso(r.expires_at)!,
      decided_at: iso(r.decided_at),
      created_at: iso(r.created_at)!,
    }))
    .filter((a) => status === undefined || a.status === status);
}

/** Per-step success rate and latency of a rule's workflow, and its recent runs. */
export function ruleWorkflowStats(sql: SqlStorage, ruleId: string) {
  const steps = sql
    .exec<{ step_index: number; stats: string }>("SELECT step_index, stats FROM step_stats WHERE rule_id = ? ORDER BY step_index", ruleId)
    .toArray()
    .map((r) => ({ step_index: r.step_index, ...summarizeStats(JSON.parse(r.stats) as DeliveryStats) }));
  const runs = sql
    .exec<{ id: string; state: string; created_at: number }>("SELECT id, state, created_at FROM runs WHERE rule_id = ? ORDER BY created_at DESC LIMIT 20", ruleId)
    .toArray()
    .map((r) => {
      const state = JSON.parse(r.state) as WorkflowState;
      return { id: r.id, status: state.status, started_at: new Date(r.created_at).toISOString(), history: state.history };
    });
  return { steps, runs };
}

function loadRun(sql: SqlStorage, runId: string): { ruleId: string; state: WorkflowState; notification: GroupNotification<AnomalyRecord> } | null {
  const row = sql.exec<{ rule_id: string; state: string; notification: string }>("SELECT rule_id, state, notification FROM runs WHERE id = ?", runId).toArray()[0];
  return row ? { ruleId: row.rule_id, state: JSON.parse(row.state) as WorkflowState, notification: JSON.parse(row.notification) as GroupNotification<AnomalyRecord> } : null;
}

/** Saves a runner step and turns its actions into deliveries and approvals. False when the event did not apply. */
function apply(sql: SqlStorage, runId: string, result: WorkflowStepResult, now: number, emit: Emit): boolean {
  if (result.ignored) return false;
  const run = sql.exec<{ rule_id: string; notification: string }>("SELECT rule_id, notification FROM runs WHERE id = ?", runId).one();
  sql.exec("UPDATE runs SET state = ?, wake_at = ? WHERE id = ?", JSON.stringify(result.state), wakeOf(result.state), runId);
  for (const action of result.actions) handle(sql, run.rule_id, JSON.parse(run.notification) as GroupNotification<AnomalyRecord>, runId, action, now, emit);
  return true;
}

function handle(sql: SqlStorage, ruleId: string, notification: GroupNotification<AnomalyRecord>, runId: string, action: WorkflowAction, now: number, emit: Emit): void {
  if (action.type === "execute") {
    const target: ActionTarget = action.step.type === "webhook" ? { url: action.step.url } : { channelId: action.step.channel };
    emit({ runId, actionId: action.actionId, ruleId, stepIndex: action.stepIndex, target, notification });
  } else if (action.type === "request_approval") {
    sql.exec(
      "INSERT OR IGNORE INTO approvals (id, run_id, step_index, step, expires_at, status, decided_at, created_at) VALUES (?, ?, ?, ?, ?, 'pending', NULL, ?)",
      action.approvalId,
      runId,
      action.stepIndex,
      JSON.stringify(action.step),
      action.expiresAt,
      now,
    );
  }
}

function recordStep(sql: SqlStorage, ruleId: string, stepIndex: number, ok: boolean, latencyMs: number): void {
  const row = sql.exec<{ stats: string }>("SELECT stats FROM step_stats WHERE rule_id = ? AND step_index = ?", ruleId, stepIndex).toArray()[0];
  const stats = recordAttempt(row ? (JSON.parse(row.stats) as DeliveryStats) : emptyStats(), ok, latencyMs);
  sql.exec("INSERT OR REPLACE INTO step_stats (rule_id, step_index, stats) VALUES (?, ?, ?)", ruleId, stepIndex, JSON.stringify(stats));
}
