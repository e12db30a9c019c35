/**
 * Workflow definitions: the `steps` of a rule, run in order.
 * - `notify { channel }`, `webhook { url }`, `escalate { channel }`: actions the caller performs;
 * - `wait { seconds }`: a pause (it passes the previous outcome through);
 * - `approval { expires_s }`: a gate that succeeds when approved, fails when denied or expired.
 * Every step has `on: "success" | "failure" | "always"` (default success): it runs
 * only when the outcome of the last step that ran matches. An action step may be
 * `risky: true`: it then waits for an approval (`approval_expires_s`) before it runs.
 * Action steps marked `rollback: true` are not part of the normal flow: they run,
 * in order, when the workflow ends in failure.
 */
import { z } from "zod";
import { checkDestinationUrl } from "../net/webhook-url.ts";

const WEEK_S = 7 * 86_400;

const On = z.enum(["success", "failure", "always"]).default("success");
const ActionFlags = {
  on: On,
  risky: z.boolean().default(false),
  approval_expires_s: z.number().int().min(60).max(WEEK_S).default(3_600),
  rollback: z.boolean().default(false),
};

export const NotifyStepSchema = z.object({ type: z.literal("notify"), channel: z.string().min(1), ...ActionFlags });
export const WebhookStepSchema = z.object({ type: z.literal("webhook"), url: z.url({ protocol: /^https?$/ }).max(2_048), ...ActionFlags });
export const EscalateStepSchema = z.object({ type: z.literal("escalate"), channel: z.string().min(1), ...ActionFlags });
export const WaitStepSchema = z.object({ type: z.literal("wait"), seconds: z.number().int().min(1).max(WEEK_S), on: On });
export const ApprovalStepSchema = z.object({ type: z.literal("approval"), expires_s: z.number().int().min(60).max(WEEK_S).default(3_600), on: On });

export const WorkflowStepSchema = z.discriminatedUnion("type", [NotifyStepSchema, WebhookStepSchema, EscalateStepSchema, WaitStepSchema, ApprovalStepSchema]);

export const WorkflowStepsSchema = z
  .array(WorkflowStepSchema)
  .min(1)
  .max(20)
  .superRefine((steps, ctx) => {
    steps.forEach((s, i) => {
      if ("rollback" in s && s.rollback && s.risky) ctx.addIssue({ code: "custom", path: [i, "risky"], message: "a rollback step cannot wait for approval" });
    });
    if (!steps.some((s) => !("rollback" in s) || !s.rollback)) ctx.addIssue({ code: "custom", message: "a workflow needs at least one step that is not a rollback" });
  });

export type WorkflowStep = z.output<typeof WorkflowStepSchema>;
export type ActionStep = Extract<WorkflowStep, { type: "notify" | "webhook" | "escalate" }>;
export type WorkflowSteps = z.output<typeof WorkflowStepsSchema>;

/** True for the steps the caller carries out (notify, webhook, escalate). */
export function isActionStep(step: WorkflowStep): step is ActionStep {
  return step.type === "notify" || step.type === "webhook" || step.type === "escalate";
}

/** Checks every webhook step's URL with `checkDestinationUrl`; the first refusal, or ok. */
export function checkWorkflowUrls(steps: readonly WorkflowStep[], options: { production: boolean }): { ok: true } | { ok: false; reason: string } {
  for (const [i, step] of steps.entries()) {
    if (step.type !== "webhook") continue;
    const check = checkDestinationUrl(step.url, options);
    if (!check.ok) return { ok: false, reason: `steps[${i}].url: destination refused (${check.reason})` };
  }
  return { ok: true };
}
