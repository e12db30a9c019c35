/**
 * Group keys: the values of a rule's `group_by` labels, in a canonical text
 * form (`{metric="cpu",region="eu"}`) so equal label sets give equal keys.
 * `group_by: ["..."]` groups by every label, i.e. one group per series.
 */
import { stableId } from "../ids.ts";
import { alertLabels, labelValue, type Alert } from "./labels.ts";

export interface GroupIdentity {
  groupKey: string;
  groupLabels: Record<string, string>;
}

/** The group an alert falls in under `groupBy`. */
export function groupKeyOf(groupBy: readonly string[], alert: Alert): GroupIdentity {
  const names = groupBy.includes("...") ? Object.keys(alertLabels(alert)) : [...new Set(groupBy)];
  names.sort();
  const groupLabels: Record<string, string> = {};
  for (const name of names) groupLabels[name] = labelValue(alert, name);
  const groupKey = `{${names.map((n) => `${n}=${JSON.stringify(groupLabels[n])}`).join(",")}}`;
  return { groupKey, groupLabels };
}

/** A short deterministic id for the (rule, group key) pair, e.g. a storage key in the grouping Durable Object. */
export function groupId(ruleId: string, groupKey: string): string {
  return stableId("grp", ruleId, groupKey);
}
