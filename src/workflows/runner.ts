/**
 * The workflow runner: an event-driven, pure state machine. The owner (a
 * Durable Object) persists `state` as JSON, carries out `actions`, and sets one
 * alarm at `nextWakeAt` to call `tick`.
 *
 *   startWorkflow(steps, runId, now)              → first actions
 *   stepFinished(state, actionId, outcome, now)   → an `execute` action's result
 *   approvalDecided(state, approvalId, approved, now)
 *   tick(state, now)                              → waits end, approvals expire, silent actions time out
 *   cancelWorkflow(state, now)
 *
 * Semantics: see schema.ts for `on`, `risky` and `rollback`. A workflow whose
 * last outcome is a failure (a failed, timed-out, denied or expired step that no
 * later step recovered from) runs its rollback steps, each regardless of the
 * others, and ends `rolled_back` or `rollback_failed`; otherwise it ends
 * `succeeded` (or `failed` when it has no rollback steps).
 * Action and approval ids are `stableId(runId, step index)`: a redelivered event
 * for a step that is no longer pending is ignored, never run twice.
 */
import { stableId } from "../ids.ts";
import { isActionStep, type ActionStep, type WorkflowStep } from "./schema.ts";

export type Outcome = "success" | "failure";
export type StepResult = "success" | "failure" | "skipped" | "denied" | "expired" | "timeout" | "cancelled";
export type WorkflowStatus = "running" | "succeeded" | "failed" | "rolled_back" | "rollback_failed" | "cancelled";

export type Pending =
  | { kind: "action"; actionId: string; stepIndex: number; startedAt: number; deadline: number }
  | { kind: "wait"; stepIndex: number; until: number }
  | { kind: "approval"; approvalId: string; stepIndex: number; expiresAt: number; gatesAction: boolean };

export interface WorkflowState {
  v: 1;
  runId: string;
  steps: WorkflowStep[];
  stepTimeoutMs: number;
  status: WorkflowStatus;
  phase: "main" | "rollback";
  /** Position in the current phase's list of step indexes. */
  cursor: number;
  lastOutcome: Outcome;
  rollbackFailures: number;
  pending: Pending | null;
  history: Array<{ stepIndex: number; type: WorkflowStep["type"]; phase: "main" | "rollback"; result: StepResult; at: number }>;
  startedAt: number;
  finishedAt: number | null;
}

export type WorkflowAction =
  | { type: "execute"; actionId: string; stepIndex: number; step: ActionStep; phase: "main" | "rollback" }
  | { type: "request_approval"; approvalId: string; stepIndex: number; step: WorkflowStep; expiresAt: number }
  | { type: "finished"; status: WorkflowStatus };

export interface WorkflowStepResult {
  state: WorkflowState;
  actions: WorkflowAction[];
  nextWakeAt: number | null;
  /** Set when the event did not apply (stale or duplicate id, finished run…); the state is unchanged. */
  ignored?: string;
}

export const DEFAULT_STEP_TIMEOUT_S = 900;

/** Starts a run of `steps` (already validated with WorkflowStepsSchema). */
export function startWorkflow(steps: readonly WorkflowStep[], runId: string, now: number, options: { stepTimeoutS?: number } = {}): WorkflowStepResult {
  const state: WorkflowState = {
    v: 1,
    runId,
    steps: [...steps],
    stepTimeoutMs: (options.stepTimeoutS ?? DEFAULT_STEP_TIMEOUT_S) * 1_000,
    status: "running",
    phase: "main",
    cursor: 0,
    lastOutcome: "success",
    rollbackFailures: 0,
    pending: null,
    history: [],
    startedAt: now,
    finishedAt: null,
  };
  return advance(state, now, []);
}

/** The result of an `execute` action. */
export function stepFinished(state: WorkflowState, actionId: string, outcome: Outcome, now: number): WorkflowStepResult {
  const p = state.pending;
  if (p?.kind !== "action" || p.actionId !== actionId) return ignore(state, "no pending action with this id");
  return completeStep(state, p.stepIndex, outcome, outcome, now);
}

/** A person approved or denied a pending approval. A decision after expiry counts as expiry. */
export function approvalDecided(state: WorkflowState, approvalId: string, approved: boolean, now: number): WorkflowStepResult {
  const p = state.pending;
  if (p?.kind !== "approval" || p.approvalId !== approvalId) return ignore(state, "no pending approval with this id");
  if (now >= p.expiresAt) return completeStep(state, p.stepIndex, "failure", "expired", now);
  if (!approved) return completeStep(state, p.stepIndex, "failure", "denied", now);
  if (p.gatesAction) return execute(state, p.stepIndex, now, []);
  return completeStep(state, p.stepIndex, "success", "success", now);
}

/** Time passes: ends a wait, expires an approval, or times out an action that never reported. */
export function tick(state: WorkflowState, now: number): WorkflowStepResult {
  const p = state.pending;
  if (state.status !== "running" || p === null) return ignore(state, "nothing pending");
  if (p.kind === "wait" && now >= p.until) return completeStep(state, p.stepIndex, state.lastOutcome, "success", now);
  if (p.kind === "approval" && now >= p.expiresAt) return completeStep(state, p.stepIndex, "failure", "expired", now);
  if (p.kind === "action" && now >= p.deadline) return completeStep(state, p.stepIndex, "failure", "timeout", now);
  return { state, actions: [], nextWakeAt: wakeOf(state) };
}

/** Stops a running workflow (e.g. its anomaly resolved); no rollback runs. */
export function cancelWorkflow(state: WorkflowState, now: number): WorkflowStepResult {
  if (state.status !== "running") return ignore(state, "not running");
  const history = state.pending ? [...state.history, { stepIndex: state.pending.stepIndex, type: stepAt(state, state.pending.stepIndex).type, phase: state.phase, result: "cancelled" as const, at: now }] : state.history;
  const next: WorkflowState = { ...state, status: "cancelled", pending: null, history, finishedAt: now };
  return { state: next, actions: [{ type: "finished", status: "cancelled" }], nextWakeAt: null };
}

/** When the run next needs a tick, or null. */
export function wakeOf(state: WorkflowState): number | null {
  const p = state.pending;
  if (state.status !== "running" || p === null) return null;
  return p.kind === "wait" ? p.until : p.kind === "approval" ? p.expiresAt : p.deadline;
}

function ignore(state: WorkflowState, reason: string): WorkflowStepResult {
  return { state, actions: [], nextWakeAt: wakeOf(state), ignored: reason };
}

function stepAt(state: WorkflowState, index: number): WorkflowStep {
  const step = state.steps[index];
  if (!step) throw new RangeError(`workflow has no step ${index}`);
  return step;
}

function phaseIndexes(state: WorkflowState): number[] {
  const rollback = state.phase === "rollback";
  return state.steps.flatMap((s, i) => ((isActionStep(s) && s.rollback) === rollback ? [i] : []));
}

function completeStep(state: WorkflowState, stepIndex: number, outcome: Outcome, result: StepResult, now: number): WorkflowStepResult {
  const entry = { stepIndex, type: stepAt(state, stepIndex).type, phase: state.phase, result, at: now };
  const next: WorkflowState = { ...state, pending: null, cursor: state.cursor + 1, history: [...state.history, entry] };
  if (state.phase === "main") next.lastOutcome = outcome;
  else if (outcome === "failure") next.rollbackFailures += 1;
  return advance(next, now, []);
}

function execute(state: WorkflowState, stepIndex: number, now: number, actions: WorkflowAction[]): WorkflowStepResult {
  const step = stepAt(state, stepIndex);
  if (!isActionStep(step)) throw new TypeError(`step ${stepIndex} is not an action`);
  const actionId = stableId("wfa", state.runId, stepIndex);
  const next: WorkflowState = { ...state, pending: { kind: "action", actionId, stepIndex, startedAt: now, deadline: now + state.stepTimeoutMs } };
  return { state: next, actions: [...actions, { type: "execute", actionId, stepIndex, step, phase: state.phase }], nextWakeAt: wakeOf(next) };
}

/** Runs forward from the cursor until something must be waited for, or the run ends. */
function advance(state: WorkflowState, now: number, actions: WorkflowAction[]): WorkflowStepResult {
  let s = state;
  for (;;) {
    const indexes = phaseIndexes(s);
    const stepIndex = indexes[s.cursor];
    if (stepIndex === undefined) {
      if (s.phase === "main" && s.lastOutcome === "failure" && s.steps.some((st) => isActionStep(st) && st.rollback)) {
        s = { ...s, phase: "rollback", cursor: 0 };
        continue;
      }
      const status: WorkflowStatus = s.phase === "rollback" ? (s.rollbackFailures > 0 ? "rollback_failed" : "rolled_back") : s.lastOutcome === "success" ? "succeeded" : "failed";
      const done: WorkflowState = { ...s, status, pending: null, finishedAt: now };
      return { state: done, actions: [...actions, { type: "finished", status }], nextWakeAt: null };
    }
    const step = stepAt(s, stepIndex);
    if (s.phase === "main" && step.on !== "always" && step.on !== s.lastOutcome) {
      s = { ...s, cursor: s.cursor + 1, history: [...s.history, { stepIndex, type: step.type, phase: s.phase, result: "skipped", at: now }] };
      continue;
    }
    if (step.type === "wait") {
      const next: WorkflowState = { ...s, pending: { kind: "wait", stepIndex, until: now + step.seconds * 1_000 } };
      return { state: next, actions, nextWakeAt: wakeOf(next) };
    }
    const gated = step.type === "approval" || (s.phase === "main" && step.risky);
    if (gated) {
      const approvalId = stableId("apr", s.runId, stepIndex);
      const expiresAt = now + (step.type === "approval" ? step.expires_s : step.approval_expires_s) * 1_000;
      const next: WorkflowState = { ...s, pending: { kind: "approval", approvalId, stepIndex, expiresAt, gatesAction: step.type !== "approval" } };
      return { state: next, actions: [...actions, { type: "request_approval", approvalId, stepIndex, step, expiresAt }], nextWakeAt: expiresAt };
    }
    return execute(s, stepIndex, now, actions);
  }
}
