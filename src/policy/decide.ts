/**
 * The one access-decision engine.
 *
 * 1. A subject and a resource of different tenants: denied, whatever else says.
 * 2. The baseline: the subject's role grants (from the role table) and, for an
 *    API key, its scopes' grants (from the scope table). A key that also carries
 *    its owner's role gets the intersection — a key never exceeds its owner.
 *    A baseline grant is an allow at priority 0 (BASELINE_PRIORITY).
 * 3. Every policy whose action glob, resource glob and condition all match applies.
 * 4. Of everything that applies, the highest priority wins; at equal priority a
 *    deny overrides an allow. Nothing applies: denied (default deny).
 * So adding a deny can never grant anything, and an allow at priority > 0 can
 * lift a deny only of lower priority.
 */
import type { Scope } from "../api-keys.ts";
import { evaluateCondition } from "./condition.ts";
import { anyGlobMatch } from "./glob.ts";
import type { AccessRequest } from "./request.ts";
import { resourceName } from "./request.ts";
import { DEFAULT_ROLE_TABLE, DEFAULT_SCOPE_TABLE, type RoleTable, type ScopeTable } from "./roles.ts";
import type { Policy } from "./schema.ts";

/** The priority at which role and scope grants stand. */
export const BASELINE_PRIORITY = 0;

/** The engine's answer. `matched` names what decided: a policy id, `role:<r>`, `scope:<s>`, or null. */
export interface Decision {
  allowed: boolean;
  reason: string;
  matched: string | null;
}

/** Why a policy does or does not apply to a request. */
export type PolicyFit = "applies" | "action_mismatch" | "resource_mismatch" | "condition_false";

/** Tables the baseline comes from. */
export interface Tables {
  roles?: RoleTable;
  scopes?: ScopeTable;
}

/** Whether, and why not, one policy applies to the request. */
export function policyFit(policy: Policy, request: AccessRequest): PolicyFit {
  if (!anyGlobMatch(policy.actions, request.action)) return "action_mismatch";
  if (!anyGlobMatch(policy.resources, resourceName(request.resource))) return "resource_mismatch";
  if (policy.condition && !evaluateCondition(policy.condition, request)) return "condition_false";
  return "applies";
}

/** The baseline grant for the request: `role:<r>` / `scope:<s>`, or null when the baseline does not allow it. */
export function baselineGrant(request: AccessRequest, tables: Tables = {}): string | null {
  const { role, scopes } = request.subject;
  const roleTable = tables.roles ?? DEFAULT_ROLE_TABLE;
  const scopeTable = tables.scopes ?? DEFAULT_SCOPE_TABLE;
  const roleGrants = role !== undefined && Object.hasOwn(roleTable, role) && anyGlobMatch(roleTable[role], request.action);
  const scope = scopes?.find((s: Scope) => Object.hasOwn(scopeTable, s) && anyGlobMatch(scopeTable[s], request.action));
  if (scopes !== undefined && role !== undefined) return roleGrants && scope ? `scope:${scope}` : null;
  if (scopes !== undefined) return scope ? `scope:${scope}` : null;
  return roleGrants ? `role:${role}` : null;
}

/** Decides one request against the tenant's policies and the role table. */
export function decide(request: AccessRequest, policies: readonly Policy[], roleTable: RoleTable = DEFAULT_ROLE_TABLE, scopeTable: ScopeTable = DEFAULT_SCOPE_TABLE): Decision {
  const { subject, resource, action } = request;
  if (subject.tenant_id !== undefined && resource.tenant_id !== undefined && subject.tenant_id !== resource.tenant_id) {
    return { allowed: false, reason: "the subject and the resource belong to different tenants", matched: null };
  }
  const applicable = policies.filter((p) => policyFit(p, request) === "applies");
  const grant = baselineGrant(request, { roles: roleTable, scopes: scopeTable });
  const top = Math.max(-Infinity, ...applicable.map((p) => p.priority), grant ? BASELINE_PRIORITY : -Infinity);
  if (top === -Infinity) {
    return { allowed: false, reason: `nothing grants ${action} on ${resourceName(resource)} (default deny)`, matched: null };
  }
  const atTop = applicable.filter((p) => p.priority === top).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const deny = atTop.find((p) => p.effect === "deny");
  if (deny) return { allowed: false, reason: `denied by policy ${deny.id} (priority ${deny.priority})`, matched: deny.id };
  const allow = atTop.find((p) => p.effect === "allow");
  if (allow) return { allowed: true, reason: `allowed by policy ${allow.id} (priority ${allow.priority})`, matched: allow.id };
  // Only the baseline stands at the top.
  return { allowed: true, reason: `allowed by ${grant!.replace(":", " ")}`, matched: grant };
}
