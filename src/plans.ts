/** What each plan allows. Rates are in points per second; a request spends one token per point. */
export type PlanName = "free" | "pro" | "enterprise";

export interface PlanLimits {
  /** Sustained ingest rate, points per second. */
  ratePerSecond: number;
  /** Bucket size: the most points accepted at once after a quiet period. */
  burst: number;
  /** Distinct tag sets one metric may hold. */
  maxTagSetsPerMetric: number;
  /** How long points, anomalies, deliveries and login history are kept (archives stay in R2). */
  retentionDays: number;
}

export const PLANS: Record<PlanName, PlanLimits> = {
  free: { ratePerSecond: 1_000, burst: 20_000, maxTagSetsPerMetric: 100, retentionDays: 30 },
  pro: { ratePerSecond: 50_000, burst: 200_000, maxTagSetsPerMetric: 1_000, retentionDays: 395 },
  enterprise: { ratePerSecond: 2_000_000, burst: 4_000_000, maxTagSetsPerMetric: 10_000, retentionDays: 1_095 },
};

export const PLAN_NAMES = Object.keys(PLANS) as PlanName[];

const DAY_MS = 86_400_000;

/** The oldest time a plan keeps at `now`: data strictly before it is pruned. */
export function retentionCutoff(plan: PlanName, now: number): number {
  return now - PLANS[plan].retentionDays * DAY_MS;
}
