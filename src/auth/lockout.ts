/**
 * Lockout with exponential backoff, kept per account and per IP address.
 * After `free` failures, each further failure doubles the wait from `baseMs`
 * up to `capMs`; a success resets the account's count. An IP sees many
 * accounts (offices, NAT), so it gets more free failures but the same curve.
 * The delay never becomes a permanent lock: an attacker must not be able to
 * lock a victim out for good by failing on purpose.
 */

/** The shape of a backoff curve. */
export interface LockoutPolicy {
  free: number;
  baseMs: number;
  capMs: number;
}

/** Per account: 3 free failures, then 1 s, 2 s, 4 s … up to 15 minutes. */
export const ACCOUNT_LOCKOUT: LockoutPolicy = { free: 3, baseMs: 1_000, capMs: 15 * 60_000 };
/** Per IP: 20 free failures, then 1 s, 2 s … up to 1 hour. */
export const IP_LOCKOUT: LockoutPolicy = { free: 20, baseMs: 1_000, capMs: 60 * 60_000 };

/** How long to wait after `failures` consecutive failures, in ms (0 while within the free ones). */
export function lockoutDelay(failures: number, policy: LockoutPolicy = ACCOUNT_LOCKOUT): number {
  const over = Math.floor(failures) - policy.free;
  if (!(over > 0)) return 0;
  // 2^(over-1) overflows to Infinity for huge counts; the cap keeps it finite.
  return Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(over - 1, 60));
}

/** The failure record kept for one account or one IP. */
export interface FailureRecord {
  failures: number;
  lastFailureAt: number | null;
}

/** Whether a login may be tried now, or how long the account or IP must wait. */
export function checkLockout(input: { account: FailureRecord; ip: FailureRecord }, now: number, policies: { account?: LockoutPolicy; ip?: LockoutPolicy } = {}): { ok: true } | { ok: false; scope: "account" | "ip"; retryAfterMs: number } {
  const wait = (r: FailureRecord, p: LockoutPolicy) => (r.lastFailureAt === null ? 0 : Math.max(0, r.lastFailureAt + lockoutDelay(r.failures, p) - now));
  const account = wait(input.account, policies.account ?? ACCOUNT_LOCKOUT);
  const ip = wait(input.ip, policies.ip ?? IP_LOCKOUT);
  if (account === 0 && ip === 0) return { ok: true };
  return account >= ip ? { ok: false, scope: "account", retryAfterMs: account } : { ok: false, scope: "ip", retryAfterMs: ip };
}

/** The record after a failed attempt at `now`. */
export function recordFailure(record: FailureRecord, now: number): FailureRecord {
  return { failures: record.failures + 1, lastFailureAt: now };
}

/** The record after a successful login: clean. */
export const CLEAN_RECORD: FailureRecord = Object.freeze({ failures: 0, lastFailureAt: null });
