/**
 * The simulator behind "may X do Y to Z?" and "who may do Y to Z?": the same
 * engine as `decide`, plus an account of every policy and the baseline.
 */
import type { Scope } from "../api-keys.ts";
import { baselineGrant, decide, policyFit, type Decision, type PolicyFit } from "./decide.ts";
import type { AccessRequest, Environment, Resource, Subject } from "./request.ts";
import { DEFAULT_ROLE_TABLE, DEFAULT_SCOPE_TABLE, type RoleTable, type ScopeTable } from "./roles.ts";
import type { Policy } from "./schema.ts";

/** One policy's part in a simulated decision. */
export interface PolicyTrace {
  id: string;
  effect: "allow" | "deny";
  priority: number;
  fit: PolicyFit;
  decisive: boolean;
}

/** A decision with its explanation. */
export interface Simulation {
  decision: Decision;
  baseline: { grant: string | null; role: string | null; scopes: readonly Scope[] | null };
  policies: PolicyTrace[];
  explanation: string[];
}

/** Options shared by the simulator's questions. */
export interface SimulationOptions {
  roleTable?: RoleTable;
  scopeTable?: ScopeTable;
}

/** Decides the request and explains how: which policies applied, which one decided, and why others did not. */
export function simulate(request: AccessRequest, policies: readonly Policy[] = [], options: SimulationOptions = {}): Simulation {
  const roleTable = options.roleTable ?? DEFAULT_ROLE_TABLE;
  const scopeTable = options.scopeTable ?? DEFAULT_SCOPE_TABLE;
  const decision = decide(request, policies, roleTable, scopeTable);
  const grant = baselineGrant(request, { roles: roleTable, scopes: scopeTable });
  const traces = policies.map((p) => ({ id: p.id, effect: p.effect, priority: p.priority, fit: policyFit(p, request), decisive: p.id === decision.matched }));
  const explanation = [
    grant ? `baseline: ${grant} grants ${request.action} (priority 0)` : `baseline: neither role nor scopes grant ${request.action}`,
    ...traces.map((t) => `policy ${t.id} (${t.effect}, priority ${t.priority}): ${FIT_TEXT[t.fit]}${t.decisive ? " — decisive" : ""}`),
    `decision: ${decision.allowed ? "allowed" : "denied"} — ${decision.reason}`,
  ];
  return { decision, baseline: { grant, role: request.subject.role ?? null, scopes: request.subject.scopes ?? null }, policies: traces, explanation };
}

const FIT_TEXT: Record<PolicyFit, string> = {
  applies: "applies",
  action_mismatch: "action does not match",
  resource_mismatch: "resource does not match",
  condition_false: "condition is false",
};

/** The subjects, of those given, that may do `action` to `resource` (in input order). */
export function whoMay(action: string, resource: Resource, subjects: readonly Subject[], policies: readonly Policy[], options: SimulationOptions & { environment?: Environment } = {}): Subject[] {
  const environment = options.environment ?? {};
  return subjects.filter((subject) => decide({ subject, action, resource, environment }, policies, options.roleTable ?? DEFAULT_ROLE_TABLE, options.scopeTable ?? DEFAULT_SCOPE_TABLE).allowed);
}
