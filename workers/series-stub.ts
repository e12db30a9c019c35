import { getTenant } from "./db/accounts.ts";
import { d1 } from "./db/d1.ts";
import type { TenantRow } from "./db/store.ts";
import { readConfig } from "./env.ts";

// Where a tenant's Durable Objects live: one Series per tenant × metric, one
// TenantGate and one AlertRouter per tenant. EU tenants' objects stay in the EU jurisdiction when
// deployed; workerd (local development, tests) has no jurisdictions.

function namespaceFor<T extends Rpc.DurableObjectBranded | undefined>(env: Env, ns: DurableObjectNamespace<T>, tenant: Pick<TenantRow, "region">): DurableObjectNamespace<T> {
  return tenant.region === "eu" && readConfig(env).ENVIRONMENT !== "development" ? ns.jurisdiction("eu") : ns;
}

export function seriesStub(env: Env, tenant: TenantRow, metric: string) {
  const ns = namespaceFor(env, env.SERIES, tenant);
  return ns.get(ns.idFromName(`${tenant.id}:${metric}`));
}

export function gateStub(env: Env, tenant: TenantRow) {
  const ns = namespaceFor(env, env.TENANT_GATE, tenant);
  return ns.get(ns.idFromName(tenant.id));
}

/** The tenant's AlertRouter (alert groups, workflows, circuit breakers). */
export function routerStub(env: Env, tenant: Pick<TenantRow, "id" | "region">) {
  const ns = namespaceFor(env, env.ALERT_ROUTER, tenant);
  return ns.get(ns.idFromName(tenant.id));
}

// A tenant's region never changes: queue consumers, which know only the id, look it up once per isolate.
const regions = new Map<string, TenantRow["region"]>();

/** The AlertRouter of a tenant known by id (queue consumers). */
export async function routerOfTenant(env: Env, tenantId: string) {
  let region = regions.get(tenantId);
  if (!region) {
    const row = await getTenant(d1(env), tenantId);
    region = row?.region ?? "us";
    if (row) regions.set(tenantId, region);
  }
  return routerStub(env, { id: tenantId, region });
}
