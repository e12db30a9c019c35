import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../../src/detect/prng.ts";
import { decideRetry, isRetryable, parseRetryAfter, type RetryPolicy } from "../../../src/delivery/retry.ts";

const NOW = Date.UTC(2025, 0, 1);
const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 60_000, maxRetryAfterMs: 600_000 };
const half = () => 0.5;

describe("retry classification", () => {
  it("treats network errors, timeouts, 408, 425, 429 and 5xx as retryable", () => {
    expect(isRetryable({ kind: "network_error", message: "ECONNRESET" })).toBe(true);
    expect(isRetryable({ kind: "timeout" })).toBe(true);
    for (const status of [408, 425, 429, 500, 502, 503, 504, 599]) expect(isRetryable({ kind: "response", status })).toBe(true);
  });
  it("treats other 4xx and 3xx as final", () => {
    for (const status of [301, 302, 400, 401, 403, 404, 410, 413, 422]) expect(isRetryable({ kind: "response", status })).toBe(false);
  });
});

describe("retry decisions", () => {
  it("2xx is delivered", () => {
    expect(decideRetry({ kind: "response", status: 204 }, 1, half, NOW, policy)).toEqual({ action: "delivered" });
  });
  it("a final status dead-letters at once", () => {
    expect(decideRetry({ kind: "response", status: 400 }, 1, half, NOW, policy)).toEqual({ action: "dead_letter", reason: "http_400" });
  });
  it("a refused attempt (a channel that cannot send) dead-letters at once with its reason, at any attempt", () => {
    expect(isRetryable({ kind: "refused", reason: "x" })).toBe(false);
    for (const attempt of [1, 2, 5]) expect(decideRetry({ kind: "refused", reason: "secret does not open" }, attempt, half, NOW, policy)).toEqual({ action: "dead_letter", reason: "refused: secret does not open" });
  });
  it("retries with full-jitter exponential backoff, then dead-letters after max attempts", () => {
    const delays: number[] = [];
    for (let attempt = 1; attempt < 5; attempt++) {
      const d = decideRetry({ kind: "response", status: 503 }, attempt, () => 0.999, NOW, policy);
      expect(d).toMatchObject({ action: "retry", nextAttempt: attempt + 1, reason: "http_503" });
      if (d.action === "retry") delays.push(d.delayMs);
    }
    expect(delays).toEqual([999, 1_998, 3_996, 7_992]);
    expect(decideRetry({ kind: "timeout" }, 5, half, NOW, policy)).toEqual({ action: "dead_letter", reason: "max_attempts (timeout)" });
  });
  it("property: delays stay within [0, min(cap, base·2^(attempt−1)))", () => {
    const rnd = mulberry32(1);
    for (let i = 0; i < 2_000; i++) {
      const attempt = 1 + Math.floor(rnd() * 4);
      const d = decideRetry({ kind: "network_error", message: "x" }, attempt, rnd, NOW, policy);
      if (d.action !== "retry") throw new Error("expected a retry");
      expect(d.delayMs).toBeGreaterThanOrEqual(0);
      expect(d.delayMs).toBeLessThan(Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)));
    }
  });
  it("honours Retry-After on 429 as a lower bound, capped", () => {
    expect(decideRetry({ kind: "response", status: 429, retryAfter: "120" }, 1, half, NOW, policy)).toMatchObject({ action: "retry", delayMs: 120_000 });
    expect(decideRetry({ kind: "response", status: 429, retryAfter: "86400" }, 1, half, NOW, policy)).toMatchObject({ delayMs: 600_000 });
    expect(decideRetry({ kind: "response", status: 429, retryAfter: "garbage" }, 1, half, NOW, policy)).toMatchObject({ delayMs: 500 });
    const date = new Date(NOW + 30_000).toUTCString();
    expect(decideRetry({ kind: "response", status: 503, retryAfter: date }, 1, half, NOW, policy)).toMatchObject({ delayMs: 30_000 });
  });
});

describe("Retry-After parsing", () => {
  it("reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("0", NOW)).toBe(0);
    expect(parseRetryAfter(" 5 ", NOW)).toBe(5_000);
    expect(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW)).toBe(90_000);
    expect(parseRetryAfter(new Date(NOW - 90_000).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfter("-5", NOW)).toBeNull();
    expect(parseRetryAfter("1.5", NOW)).toBeNull();
    expect(parseRetryAfter("soon", NOW)).toBeNull();
  });
});
