/**
 * A circuit breaker per destination, as a pure state machine:
 *   closed ──N consecutive failures──▶ open ──cool-down elapsed──▶ half-open
 *   half-open: one probe goes through; success ▶ closed, failure ▶ open again.
 * While open, callers are told when to come back (`retryAt`). A probe whose
 * outcome never arrives (the caller crashed) is given up after `probeTimeoutMs`
 * and another probe is allowed. The state is plain JSON.
 */

export interface BreakerConfig {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before a probe. */
  coolDownMs: number;
  /** How long a half-open probe may stay unanswered. */
  probeTimeoutMs: number;
}

export const DEFAULT_BREAKER: BreakerConfig = { failureThreshold: 5, coolDownMs: 60_000, probeTimeoutMs: 30_000 };

export type BreakerState =
  | { status: "closed"; consecutiveFailures: number }
  | { status: "open"; openedAt: number; consecutiveFailures: number }
  | { status: "half_open"; probeStartedAt: number; consecutiveFailures: number };

export type BreakerDecision = { allowed: true; probe: boolean; state: BreakerState } | { allowed: false; retryAt: number; state: BreakerState };

/** A closed breaker. */
export function closedBreaker(): BreakerState {
  return { status: "closed", consecutiveFailures: 0 };
}

/** May a request go to the destination at `now`? Moves open → half-open when the cool-down is over. */
export function allowRequest(state: BreakerState, now: number, config: BreakerConfig = DEFAULT_BREAKER): BreakerDecision {
  switch (state.status) {
    case "closed":
      return { allowed: true, probe: false, state };
    case "open": {
      const reopensAt = state.openedAt + config.coolDownMs;
      if (now < reopensAt) return { allowed: false, retryAt: reopensAt, state };
      return { allowed: true, probe: true, state: { status: "half_open", probeStartedAt: now, consecutiveFailures: state.consecutiveFailures } };
    }
    case "half_open": {
      const probeExpiresAt = state.probeStartedAt + config.probeTimeoutMs;
      if (now < probeExpiresAt) return { allowed: false, retryAt: probeExpiresAt, state };
      return { allowed: true, probe: true, state: { ...state, probeStartedAt: now } };
    }
  }
}

/** A request succeeded: the circuit closes. */
export function recordSuccess(_state: BreakerState): BreakerState {
  return closedBreaker();
}

/** A request failed: counts toward the threshold; a failed probe re-opens at once. */
export function recordFailure(state: BreakerState, now: number, config: BreakerConfig = DEFAULT_BREAKER): BreakerState {
  const consecutiveFailures = state.consecutiveFailures + 1;
  if (state.status === "half_open" || (state.status === "closed" && consecutiveFailures >= config.failureThreshold)) {
    return { status: "open", openedAt: now, consecutiveFailures };
  }
  // A late failure reported while already open does not push the reopening back.
  return { ...state, consecutiveFailures };
}
