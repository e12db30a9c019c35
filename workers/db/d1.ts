import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";

/** The drizzle handle over the D1 binding, for the per-resource functions in workers/db. */
export function d1(env: Env): DrizzleD1Database {
  return drizzle(env.DB);
}
