/** Number and label formatting shared by the explainers and the channel payloads. */

const NUMBER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
const SMALL = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 3 });

/** A number for people: thousands separators, at most 2 decimals (3 significant digits below 1). */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) > 0 && Math.abs(x) < 1 ? SMALL.format(x) : NUMBER.format(x);
}

/** `metric{k="v",…}`, or the bare metric without tags. */
export function seriesLabel(metric: string, tags: Record<string, string> = {}): string {
  const keys = Object.keys(tags).sort();
  return keys.length === 0 ? metric : `${metric}{${keys.map((k) => `${k}="${tags[k]}"`).join(",")}}`;
}

/** A duration in the largest whole unit that fits (e.g. "5 min", "2 h", "3 d"). */
export function formatDuration(ms: number): string {
  const units: Array<[number, string]> = [
    [86_400_000, "d"],
    [3_600_000, "h"],
    [60_000, "min"],
    [1_000, "s"],
  ];
  for (const [size, unit] of units) if (ms >= size) return `${formatNumber(ms / size)} ${unit}`;
  return `${formatNumber(ms)} ms`;
}
