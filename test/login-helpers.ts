import { SELF, env } from "cloudflare:test";
import { genesisHead, verifyChain, type AuditEntry } from "../src/audit/index.ts";
import { cookiesOf, sessionFrom, TEST_PASSWORD, type TestSession } from "./helpers.ts";

/** Where a request comes from, as Cloudflare's edge tells the Worker (request.cf). */
export interface Place {
  latitude: string;
  longitude: string;
  country: string;
  city: string;
}
export const PARIS: Place = { latitude: "48.85", longitude: "2.35", country: "FR", city: "Paris" };
export const LYON: Place = { latitude: "45.76", longitude: "4.84", country: "FR", city: "Lyon" };
export const SYDNEY: Place = { latitude: "-33.87", longitude: "151.21", country: "AU", city: "Sydney" };

/** POST /v1/auth/login from a browser: its cookies (device id), IP and place. */
export function loginRequest(body: Record<string, unknown>, options: { cookie?: string; ip?: string; cf?: Place; userAgent?: string } = {}) {
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": options.userAgent ?? "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", "accept-language": "fr-FR,fr;q=0.9" };
  if (options.cookie) headers.cookie = options.cookie;
  if (options.ip) headers["cf-connecting-ip"] = options.ip;
  return SELF.fetch("https://ayvlo.test/v1/auth/login", { method: "POST", headers, body: JSON.stringify(body), ...(options.cf ? { cf: options.cf } : {}) } as RequestInit);
}

/** The `__Host-ayvlo_device=…` cookie of a session (the browser's device id). */
export function deviceCookie(session: TestSession | string): string {
  const cookie = typeof session === "string" ? session : session.cookie;
  return /__Host-ayvlo_device=[^;]+/.exec(cookie)?.[0] ?? "";
}

/** Logs in with the test password; returns the session (throws unless 200). */
export async function loginOk(email: string, options: Parameters<typeof loginRequest>[1] & { extra?: Record<string, unknown> } = {}): Promise<TestSession & { body: Record<string, unknown> }> {
  const res = await loginRequest({ email, password: TEST_PASSWORD, ...options.extra }, options);
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const body = await res.json<{ user: { id: string; email: string }; tenant: { id: string } }>();
  return { ...sessionFrom(res, body), body };
}

/** A random documentation-range IP, so tests do not share per-IP lockout records. */
export const randomIp = () => `198.51.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`;

export async function chainOf(tenantId: string): Promise<AuditEntry[]> {
  const { results } = await env.DB.prepare("SELECT seq, at, actor, action, target, data, prev_hash, hash FROM audit_log WHERE tenant_id = ? ORDER BY seq").bind(tenantId).all<AuditEntry & { data: string }>();
  return results.map((r) => ({ ...r, data: JSON.parse(r.data as unknown as string) }));
}

/** The tenant's chain verifies; returns its entries. */
export async function verifiedChain(tenantId: string): Promise<AuditEntry[]> {
  const entries = await chainOf(tenantId);
  const result = await verifyChain(entries, await genesisHead(tenantId));
  if (!result.ok) throw new Error(`audit chain broken: ${JSON.stringify(result)}`);
  return entries;
}

export { cookiesOf };

/** Signs up from a place (and IP); returns the owner's session, whose cookie holds the device id. */
export async function signupAt(place?: Place, ip?: string): Promise<TestSession> {
  const email = `owner-${crypto.randomUUID()}@example.com`;
  const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", "accept-language": "fr-FR,fr;q=0.9" };
  if (ip) headers["cf-connecting-ip"] = ip;
  const res = await SELF.fetch("https://ayvlo.test/v1/auth/signup", { method: "POST", headers, body: JSON.stringify({ email, password: TEST_PASSWORD, tenant_name: "Acme" }), ...(place ? { cf: place } : {}) } as RequestInit);
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${await res.text()}`);
  return sessionFrom(res, await res.json());
}
