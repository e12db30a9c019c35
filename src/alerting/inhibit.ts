/**
 * Inhibition inside one alert group: while a critical alert of the group is
 * firing, the group's warning and info alerts are not notified. When `equal`
 * names labels, the critical only inhibits alerts that share those labels'
 * values (Alertmanager's `equal`); with none, the whole group.
 */
import { labelValue, severityRank, type Alert } from "./labels.ts";

const CRITICAL = severityRank("critical");

/** Ids of the firing alerts that a firing critical alert of the same group inhibits. */
export function inhibitedIds(firing: readonly Alert[], equal: readonly string[] = []): Set<string> {
  const sources = firing.filter((a) => severityRank(a.severity) >= CRITICAL);
  const out = new Set<string>();
  if (sources.length === 0) return out;
  for (const target of firing) {
    if (severityRank(target.severity) >= CRITICAL) continue;
    const inhibited = sources.some((src) => equal.every((name) => labelValue(src, name) === labelValue(target, name)));
    if (inhibited) out.add(target.id);
  }
  return out;
}
