import { env } from "cloudflare:test";
import { genesisHead, verifyChain, type AuditEntry } from "../src/audit/index.ts";
import { call, callAs, sessionFrom, TEST_PASSWORD, type TestSession } from "./helpers.ts";

/** The tenant's audit chain as stored in D1. */
export async function chainOf(tenantId: string): Promise<AuditEntry[]> {
  const { results } = await env.DB.prepare("SELECT seq, at, actor, action, target, data, prev_hash, hash FROM audit_log WHERE tenant_id = ? ORDER BY seq").bind(tenantId).all<AuditEntry & { data: string }>();
  return results.map((r) => ({ ...r, data: JSON.parse(r.data as unknown as string) }));
}

/** Whether the tenant's chain verifies from its genesis. */
export async function chainVerifies(tenantId: string) {
  return verifyChain(await chainOf(tenantId), await genesisHead(tenantId));
}

/** Invites someone into `by`'s tenant with `role` and accepts; returns their session. */
export async function invited(by: TestSession, role: "viewer" | "member" | "admin" | "owner", email = `${role}-${crypto.randomUUID()}@example.com`): Promise<TestSession> {
  const inv = await callAs(by, "POST", "/v1/users/invitations", { body: { email, role } });
  if (inv.status !== 201) throw new Error(`invitation failed: ${inv.status} ${await inv.text()}`);
  const { token } = await inv.json<{ token: string }>();
  const res = await call("POST", "/v1/auth/invitations/accept", { body: { token, password: TEST_PASSWORD } });
  if (res.status !== 201) throw new Error(`accept failed: ${res.status} ${await res.text()}`);
  return sessionFrom(res, await res.json());
}
