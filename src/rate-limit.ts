/**
 * Token bucket arithmetic. Pure: the caller passes the clock and keeps the state.
 * Tokens refill continuously at `ratePerSecond` up to `burst`.
 */
export interface Bucket {
  tokens: number;
  updatedAt: number;
}

export interface BucketLimits {
  ratePerSecond: number;
  burst: number;
}

export type TakeResult =
  | { ok: true; bucket: Bucket; remaining: number; resetMs: number }
  | { ok: false; bucket: Bucket; remaining: number; resetMs: number; retryAfterMs: number };

/** A full bucket, as a new tenant starts. */
export function freshBucket(limits: BucketLimits, now: number): Bucket {
  return { tokens: limits.burst, updatedAt: now };
}

/** Refills the bucket to `now`, then takes `cost` tokens if they are all there; otherwise takes nothing. */
export function takeTokens(bucket: Bucket, limits: BucketLimits, cost: number, now: number): TakeResult {
  const elapsed = Math.max(0, now - bucket.updatedAt);
  const tokens = Math.min(limits.burst, bucket.tokens + (elapsed * limits.ratePerSecond) / 1000);
  const refilled = { tokens, updatedAt: Math.max(now, bucket.updatedAt) };
  const msToFull = (available: number) => Math.ceil(((limits.burst - available) * 1000) / limits.ratePerSecond);
  if (cost <= tokens) {
    const left = tokens - cost;
    return { ok: true, bucket: { ...refilled, tokens: left }, remaining: Math.floor(left), resetMs: msToFull(left) };
  }
  // A request larger than the whole bucket can never pass; say when the bucket is full again.
  const missing = Math.min(cost, limits.burst) - tokens;
  const retryAfterMs = Math.max(1, Math.ceil((missing * 1000) / limits.ratePerSecond));
  return { ok: false, bucket: refilled, remaining: Math.floor(tokens), resetMs: msToFull(tokens), retryAfterMs };
}

/** The UTC day (YYYY-MM-DD) a timestamp falls on; usage is counted per day. */
export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}
