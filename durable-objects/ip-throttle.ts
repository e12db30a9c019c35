import { DurableObject } from "cloudflare:workers";
import { freshBucket, takeTokens, type Bucket, type BucketLimits } from "../src/rate-limit.ts";

export type ThrottleDecision = { ok: true; limit: number; remaining: number; resetMs: number } | { ok: false; limit: number; remaining: number; resetMs: number; retryAfterMs: number };

/**
 * One per client IP address: a token bucket for the public account routes
 * (signup, login, login links, passkey login, invitations), which no API key
 * or session limits. In memory: after an eviction the bucket starts full,
 * which only forgives.
 */
export class IpThrottle extends DurableObject<Env> {
  private bucket: Bucket | null = null;

  async take(limits: BucketLimits): Promise<ThrottleDecision> {
    const now = Date.now();
    const result = takeTokens(this.bucket ?? freshBucket(limits, now), limits, 1, now);
    this.bucket = result.bucket;
    const base = { limit: limits.burst, remaining: result.remaining, resetMs: result.resetMs };
    return result.ok ? { ok: true, ...base } : { ok: false, ...base, retryAfterMs: result.retryAfterMs };
  }
}
