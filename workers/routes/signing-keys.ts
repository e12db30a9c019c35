import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { requireOperator } from "../middleware/auth.ts";
import { publicJwks, rotateSigningKey } from "../keys.ts";

/** Operator: rotate the ES256 key that signs sessions and checkpoints. Old keys stay in the JWKS. */
export const signingKeyRoutes = new Hono<AppEnv>().post("/rotate", requireOperator(), async (c) => {
  const { kid } = await rotateSigningKey(c.env);
  return c.json({ kid, jwks: await publicJwks(c.env, { fresh: true }) }, 201);
});
