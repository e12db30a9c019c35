import { d1 } from "../db/d1.ts";
import { retentionCutoff } from "../../src/plans.ts";
import { audited } from "../audit.ts";
import { expiredCounts, expiredDeletes, pruneEphemeral, tenantMetrics, tenantsAfter } from "../db/retention.ts";
import { log } from "../log.ts";
import { seriesStub } from "../series-stub.ts";

/** What retention removed from one tenant. */
export interface RetentionReport {
  tenant_id: string;
  cutoff: number;
  anomalies: number;
  deliveries: number;
  login_events: number;
  points: number;
}

const PAGE = 100;

/**
 * The daily retention run: for every tenant, drops points, anomalies,
 * deliveries and login history older than its plan keeps, and records what it
 * dropped in the tenant's audit chain (the D1 deletes in the same batch as the
 * entry). Archives in R2 and the audit chain itself are kept.
 */
export async function runRetention(env: Env, now = Date.now()): Promise<RetentionReport[]> {
  const db = d1(env);
  const reports: RetentionReport[] = [];
  let after = "";
  let seen = 0;
  for (;;) {
    const page = await tenantsAfter(db, after, PAGE);
    for (const tenant of page) {
      const cutoff = retentionCutoff(tenant.plan, now);
      let points = 0;
      for (const metric of await tenantMetrics(db, tenant.id)) points += (await seriesStub(env, tenant, metric).prune(cutoff)).points;
      const rows = await expiredCounts(db, tenant.id, cutoff);
      if (points + rows.anomalies + rows.deliveries + rows.login_events === 0) continue;
      const report = { tenant_id: tenant.id, cutoff, ...rows, points };
      await audited(env, tenant.id, { actor: "system", action: "retention.pruned", target: `tenant:${tenant.id}`, data: { cutoff, ...rows, points } }, expiredDeletes(db, tenant.id, cutoff));
      reports.push(report);
    }
    seen += page.length;
    log("info", "retention.progress", { tenants_seen: seen, tenants_pruned: reports.length });
    if (page.length < PAGE) break;
    after = page.at(-1)!.id;
  }
  await pruneEphemeral(db, now);
  return reports;
}
