/**
 * Delivery statistics per action (a channel, a workflow step kind…): attempt
 * and success counts, and latency percentiles over the most recent
 * `sampleSize` attempts (a ring buffer, so memory stays bounded). Plain JSON.
 */

export interface DeliveryStats {
  attempts: number;
  successes: number;
  /** Most recent latencies in ms, oldest overwritten first. */
  latencies: number[];
  /** Next slot to overwrite once `latencies` is full. */
  cursor: number;
  sampleSize: number;
}

export interface StatsSummary {
  attempts: number;
  successes: number;
  failures: number;
  /** successes / attempts, or null before the first attempt. */
  successRate: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
}

/** Empty stats keeping the last `sampleSize` latencies. */
export function emptyStats(sampleSize = 256): DeliveryStats {
  return { attempts: 0, successes: 0, latencies: [], cursor: 0, sampleSize: Math.max(1, Math.floor(sampleSize)) };
}

/** Records one attempt. */
export function recordAttempt(stats: DeliveryStats, ok: boolean, latencyMs: number): DeliveryStats {
  const latencies = [...stats.latencies];
  let cursor = stats.cursor;
  const value = Math.max(0, latencyMs);
  if (latencies.length < stats.sampleSize) latencies.push(value);
  else {
    latencies[cursor] = value;
    cursor = (cursor + 1) % stats.sampleSize;
  }
  return { ...stats, attempts: stats.attempts + 1, successes: stats.successes + (ok ? 1 : 0), latencies, cursor };
}

/** Success rate and p50/p95 latency (nearest-rank over the sample). */
export function summarizeStats(stats: DeliveryStats): StatsSummary {
  const sorted = [...stats.latencies].sort((a, b) => a - b);
  return {
    attempts: stats.attempts,
    successes: stats.successes,
    failures: stats.attempts - stats.successes,
    successRate: stats.attempts === 0 ? null : stats.successes / stats.attempts,
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
  };
}

/** Nearest-rank percentile of sorted values, or null when empty. */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}
