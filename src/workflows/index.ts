/** Rule workflows: definitions (zod) and the pure step runner. */
export { ApprovalStepSchema, checkWorkflowUrls, EscalateStepSchema, isActionStep, NotifyStepSchema, WaitStepSchema, WebhookStepSchema, WorkflowStepSchema, WorkflowStepsSchema, type ActionStep, type WorkflowStep, type WorkflowSteps } from "./schema.ts";
export { approvalDecided, cancelWorkflow, DEFAULT_STEP_TIMEOUT_S, startWorkflow, stepFinished, tick, wakeOf, type Outcome, type Pending, type StepResult, type WorkflowAction, type WorkflowState, type WorkflowStatus, type WorkflowStepResult } from "./runner.ts";
