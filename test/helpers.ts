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

/** The Series Durable Object of a tenant's metric (US region). */
export function seriesObject(tenantId: string, metric: string) {
  return env.SERIES.get(env.SERIES.idFromName(`${tenantId}:${metric}`));
}

/** Points of one series at one-minute steps from T0: small deterministic pseudo-random noise (±5%) around `level`. */
export function steadyPoints(metric: string, count: number, options: { level?: number; start?: number; tags?: Record<string, string> } = {}) {
  const level = options.level ?? 100;
  const start = options.start ?? T0;
  return Array.from({ length: count }, (_, i) => ({
    metric,
    value: level * (1 + 0.05 * noise(i)),
    timestamp: start + i * 60_000,
    ...(options.tags ? { tags: options.tags } : {}),
  }));
}

export async function ingest(key: string, points: unknown, query = "") {
  return call("POST", `/v1/ingest${query}`, { key, body: points });
}

/**
 * Runs the Series object's alarm (its outbox flush to D1) and waits until
 * `done` holds. The alarm may already have fired by itself; either way the
 * check is retried a bounded number of times.
 */
export async function flushed(tenant: TestTenant, metric: string, done: () => Promise<boolean>): Promise<boolean> {
  const { runDurableObjectAlarm } = await import("cloudflare:test");
  for (let attempt = 0; attempt < 50; attempt++) {
    await runDurableObjectAlarm(seriesObject(tenant.id, metric));
    if (await done()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

/** Deterministic noise in [-1, 1]. */
function noise(i: number): number {
  const x = Math.sin(i * 12.9898 + 78.233) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

/** A person's browser session: the cookies to send back and the CSRF token to echo. */
export interface TestSession {
  cookie: string;
  csrf: string;
  userId: string;
  tenantId: string;
  email: string;
}

/** The `name=value` pairs a response sets (Set-Cookie), ignoring deletions. */
export function cookiesOf(res: Response): Record<string, string> {
  const jar: Record<string, string> = {};
  for (const line of res.headers.getSetCookie()) {
    const [pair = ""] = line.split(";");
    const at = pair.indexOf("=");
    const value = pair.slice(at + 1);
    if (value && !/max-age=0/i.test(line)) jar[pair.slice(0, at)] = value;
  }
  return jar;
}

export function sessionFrom(res: Response, body: { user: { id: string; email: string }; tenant?: { id: string } }, tenantId?: string): TestSession {
  const jar = cookiesOf(res);
  return {
    cookie: Object.entries(jar).map(([k, v]) => `${k}=${v}`).join("; "),
    csrf: jar["__Host-ayvlo_csrf"] ?? "",
    userId: body.user.id,
    tenantId: body.tenant?.id ?? tenantId ?? "",
    email: body.user.email,
  };
}

export const TEST_PASSWORD = "correct horse battery staple";

/** Signs up a new tenant and its owner; returns the owner's session. */
export async function signup(options: { email?: string; password?: string; tenantName?: string } = {}): Promise<TestSession> {
  const email = options.email ?? `owner-${crypto.randomUUID()}@example.com`;
  const res = await call("POST", "/v1/auth/signup", { body: { email, password: options.password ?? TEST_PASSWORD, tenant_name: options.tenantName ?? "Acme" } });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${await res.text()}`);
  return sessionFrom(res, await res.json());
}

/** Calls the Worker with a session's cookies (and its CSRF token on changes). */
export function callAs(session: TestSession, method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; csrf?: boolean } = {}) {
  const headers: Record<string, string> = { cookie: session.cookie, ...options.headers };
  if (method !== "GET" && options.csrf !== false) headers["x-csrf-token"] = session.csrf;
  return call(method, path, { body: options.body, headers });
}
