import type { TenantRow } from "./db/store.ts";
import { readConfig } from "./env.ts";

// Where a tenant's Durable Objects live: one Series per tenant × metric, one
// TenantGate and one AlertRouter per tenant. EU tenants' objects stay in the EU jurisdiction when
// deployed; workerd (local development, tests) has no jurisdictions.

function namespaceFor<T extends Rpc.DurableObjectBranded | undefined>(env: Env, ns: DurableObjectNamespace<T>, tenant: TenantRow): DurableObjectNamespace<T> {
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
export function routerStub(env: Env, tenantId: string) {
  return env.ALERT_ROUTER.get(env.ALERT_ROUTER.idFromName(tenantId));
}
