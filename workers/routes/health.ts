import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { readConfig } from "../env.ts";

export const healthRoutes = new Hono<AppEnv>().get("/", async (c) => {
  const started = Date.now();
  let d1: { status: "ok" | "error"; latency_ms: number; error?: string };
  try {
    await c.var.store.ping();
    d1 = { status: "ok", latency_ms: Date.now() - started };
  } catch (error) {
    d1 = { status: "error", latency_ms: Date.now() - started, error: String(error) };
  }
  const ok = d1.status === "ok";
  return c.json({ status: ok ? "ok" : "degraded", version: readConfig(c.env).AYVLO_VERSION, checks: { d1 } }, ok ? 200 : 503);
});
