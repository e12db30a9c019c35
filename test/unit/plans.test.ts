import { describe, expect, it } from "vitest";
import { PLAN_NAMES, PLANS, retentionCutoff } from "../../src/plans.ts";

describe("plan retention", () => {
  it("keeps exactly the plan's days, and a bigger plan never keeps less", () => {
    const now = Date.UTC(2026, 10, 24, 12);
    for (const plan of PLAN_NAMES) expect(now - retentionCutoff(plan, now)).toBe(PLANS[plan].retentionDays * 86_400_000);
    expect(PLANS.free.retentionDays).toBeLessThan(PLANS.pro.retentionDays);
    expect(PLANS.pro.retentionDays).toBeLessThan(PLANS.enterprise.retentionDays);
  });

  it("moves with the clock: the cutoff advances exactly as time does", () => {
    for (let i = 0; i < 100; i++) {
      const now = 1_700_000_000_000 + i * 7_919_321;
      const step = (i * 104_729) % 86_400_000;
      for (const plan of PLAN_NAMES) expect(retentionCutoff(plan, now + step) - retentionCutoff(plan, now)).toBe(step);
    }
  });
});
