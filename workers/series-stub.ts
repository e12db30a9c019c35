import type { TenantRow } from "./db/store.ts";

// Where a tenant's Durable Objects live: one Series per tenant × metric, one
// TenantGate per tenant; EU tenants' objects stay in the EU jurisdiction.

function namespaceFor<T extends Rpc.DurableObjectBranded | undefined>(ns: DurableObjectNamespace<T>, tenant: TenantRow): DurableObjectNamespace<T> {
  return tenant.region === "eu" ? ns.jurisdiction("eu") : ns;
}

export function seriesStub(env: Env, tenant: TenantRow, metric: string) {
  const ns = namespaceFor(env.SERIES, tenant);
  return ns.get(ns.idFromName(`${tenant.id}:${metric}`));
}

export function gateStub(env: Env, tenant: TenantRow) {
  const ns = namespaceFor(env.TENANT_GATE, tenant);
  return ns.get(ns.idFromName(tenant.id));
}
