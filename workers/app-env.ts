import type { Scope } from "../src/api-keys.ts";
import type { Store, TenantRow } from "./db/store.ts";

/** Who is calling: set by the auth middleware. An API key or a person's session. */
export interface Caller {
  tenant: TenantRow;
  /** How audit entries name who acted: `key:<id>` or `user:<id>`. */
  actor: string;
  keyId: string | null;
  userId: string | null;
  /** An API key's scopes. */
  scopes: Scope[] | null;
  /** A person's role in the tenant. */
  role: string | null;
  /** A person's session: its family (one login) and the methods it was proven with (`pwd`, `otp`, `webauthn`, `email`). */
  session: { familyId: string; amr: string[] } | null;
}

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    store: Store;
    caller: Caller;
    /** The owner an Idempotency-Key belongs to: a tenant id, or "operator". */
    idempotencyOwner: string;
  };
}
