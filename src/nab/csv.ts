/**
 * Minimal reader and writer for NAB-format CSVs (`timestamp,value[,…]`).
 * NAB files have no quoting, so a line split on commas is enough; the raw
 * timestamp and value text is kept so the output echoes the input exactly.
 */
export interface NabSeries {
  timestampText: string[];
  valueText: string[];
  times: number[];
  values: number[];
}

import { parseNabTime } from "./time.ts";

export function parseNabCsv(text: string): NabSeries {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const header = (lines.shift() ?? "").split(",").map((h) => h.trim());
  const ti = Math.max(0, header.indexOf("timestamp"));
  const vi = header.indexOf("value") >= 0 ? header.indexOf("value") : 1;
  const out: NabSeries = { timestampText: [], valueText: [], times: [], values: [] };
  for (const line of lines) {
    const cells = line.split(",");
    const ts = (cells[ti] ?? "").trim();
    const vs = (cells[vi] ?? "").trim();
    out.timestampText.push(ts);
    out.valueText.push(vs);
    out.times.push(parseNabTime(ts));
    out.values.push(vs === "" ? Number.NaN : Number(vs));
  }
  return out;
}

/** `timestamp,value,anomaly_score` with the input's own text for the first two columns. */
export function formatScoredCsv(series: NabSeries, scores: readonly number[]): string {
  const rows = ["timestamp,value,anomaly_score"];
  for (let i = 0; i < scores.length; i++) rows.push(`${series.timestampText[i]},${series.valueText[i]},${scores[i]}`);
  return rows.join("\n") + "\n";
}
