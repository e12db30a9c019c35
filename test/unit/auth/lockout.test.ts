import { describe, expect, it } from "vitest";
import { ACCOUNT_LOCKOUT, checkLockout, CLEAN_RECORD, IP_LOCKOUT, lockoutDelay, recordFailure, type FailureRecord } from "../../../src/auth/lockout.ts";

describe("lockoutDelay", () => {
  it("is free for the first failures, then doubles from 1 s", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((n) => lockoutDelay(n))).toEqual([0, 0, 0, 0, 1000, 2000, 4000, 8000]);
  });

  it("is capped, never Infinity or NaN, even for absurd counts", () => {
    expect(lockoutDelay(14)).toBe(15 * 60_000);
    expect(lockoutDelay(100)).toBe(ACCOUNT_LOCKOUT.capMs);
    expect(lockoutDelay(1e9)).toBe(ACCOUNT_LOCKOUT.capMs);
    expect(lockoutDelay(Number.POSITIVE_INFINITY)).toBe(ACCOUNT_LOCKOUT.capMs);
    expect(lockoutDelay(Number.NaN)).toBe(0);
    expect(lockoutDelay(-5)).toBe(0);
  });

  it("is non-decreasing in the number of failures, for both policies", () => {
    for (const policy of [ACCOUNT_LOCKOUT, IP_LOCKOUT]) {
      let last = 0;
      for (let n = 0; n < 200; n++) {
        const d = lockoutDelay(n, policy);
        expect(d).toBeGreaterThanOrEqual(last);
        expect(d).toBeLessThanOrEqual(policy.capMs);
        last = d;
      }
    }
  });

  it("gives an IP more free failures than an account", () => {
    expect(lockoutDelay(10, ACCOUNT_LOCKOUT)).toBeGreaterThan(0);
    expect(lockoutDelay(10, IP_LOCKOUT)).toBe(0);
    expect(lockoutDelay(21, IP_LOCKOUT)).toBe(1000);
  });
});

describe("checkLockout", () => {
  const T = 1_700_000_000_000;
  const fail = (n: number, at = T): FailureRecord => ({ failures: n, lastFailureAt: at });

  it("lets a clean account and IP try", () => {
    expect(checkLockout({ account: CLEAN_RECORD, ip: CLEAN_RECORD }, T)).toEqual({ ok: true });
  });

  it("makes the account wait out its backoff after the last failure", () => {
    expect(checkLockout({ account: fail(5), ip: CLEAN_RECORD }, T + 500)).toEqual({ ok: false, scope: "account", retryAfterMs: 1500 });
    expect(checkLockout({ account: fail(5), ip: CLEAN_RECORD }, T + 2000)).toEqual({ ok: true });
  });

  it("blocks by IP when the IP's wait is the longer one", () => {
    expect(checkLockout({ account: fail(4), ip: fail(25) }, T)).toEqual({ ok: false, scope: "ip", retryAfterMs: 16_000 });
  });

  it("recordFailure counts up and stamps the time; a success resets the account", () => {
    let r: FailureRecord = CLEAN_RECORD;
    for (let i = 0; i < 5; i++) r = recordFailure(r, T + i);
    expect(r).toEqual({ failures: 5, lastFailureAt: T + 4 });
    expect(checkLockout({ account: r, ip: CLEAN_RECORD }, T + 4).ok).toBe(false);
    expect(checkLockout({ account: CLEAN_RECORD, ip: CLEAN_RECORD }, T + 4).ok).toBe(true);
  });
});
