/**
 * What alert routing sees of an anomaly: its id (the episode id), metric, tags
 * and severity. Matchers, silences and `group_by` address these as labels:
 * `metric`, `severity`, or the name of a tag. A label an alert lacks reads as
 * the empty string, as in Alertmanager.
 */
import type { Severity } from "../detect/index.ts";

export type { Severity };

/** The least an alert must carry; an `AnomalyRecord` is one. */
export interface Alert {
  id: string;
  metric: string;
  tags: Record<string, string>;
  severity: Severity;
}

export const SEVERITIES: readonly Severity[] = ["info", "warning", "critical"];

/** Position of a severity in info < warning < critical. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** The value of label `name` on an alert; `metric` and `severity` win over tags of the same name. */
export function labelValue(alert: Alert, name: string): string {
  if (name === "metric") return alert.metric;
  if (name === "severity") return alert.severity;
  return Object.hasOwn(alert.tags, name) ? (alert.tags[name] ?? "") : "";
}

/** Every label of an alert: its tags plus `metric` and `severity`. */
export function alertLabels(alert: Alert): Record<string, string> {
  return { ...alert.tags, metric: alert.metric, severity: alert.severity };
}
