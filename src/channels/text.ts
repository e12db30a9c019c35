/** Small text helpers for channel payloads. */
import { formatNumber, seriesLabel } from "../explain/format.ts";
import type { AlertEvent } from "./event.ts";

/** Cuts text to at most `max` UTF-16 units (what JSON APIs count), ending with "…" when cut; never splits a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut + "…";
}

/** The one-line headline of an event, e.g. "Critical anomaly: checkout.revenue{region="eu"} 400 (expected 900–1,100)". */
export function headline(event: AlertEvent): string {
  const a = event.anomaly;
  const series = seriesLabel(a.metric, a.tags);
  if (event.type === "anomaly.resolved") return `Resolved: ${series} is back to normal`;
  const sev = a.severity[0]!.toUpperCase() + a.severity.slice(1);
  return `${sev} anomaly: ${series} ${formatNumber(a.value)} (expected ${formatNumber(a.expected.low)}–${formatNumber(a.expected.high)})`;
}

/** `k=v, k=v`, or "—" without tags. */
export function tagList(tags: Record<string, string>): string {
  const keys = Object.keys(tags).sort();
  return keys.length === 0 ? "—" : keys.map((k) => `${k}=${tags[k]}`).join(", ");
}
