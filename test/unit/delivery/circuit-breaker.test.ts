import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../../src/detect/prng.ts";
import { allowRequest, closedBreaker, recordFailure, recordSuccess, type BreakerConfig, type BreakerState } from "../../../src/delivery/circuit-breaker.ts";

const config: BreakerConfig = { failureThreshold: 3, coolDownMs: 10_000, probeTimeoutMs: 5_000 };

function failTimes(state: BreakerState, n: number, now: number): BreakerState {
  for (let i = 0; i < n; i++) state = recordFailure(state, now, config);
  return state;
}

describe("circuit breaker", () => {
  it("stays closed below the threshold and a success resets the count", () => {
    let s = failTimes(closedBreaker(), 2, 0);
    expect(s.status).toBe("closed");
    s = recordSuccess(s);
    s = failTimes(s, 2, 0);
    expect(s).toEqual({ status: "closed", consecutiveFailures: 2 });
  });

  it("opens after N consecutive failures and refuses until the cool-down ends", () => {
    const s = failTimes(closedBreaker(), 3, 1_000);
    expect(s).toEqual({ status: "open", openedAt: 1_000, consecutiveFailures: 3 });
    expect(allowRequest(s, 10_999, config)).toEqual({ allowed: false, retryAt: 11_000, state: s });
  });

  it("lets exactly one probe through when half-open", () => {
    const open = failTimes(closedBreaker(), 3, 0);
    const probe = allowRequest(open, 10_000, config);
    expect(probe).toMatchObject({ allowed: true, probe: true, state: { status: "half_open", probeStartedAt: 10_000 } });
    const second = allowRequest(probe.state, 10_001, config);
    expect(second).toMatchObject({ allowed: false, retryAt: 15_000 });
  });

  it("closes on a successful probe and re-opens on a failed one", () => {
    const half = allowRequest(failTimes(closedBreaker(), 3, 0), 10_000, config).state;
    expect(recordSuccess(half)).toEqual(closedBreaker());
    const reopened = recordFailure(half, 10_500, config);
    expect(reopened).toMatchObject({ status: "open", openedAt: 10_500 });
    expect(allowRequest(reopened, 20_499, config).allowed).toBe(false);
    expect(allowRequest(reopened, 20_500, config).allowed).toBe(true);
  });

  it("allows a new probe when the previous one never reported back", () => {
    const half = allowRequest(failTimes(closedBreaker(), 3, 0), 10_000, config).state;
    expect(allowRequest(half, 15_000, config)).toMatchObject({ allowed: true, probe: true, state: { probeStartedAt: 15_000 } });
  });

  it("a late failure while open does not extend the cool-down", () => {
    const open = failTimes(closedBreaker(), 3, 0);
    expect(recordFailure(open, 9_000, config)).toMatchObject({ status: "open", openedAt: 0, consecutiveFailures: 4 });
  });

  it("property: against a model, over random traffic", () => {
    const rnd = mulberry32(42);
    for (let run = 0; run < 50; run++) {
      let s = closedBreaker();
      let now = 0;
      let streak = 0;
      let probesInFlight = 0;
      for (let step = 0; step < 300; step++) {
        now += Math.floor(rnd() * 3_000);
        const d = allowRequest(s, now, config);
        s = d.state;
        if (!d.allowed) {
          expect(s.status).not.toBe("closed");
          expect(d.retryAt).toBeGreaterThan(now);
          continue;
        }
        if (d.probe) probesInFlight++;
        // Only ever one probe outstanding at a time (each is answered before the next request here).
        expect(probesInFlight).toBeLessThanOrEqual(1);
        const ok = rnd() < 0.5;
        s = ok ? recordSuccess(s) : recordFailure(s, now, config);
        probesInFlight = 0;
        streak = ok ? 0 : streak + 1;
        if (ok) expect(s.status).toBe("closed");
        if (!ok && (d.probe || streak >= config.failureThreshold)) expect(s.status).toBe("open");
        if (!ok && !d.probe && streak < config.failureThreshold) expect(s.status).toBe("closed");
        expect(JSON.parse(JSON.stringify(s))).toEqual(s);
      }
    }
  });
});
