import { SELF, env } from "cloudflare:test";

export const ADMIN_TOKEN = env.AYVLO_ADMIN_TOKEN;
const BASE = "https://ayvlo.test";

export interface TestTenant {
  id: string;
  key: string;
  keyId: string;
}

/** Calls the Worker as a client would. */
export function call(method: string, path: string, options: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body: string | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers["content-type"] = "application/json";
  }
  return SELF.fetch(`${BASE}${path}`, { method, headers, body });
}

/** A fresh tenant (own id, own Durable Objects) with an all-scopes key. */
export async function newTenant(plan: "free" | "pro" | "enterprise" = "pro", region: "us" | "eu" = "us"): Promise<TestTenant> {
  const res = await call("POST", "/v1/admin/tenants", { key: ADMIN_TOKEN, body: { name: `t-${crypto.randomUUID()}`, plan, region } });
  if (res.status !== 201) throw new Error(`tenant creation failed: ${res.status} ${await res.text()}`);
  const body = await res.json<{ tenant: { id: string }; api_key: string; api_key_id: string }>();
  return { id: body.tenant.id, key: body.api_key, keyId: body.api_key_id };
}

/** A key of `tenant` limited to `scopes`. */
export async function keyWithScopes(tenant: TestTenant, scopes: string[]): Promise<string> {
  const res = await call("POST", "/v1/api-keys", { key: tenant.key, body: { name: scopes.join("+"), scopes } });
  if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${await res.text()}`);
  return (await res.json<{ key: string }>()).key;
}

export const T0 = Date.UTC(2026, 0, 1);
