import { RuleSchema, SilenceInputSchema, type RoutableRule, type Silence } from "../../src/alerting/index.ts";
import type { WorkflowSteps } from "../../src/workflows/index.ts";
import { createStore } from "../db/store.ts";
import { log } from "../log.ts";

/** A stored rule as routing needs it. */
export interface RoutingRule extends RoutableRule {
  name: string;
  channels: string[];
  steps?: WorkflowSteps | undefined;
}

/** The tenant's rules and not-yet-ended silences, read from D1 and checked on the way in. */
export async function loadRouting(env: Env, tenantId: string, now: number): Promise<{ rules: RoutingRule[]; silences: Silence[] }> {
  const store = createStore(env.DB);
  const [ruleRows, silenceRows] = await Promise.all([store.listRules(tenantId), store.listLiveSilences(tenantId, now)]);
  const rules: RoutingRule[] = [];
  for (const row of ruleRows) {
    const parsed = RuleSchema.safeParse(row.definition);
    if (!parsed.success) {
      log("error", "alerts.bad_rule", { tenant_id: tenantId, rule_id: row.id });
      continue;
    }
    rules.push({ id: row.id, ...parsed.data });
  }
  const silences: Silence[] = [];
  for (const row of silenceRows) {
    const parsed = SilenceInputSchema.safeParse({ matchers: row.matchers, starts_at: row.startsAt, ends_at: row.endsAt, comment: row.comment, created_by: row.createdBy });
    if (parsed.success) silences.push(parsed.data);
  }
  return { rules, silences };
}
