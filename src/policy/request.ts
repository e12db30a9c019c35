/**
 * What the engine judges: may `subject` do `action` to `resource`, in `environment`?
 * Subjects, resources and environments carry free attributes next to the
 * well-known fields; conditions read them by dotted path.
 */
import { z } from "zod";
import { SCOPES, type Scope } from "../api-keys.ts";
import type { Role } from "./roles.ts";
import { ROLES } from "./roles.ts";

/** Who asks: a person (with a role) or an API key (with scopes). */
export interface Subject {
  id: string;
  type?: "user" | "api_key" | "system";
  tenant_id?: string;
  role?: Role;
  scopes?: readonly Scope[];
  [attribute: string]: unknown;
}

/** What is acted on: `<type>:<id>`, the id empty for a collection. */
export interface Resource {
  type: string;
  id?: string;
  tenant_id?: string;
  [attribute: string]: unknown;
}

/** Facts about the moment: `now` in epoch milliseconds, the caller's ip, country… */
export interface Environment {
  now?: number;
  [attribute: string]: unknown;
}

/** One access question. */
export interface AccessRequest {
  subject: Subject;
  action: string;
  resource: Resource;
  environment: Environment;
}

const Attrs = z.record(z.string(), z.unknown());

/** Validates an access request arriving over a boundary (the simulator endpoint). */
export const AccessRequestSchema = z.object({
  subject: z.looseObject({ id: z.string().min(1), type: z.enum(["user", "api_key", "system"]).optional(), tenant_id: z.string().optional(), role: z.enum(ROLES).optional(), scopes: z.array(z.enum(SCOPES)).optional() }),
  action: z.string().regex(/^[a-z_]+\.[a-z_]+$/, "an action like rule.create"),
  resource: z.looseObject({ type: z.string().min(1).regex(/^[a-z_]+$/), id: z.string().optional(), tenant_id: z.string().optional() }),
  environment: Attrs.default({}),
});

/** The string resource globs match against: `<type>:<id>`. */
export function resourceName(resource: Resource): string {
  return `${resource.type}:${resource.id ?? ""}`;
}
