import type { Scope } from "../src/api-keys.ts";
import type { Store, TenantRow } from "./db/store.ts";

/** Who is calling: set by the auth middleware. */
export interface Caller {
  tenant: TenantRow;
  keyId: string;
  scopes: Scope[];
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
