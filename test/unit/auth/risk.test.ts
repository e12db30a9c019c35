import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../../src/detect/prng.ts";
import { distanceKm, impossibleTravel, riskAction, riskScore, type RiskSignals } from "../../../src/auth/risk.ts";

const calm: RiskSignals = { failedAttempts: 0, newDevice: false, impossibleTravel: false };
const H = 3_600_000;
const BERLIN = { lat: 52.52, lon: 13.405 };
const NEW_YORK = { lat: 40.7128, lon: -74.006 };
const POTSDAM = { lat: 52.3906, lon: 13.0645 };

describe("riskScore", () => {
  it("is 0 with no reasons for a calm login", () => {
    expect(riskScore(calm)).toEqual({ score: 0, reasons: [] });
  });

  it("weighs each signal and lists the reasons, largest first", () => {
    expect(riskScore({ ...calm, newDevice: true })).toEqual({ score: 25, reasons: [{ code: "new_device", points: 25 }] });
    expect(riskScore({ ...calm, failedAttempts: 2, newCountry: true, ipReputation: 50 })).toEqual({
      score: 46,
      reasons: [
        { code: "failed_attempts", points: 16 },
        { code: "new_country", points: 15 },
        { code: "ip_reputation", points: 15 },
      ],
    });
    expect(riskScore({ ...calm, impossibleTravel: true, anonymizingNetwork: true }).reasons.map((r) => r.code)).toEqual(["impossible_travel", "anonymizing_network"]);
  });

  it("caps failed attempts at 40 points and the total at 100", () => {
    expect(riskScore({ ...calm, failedAttempts: 1000 }).score).toBe(40);
    expect(riskScore({ failedAttempts: 9, newDevice: true, impossibleTravel: true, newCountry: true, ipReputation: 100, anonymizingNetwork: true }).score).toBe(100);
  });

  it("ignores nonsense: negative counts, reputation out of range or NaN", () => {
    expect(riskScore({ ...calm, failedAttempts: -3, ipReputation: Number.NaN }).score).toBe(0);
    expect(riskScore({ ...calm, ipReputation: 500 }).score).toBe(30);
    expect(riskScore({ ...calm, ipReputation: -5 }).score).toBe(0);
  });

  it("is monotone: adding a signal never lowers the score (random signals)", () => {
    const rnd = mulberry32(3);
    const random = (): RiskSignals => ({ failedAttempts: Math.floor(rnd() * 8), newDevice: rnd() < 0.5, impossibleTravel: rnd() < 0.3, newCountry: rnd() < 0.3, ipReputation: Math.floor(rnd() * 100), anonymizingNetwork: rnd() < 0.2 });
    for (let i = 0; i < 500; i++) {
      const s = random();
      const { score } = riskScore(s);
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(100);
      expect(score).toBe(Math.min(100, riskScore(s).reasons.reduce((a, r) => a + r.points, 0)));
      for (const more of [{ newDevice: true }, { impossibleTravel: true }, { failedAttempts: s.failedAttempts + 1 }, { ipReputation: 100 }, { anonymizingNetwork: true }, { newCountry: true }]) {
        expect(riskScore({ ...s, ...more }).score).toBeGreaterThanOrEqual(score);
      }
    }
  });
});

describe("riskAction", () => {
  it("allows below 40, asks for MFA from 40, blocks from 90", () => {
    expect([0, 39, 40, 89, 90, 100].map((s) => riskAction(s))).toEqual(["allow", "allow", "mfa", "mfa", "block", "block"]);
    expect(riskAction(30, { mfa: 20 })).toBe("mfa");
    expect(riskAction(30, { mfa: 20, block: 30 })).toBe("block");
  });

  it("a new device alone does not demand MFA; a new device after failures does; impossible travel does", () => {
    expect(riskAction(riskScore({ ...calm, newDevice: true }).score)).toBe("allow");
    expect(riskAction(riskScore({ ...calm, newDevice: true, failedAttempts: 2 }).score)).toBe("mfa");
    expect(riskAction(riskScore({ ...calm, impossibleTravel: true }).score)).toBe("mfa");
  });
});

describe("impossible travel", () => {
  it("measures great-circle distances", () => {
    expect(distanceKm(BERLIN, NEW_YORK)).toBeGreaterThan(6370);
    expect(distanceKm(BERLIN, NEW_YORK)).toBeLessThan(6400);
    expect(distanceKm(BERLIN, BERLIN)).toBe(0);
    expect(distanceKm({ lat: 0, lon: 0 }, { lat: 0, lon: 180 })).toBeCloseTo(Math.PI * 6371.0088, 0);
    expect(distanceKm(BERLIN, NEW_YORK)).toBeCloseTo(distanceKm(NEW_YORK, BERLIN), 9);
  });

  it("Berlin then New York one hour later is impossible; eight hours later is a flight", () => {
    const one = impossibleTravel({ ...BERLIN, at: 0 }, { ...NEW_YORK, at: H });
    expect(one.impossible).toBe(true);
    expect(one.kmh).toBeGreaterThan(6000);
    expect(impossibleTravel({ ...BERLIN, at: 0 }, { ...NEW_YORK, at: 8 * H }).impossible).toBe(false);
  });

  it("draws the line at about 900 km/h", () => {
    const km = distanceKm(BERLIN, NEW_YORK);
    const hoursAt = (kmh: number) => (km / kmh) * H;
    expect(impossibleTravel({ ...BERLIN, at: 0 }, { ...NEW_YORK, at: hoursAt(950) }).impossible).toBe(true);
    expect(impossibleTravel({ ...BERLIN, at: 0 }, { ...NEW_YORK, at: hoursAt(850) }).impossible).toBe(false);
    expect(impossibleTravel({ ...BERLIN, at: 0 }, { ...NEW_YORK, at: hoursAt(850) }, 800).impossible).toBe(true);
  });

  it("ignores short hops (geolocation noise), even at the same instant", () => {
    expect(impossibleTravel({ ...BERLIN, at: 0 }, { ...POTSDAM, at: 60_000 }).impossible).toBe(false);
    expect(impossibleTravel({ ...BERLIN, at: 0 }, { ...BERLIN, at: 0 })).toEqual({ impossible: false, km: 0, kmh: 0 });
    expect(impossibleTravel({ ...BERLIN, at: 0 }, { ...NEW_YORK, at: 0 })).toMatchObject({ impossible: true, kmh: Number.POSITIVE_INFINITY });
  });

  it("does not care which login came first", () => {
    expect(impossibleTravel({ ...NEW_YORK, at: H }, { ...BERLIN, at: 0 }).impossible).toBe(true);
  });
});
