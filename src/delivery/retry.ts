/**
 * What to do after one delivery attempt.
 * - 2xx: delivered.
 * - Retryable: network errors and timeouts, 408, 425, 429 and 5xx. The next delay
 *   is full-jitter exponential backoff, but never shorter than a `Retry-After`
 *   (seconds or HTTP date) the receiver sent, capped at `maxRetryAfterMs`.
 * - Final: every other status (other 4xx; 3xx too, since redirects are not
 *   followed, so a destination cannot bounce us into a private network).
 * - Refused: the attempt was not made because the channel cannot send (its stored
 *   secret does not open); final, with its reason.
 * After `maxAttempts` attempts, or on a final status, the message is dead-lettered.
 * Attempts are counted from 1.
 */
import { fullJitterDelay } from "../backoff.ts";

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is cut down to it. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 16, baseDelayMs: 1_000, maxDelayMs: 300_000, maxRetryAfterMs: 3_600_000 };

export type AttemptOutcome =
  | { kind: "response"; status: number; retryAfter?: string | null }
  | { kind: "network_error"; message: string }
  | { kind: "timeout" }
  | { kind: "refused"; reason: string };

export type RetryDecision =
  | { action: "delivered" }
  | { action: "retry"; delayMs: number; nextAttempt: number; reason: string }
  | { action: "dead_letter"; reason: string };

const RETRYABLE_STATUSES = new Set([408, 425, 429]);

/** True for outcomes worth another attempt. */
export function isRetryable(outcome: AttemptOutcome): boolean {
  if (outcome.kind === "refused") return false;
  if (outcome.kind !== "response") return true;
  return RETRYABLE_STATUSES.has(outcome.status) || (outcome.status >= 500 && outcome.status <= 599);
}

/** Decides delivered / retry (with its delay) / dead-letter after attempt number `attempt`. */
export function decideRetry(outcome: AttemptOutcome, attempt: number, random: () => number, now: number, policy: RetryPolicy = DEFAULT_RETRY): RetryDecision {
  if (outcome.kind === "response" && outcome.status >= 200 && outcome.status <= 299) return { action: "delivered" };
  const reason = outcome.kind === "response" ? `http_${outcome.status}` : outcome.kind === "refused" ? `refused: ${outcome.reason}` : outcome.kind;
  if (!isRetryable(outcome)) return { action: "dead_letter", reason };
  if (attempt >= policy.maxAttempts) return { action: "dead_letter", reason: `max_attempts (${reason})` };
  let delayMs = fullJitterDelay(attempt - 1, random, policy.baseDelayMs, policy.maxDelayMs);
  if (outcome.kind === "response" && outcome.retryAfter) {
    const asked = parseRetryAfter(outcome.retryAfter, now);
    if (asked !== null) delayMs = Math.max(delayMs, Math.min(asked, policy.maxRetryAfterMs));
  }
  return { action: "retry", delayMs, nextAttempt: attempt + 1, reason };
}

/** A Retry-After header (delta-seconds or HTTP-date) as milliseconds from `now`, or null when unreadable. */
export function parseRetryAfter(value: string, now: number): number | null {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  if (!/[a-z]/i.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
