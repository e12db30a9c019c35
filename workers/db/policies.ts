import { and, eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Policy } from "../../src/policy/index.ts";
import { policies } from "./schema-trust.ts";
import type { PolicyRow } from "./accounts.ts";

// A tenant's access policies. Writes are returned unexecuted: the route runs
// them through `audited` so the change and its audit entry commit together.

export async function getPolicy(db: DrizzleD1Database, tenantId: string, id: string): Promise<PolicyRow | null> {
  return (await db.select().from(policies).where(and(eq(policies.tenantId, tenantId), eq(policies.id, id))).limit(1))[0] ?? null;
}

export function insertPolicy(db: DrizzleD1Database, tenantId: string, policy: Policy, now: number) {
  return db.insert(policies).values({ tenantId, id: policy.id, body: policy as unknown as Record<string, unknown>, createdAt: now, updatedAt: now });
}

export function updatePolicy(db: DrizzleD1Database, tenantId: string, policy: Policy, now: number) {
  return db
    .update(policies)
    .set({ body: policy as unknown as Record<string, unknown>, updatedAt: now })
    .where(and(eq(policies.tenantId, tenantId), eq(policies.id, policy.id)));
}

export function deletePolicy(db: DrizzleD1Database, tenantId: string, id: string) {
  return db.delete(policies).where(and(eq(policies.tenantId, tenantId), eq(policies.id, id)));
}
