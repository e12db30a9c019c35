/**
 * Alert rules: which alerts a rule takes (`match`), how it groups them
 * (`group_by` and the three timings), and where it sends them (`channels`).
 * Defaults follow Alertmanager: wait 30 s, interval 5 min, repeat 4 h.
 * `steps` (optional) is a workflow definition, validated by WorkflowStepsSchema.
 */
import { z } from "zod";
import { groupId, groupKeyOf, type GroupIdentity } from "./group-key.ts";
import type { GroupTimings } from "./group.ts";
import type { Alert } from "./labels.ts";
import { WorkflowStepsSchema } from "../workflows/schema.ts";
import { matchesRule, RuleMatchSchema, type RuleMatch } from "./match.ts";

const DAY_S = 86_400;

export const RuleTimingsSchema = z.object({
  group_wait_s: z.number().int().min(0).max(DAY_S).default(30),
  group_interval_s: z.number().int().min(1).max(DAY_S).default(300),
  repeat_interval_s: z.number().int().min(1).max(30 * DAY_S).default(4 * 3_600),
});

export const RuleSchema = z.object({
  name: z.string().min(1).max(200),
  match: RuleMatchSchema,
  channels: z.array(z.string().min(1)).max(20).default([]),
  group_by: z.array(z.string().min(1).max(128)).max(20).default([]),
  ...RuleTimingsSchema.shape,
  /** Optional workflow run for each notification (see src/workflows). */
  steps: WorkflowStepsSchema.optional(),
});

export type RuleConfig = z.output<typeof RuleSchema>;

/** What routing needs of a stored rule. */
export interface RoutableRule extends GroupTimings {
  id: string;
  match: RuleMatch;
  group_by: string[];
}

export interface Route<R extends RoutableRule = RoutableRule> extends GroupIdentity {
  rule: R;
  /** Deterministic id of the (rule, group key) pair. */
  groupId: string;
}

/** Every rule the alert matches, with the group it joins under that rule (in rule order). */
export function routeAlert<R extends RoutableRule>(rules: readonly R[], alert: Alert): Route<R>[] {
  return rules
    .filter((rule) => matchesRule(rule.match, alert))
    .map((rule) => {
      const identity = groupKeyOf(rule.group_by, alert);
      return { rule, ...identity, groupId: groupId(rule.id, identity.groupKey) };
    });
}

/** The three grouping timings of a rule. */
export function timingsOf(rule: GroupTimings): GroupTimings {
  return { group_wait_s: rule.group_wait_s, group_interval_s: rule.group_interval_s, repeat_interval_s: rule.repeat_interval_s };
}
