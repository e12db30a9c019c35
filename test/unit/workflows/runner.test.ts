import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../../src/detect/prng.ts";
import { approvalDecided, cancelWorkflow, startWorkflow, stepFinished, tick, WorkflowStepsSchema, type WorkflowAction, type WorkflowStepResult } from "../../../src/workflows/index.ts";

const T = Date.UTC(2025, 0, 1);
const steps = (input: unknown[]) => WorkflowStepsSchema.parse(input);
const exec = (r: WorkflowStepResult) => r.actions.filter((a): a is Extract<WorkflowAction, { type: "execute" }> => a.type === "execute");
const approval = (r: WorkflowStepResult) => r.actions.find((a): a is Extract<WorkflowAction, { type: "request_approval" }> => a.type === "request_approval");
const finished = (r: WorkflowStepResult) => r.actions.find((a) => a.type === "finished");

describe("workflow definitions", () => {
  it("fills defaults", () => {
    expect(steps([{ type: "notify", channel: "c1" }])[0]).toEqual({ type: "notify", channel: "c1", on: "success", risky: false, approval_expires_s: 3_600, rollback: false });
    expect(steps([{ type: "approval" }])[0]).toEqual({ type: "approval", expires_s: 3_600, on: "success" });
  });
  it("rejects bad definitions", () => {
    for (const bad of [
      [],
      [{ type: "notify" }],
      [{ type: "webhook", url: "ftp://x" }],
      [{ type: "wait", seconds: 0 }],
      [{ type: "notify", channel: "c", on: "sometimes" }],
      [{ type: "reboot" }],
      [{ type: "notify", channel: "c", rollback: true }],
      [{ type: "notify", channel: "c" }, { type: "webhook", url: "https://x.example.com", rollback: true, risky: true }],
      Array.from({ length: 21 }, () => ({ type: "notify", channel: "c" })),
    ]) expect(WorkflowStepsSchema.safeParse(bad).success).toBe(false);
  });
});

describe("workflow runner", () => {
  it("runs notify → webhook → escalate in order, one action at a time", () => {
    const wf = steps([{ type: "notify", channel: "slack" }, { type: "webhook", url: "https://hooks.example.com/x" }, { type: "escalate", channel: "pd" }]);
    let r = startWorkflow(wf, "run1", T);
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const [a] = exec(r);
      expect(exec(r)).toHaveLength(1);
      seen.push(a!.step.type);
      expect(r.nextWakeAt).toBe(T + i * 1_000 + 900_000);
      r = stepFinished(r.state, a!.actionId, "success", T + (i + 1) * 1_000);
    }
    expect(seen).toEqual(["notify", "webhook", "escalate"]);
    expect(finished(r)).toEqual({ type: "finished", status: "succeeded" });
    expect(r.nextWakeAt).toBeNull();
  });

  it("honours conditions on the previous outcome", () => {
    const wf = steps([
      { type: "webhook", url: "https://a.example.com" },
      { type: "notify", channel: "ok-only" },
      { type: "escalate", channel: "on-failure", on: "failure" },
      { type: "notify", channel: "always", on: "always" },
    ]);
    let r = startWorkflow(wf, "run", T);
    r = stepFinished(r.state, exec(r)[0]!.actionId, "failure", T);
    expect(exec(r)[0]?.step).toMatchObject({ type: "escalate", channel: "on-failure" });
    r = stepFinished(r.state, exec(r)[0]!.actionId, "success", T);
    expect(exec(r)[0]?.step).toMatchObject({ channel: "always" });
    r = stepFinished(r.state, exec(r)[0]!.actionId, "success", T);
    expect(r.state.history.map((h) => [h.stepIndex, h.result])).toEqual([[0, "failure"], [1, "skipped"], [2, "success"], [3, "success"]]);
    expect(r.state.status).toBe("succeeded");
  });

  it("waits, passing the previous outcome through", () => {
    const wf = steps([{ type: "webhook", url: "https://a.example.com" }, { type: "wait", seconds: 60, on: "always" }, { type: "escalate", channel: "pd", on: "failure" }]);
    let r = startWorkflow(wf, "run", T);
    r = stepFinished(r.state, exec(r)[0]!.actionId, "failure", T + 1_000);
    expect(r.actions).toEqual([]);
    expect(r.nextWakeAt).toBe(T + 61_000);
    expect(tick(r.state, T + 60_999).actions).toEqual([]);
    r = tick(r.state, T + 61_000);
    expect(exec(r)[0]?.step.type).toBe("escalate");
  });

  it("gates a risky step behind an approval: approved runs it", () => {
    const wf = steps([{ type: "webhook", url: "https://restart.example.com", risky: true, approval_expires_s: 600 }]);
    let r = startWorkflow(wf, "run", T);
    const req = approval(r)!;
    expect(req).toMatchObject({ stepIndex: 0, expiresAt: T + 600_000 });
    expect(exec(r)).toEqual([]);
    r = approvalDecided(r.state, req.approvalId, true, T + 10_000);
    expect(exec(r)[0]?.step.type).toBe("webhook");
    r = stepFinished(r.state, exec(r)[0]!.actionId, "success", T + 11_000);
    expect(r.state.status).toBe("succeeded");
  });

  it("a denied or expired approval is a failure and triggers rollback", () => {
    const wf = steps([
      { type: "notify", channel: "c" },
      { type: "webhook", url: "https://scale.example.com", risky: true },
      { type: "webhook", url: "https://undo.example.com", rollback: true },
    ]);
    for (const how of ["deny", "expire", "late"] as const) {
      let r = startWorkflow(wf, `run-${how}`, T);
      r = stepFinished(r.state, exec(r)[0]!.actionId, "success", T);
      const req = approval(r)!;
      if (how === "deny") r = approvalDecided(r.state, req.approvalId, false, T + 1);
      else if (how === "expire") r = tick(r.state, req.expiresAt);
      else r = approvalDecided(r.state, req.approvalId, true, req.expiresAt);
      expect(r.state.history.at(-1)?.result).toBe(how === "deny" ? "denied" : "expired");
      expect(exec(r)[0]).toMatchObject({ phase: "rollback", step: { url: "https://undo.example.com" } });
      r = stepFinished(r.state, exec(r)[0]!.actionId, "success", T + 2);
      expect(finished(r)).toEqual({ type: "finished", status: "rolled_back" });
    }
  });

  it("an explicit approval step succeeds on approval and fails on denial", () => {
    const wf = steps([{ type: "approval", expires_s: 120 }, { type: "notify", channel: "approved" }, { type: "notify", channel: "denied", on: "failure" }]);
    let r = startWorkflow(wf, "run", T);
    r = approvalDecided(r.state, approval(r)!.approvalId, true, T);
    expect(exec(r)[0]?.step).toMatchObject({ channel: "approved" });
    let d = startWorkflow(wf, "run2", T);
    d = approvalDecided(d.state, approval(d)!.approvalId, false, T);
    expect(exec(d)[0]?.step).toMatchObject({ channel: "denied" });
  });

  it("runs every rollback step even when one fails, and reports it", () => {
    const wf = steps([
      { type: "webhook", url: "https://a.example.com" },
      { type: "webhook", url: "https://undo1.example.com", rollback: true },
      { type: "notify", channel: "undo2", rollback: true },
    ]);
    let r = startWorkflow(wf, "run", T);
    r = stepFinished(r.state, exec(r)[0]!.actionId, "failure", T);
    r = stepFinished(r.state, exec(r)[0]!.actionId, "failure", T);
    expect(exec(r)[0]?.step).toMatchObject({ channel: "undo2" });
    r = stepFinished(r.state, exec(r)[0]!.actionId, "success", T);
    expect(r.state.status).toBe("rollback_failed");
  });

  it("ends failed without rollback steps, and never runs rollback steps on success", () => {
    const wf = steps([{ type: "notify", channel: "c" }, { type: "notify", channel: "undo", rollback: true }]);
    let r = startWorkflow(wf, "run", T);
    r = stepFinished(r.state, exec(r)[0]!.actionId, "success", T);
    expect(r.state.status).toBe("succeeded");
    expect(r.state.history.map((h) => h.stepIndex)).toEqual([0]);
    const f = startWorkflow(steps([{ type: "notify", channel: "c" }]), "run", T);
    expect(stepFinished(f.state, exec(f)[0]!.actionId, "failure", T).state.status).toBe("failed");
  });

  it("times out an action that never reports", () => {
    const wf = steps([{ type: "notify", channel: "c" }, { type: "notify", channel: "fallback", on: "failure" }]);
    let r = startWorkflow(wf, "run", T, { stepTimeoutS: 30 });
    const first = exec(r)[0]!;
    r = tick(r.state, T + 30_000);
    expect(r.state.history[0]?.result).toBe("timeout");
    expect(exec(r)[0]?.step).toMatchObject({ channel: "fallback" });
    // The late result of the timed-out action is ignored.
    const late = stepFinished(r.state, first.actionId, "success", T + 31_000);
    expect(late.ignored).toBeDefined();
    expect(late.state).toBe(r.state);
  });

  it("ignores duplicate and unknown events; ids are deterministic", () => {
    const wf = steps([{ type: "notify", channel: "a" }, { type: "notify", channel: "b" }]);
    const r1 = startWorkflow(wf, "run", T);
    const r2 = startWorkflow(wf, "run", T + 5);
    expect(exec(r1)[0]?.actionId).toBe(exec(r2)[0]?.actionId);
    expect(exec(startWorkflow(wf, "other", T))[0]?.actionId).not.toBe(exec(r1)[0]?.actionId);
    const next = stepFinished(r1.state, exec(r1)[0]!.actionId, "success", T);
    expect(stepFinished(next.state, exec(r1)[0]!.actionId, "success", T).ignored).toBeDefined();
    expect(approvalDecided(next.state, "apr_nope", true, T).ignored).toBeDefined();
    expect(tick(next.state, T).actions).toEqual([]);
  });

  it("can be cancelled; a cancelled run ignores later events", () => {
    const wf = steps([{ type: "wait", seconds: 60 }, { type: "notify", channel: "c" }]);
    const r = startWorkflow(wf, "run", T);
    const c = cancelWorkflow(r.state, T + 1);
    expect(finished(c)).toEqual({ type: "finished", status: "cancelled" });
    expect(c.nextWakeAt).toBeNull();
    expect(tick(c.state, T + 100_000).actions).toEqual([]);
    expect(cancelWorkflow(c.state, T + 2).ignored).toBeDefined();
  });

  it("property: random outcomes always terminate, with one history entry per main step and state as JSON", () => {
    const rnd = mulberry32(99);
    const kinds = [
      () => ({ type: "notify", channel: "c", on: ["success", "failure", "always"][Math.floor(rnd() * 3)] }),
      () => ({ type: "webhook", url: "https://x.example.com", risky: rnd() < 0.3 }),
      () => ({ type: "wait", seconds: 1 + Math.floor(rnd() * 100), on: "always" }),
      () => ({ type: "approval", expires_s: 60 }),
      () => ({ type: "escalate", channel: "pd", rollback: true }),
    ];
    for (let run = 0; run < 200; run++) {
      const def = Array.from({ length: 1 + Math.floor(rnd() * 8) }, () => kinds[Math.floor(rnd() * kinds.length)]!());
      def.unshift({ type: "notify", channel: "first", on: "always" });
      const wf = steps(def);
      let now = T;
      let r = startWorkflow(wf, `run${run}`, now);
      let executions = 0;
      for (let guard = 0; r.state.status === "running"; guard++) {
        expect(guard).toBeLessThan(100);
        r = { ...r, state: JSON.parse(JSON.stringify(r.state)) };
        const ex = exec(r)[0];
        const ap = approval(r);
        now += 1_000;
        if (ex) {
          executions++;
          r = stepFinished(r.state, ex.actionId, rnd() < 0.6 ? "success" : "failure", now);
        } else if (ap) r = rnd() < 0.2 ? tick(r.state, ap.expiresAt) : approvalDecided(r.state, ap.approvalId, rnd() < 0.6, now);
        else {
          expect(r.nextWakeAt).not.toBeNull();
          now = r.nextWakeAt!;
          r = tick(r.state, now);
        }
      }
      const mainSteps = wf.filter((s) => !("rollback" in s) || !s.rollback).length;
      expect(r.state.history.filter((h) => h.phase === "main")).toHaveLength(mainSteps);
      expect(executions).toBeGreaterThanOrEqual(1);
      expect(r.nextWakeAt).toBeNull();
      const rolledBack = r.state.history.some((h) => h.phase === "rollback");
      expect(rolledBack).toBe(r.state.status === "rolled_back" || r.state.status === "rollback_failed");
    }
  });
});

describe("workflow destinations", () => {
  it("refuses private webhook steps in production only", async () => {
    const { checkWorkflowUrls } = await import("../../../src/workflows/index.ts");
    const wf = steps([{ type: "notify", channel: "c" }, { type: "webhook", url: "http://10.0.0.5/hook" }]);
    expect(checkWorkflowUrls(wf, { production: true })).toEqual({ ok: false, reason: "steps[1].url: destination refused (https_required)" });
    expect(checkWorkflowUrls(wf, { production: false })).toEqual({ ok: true });
    expect(checkWorkflowUrls(steps([{ type: "webhook", url: "https://hooks.example.com/x" }]), { production: true })).toEqual({ ok: true });
  });
});
