import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";
import { readConfig } from "./env.ts";

/**
 * Where users log in from: the WebAuthn relying party id and the web origin
 * that passkey ceremonies must come from and login links point to. Configured
 * (AYVLO_RP_ID, AYVLO_ORIGIN) or else the request's own host and origin.
 */
export function relyingParty(c: Context<AppEnv>): { rpID: string; origin: string } {
  const config = readConfig(c.env);
  const url = new URL(c.req.url);
  return { rpID: config.AYVLO_RP_ID ?? url.hostname, origin: config.AYVLO_ORIGIN ?? url.origin };
}
