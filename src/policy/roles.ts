/**
 * Roles, the catalogue of actions, and the default permission table.
 *
 * Actions are named `resource.verb`. Roles are ordered owner > admin > member >
 * viewer and each role holds every permission of the roles below it (a test
 * checks this). API-key scopes translate to permission sets through the same
 * table, so keys and people go through one engine:
 * - `ingest` → sending points (`metric.ingest`);
 * - `read`   → every read a viewer has, plus the audit log, deliveries and invoices;
 * - `admin`  → everything the admin role may do, plus ingest and read.
 * Owner-only actions (`user.erase`, `tenant.delete`, `billing.manage`) are never
 * reachable with an API key: they need an owner's own session.
 */
import type { Scope } from "../api-keys.ts";

export const ROLES = ["viewer", "member", "admin", "owner"] as const;
/** A member's role in a tenant, lowest first in ROLES. */
export type Role = (typeof ROLES)[number];

/** 1 for viewer … 4 for owner; 0 for anything that is not a role. */
export function roleRank(role: unknown): number {
  return ROLES.indexOf(role as Role) + 1;
}

/** True when `role` is at least `min` in the role order. */
export function roleAtLeast(role: Role, min: Role): boolean {
  return roleRank(role) >= roleRank(min);
}

const VIEWER = ["anomaly.read", "approval.read", "channel.read", "delivery.read", "metric.read", "rule.read", "silence.read", "usage.read", "tenant.read", "user.read"] as const;
const MEMBER = ["anomaly.acknowledge", "anomaly.resolve", "anomaly.feedback", "approval.decide", "rule.create", "rule.update", "silence.create", "silence.delete"] as const;
const ADMIN = [
  "rule.delete",
  "channel.create",
  "channel.update",
  "channel.delete",
  "channel.rotate_secret",
  "metric.ingest",
  "metric.update",
  "api_key.read",
  "api_key.create",
  "api_key.revoke",
  "user.invite",
  "user.update",
  "user.remove",
  "audit.read",
  "audit.verify",
  "policy.read",
  "policy.create",
  "policy.update",
  "policy.delete",
  "policy.simulate",
  "invoice.read",
  "tenant.update",
  "tenant.export",
] as const;
const OWNER = ["user.erase", "tenant.delete", "billing.manage"] as const;

/** Every action the product knows, as `resource.verb`. */
export const ACTIONS = [...VIEWER, ...MEMBER, ...ADMIN, ...OWNER] as const;
/** One of the known actions. The engine itself accepts any `resource.verb`. */
export type Action = (typeof ACTIONS)[number];

/** Role → action globs it is granted. */
export type RoleTable = Readonly<Record<Role, readonly string[]>>;

/** The default table: each role holds its own actions and every lower role's. */
export const DEFAULT_ROLE_TABLE: RoleTable = Object.freeze({
  viewer: Object.freeze([...VIEWER]),
  member: Object.freeze([...VIEWER, ...MEMBER]),
  admin: Object.freeze([...VIEWER, ...MEMBER, ...ADMIN]),
  owner: Object.freeze([...VIEWER, ...MEMBER, ...ADMIN, ...OWNER]),
});

/** Scope → action globs it is granted (see the module note). */
export type ScopeTable = Readonly<Record<Scope, readonly string[]>>;

/** The default translation of API-key scopes into permissions. */
export const DEFAULT_SCOPE_TABLE: ScopeTable = Object.freeze({
  ingest: Object.freeze(["metric.ingest"]),
  read: Object.freeze([...VIEWER, "audit.read", "audit.verify", "invoice.read"]),
  admin: Object.freeze([...VIEWER, ...MEMBER, ...ADMIN, "metric.ingest"]),
});
