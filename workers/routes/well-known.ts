import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { publicJwks } from "../keys.ts";

/** Public keys for session tokens and audit checkpoints (ES256, by kid). */
export const wellKnownRoutes = new Hono<AppEnv>().get("/jwks.json", async (c) => {
  c.header("cache-control", "public, max-age=300");
  return c.json(await publicJwks(c.env));
});
