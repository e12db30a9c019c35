import { z } from "zod";
import { setLogLevel } from "./log.ts";

// The Worker's vars and secrets, checked once per isolate: a misconfigured
// deployment fails loudly on its first request instead of misbehaving later.
const EnvSchema = z.object({
  ENVIRONMENT: z.enum(["development", "staging", "production"]).default("development"),
  AYVLO_VERSION: z.string().default("0.0.0"),
  AYVLO_ADMIN_TOKEN: z.string().min(16, "AYVLO_ADMIN_TOKEN must be at least 16 characters (see .dev.vars.example)"),
  AYVLO_BENCH_ROUTES: z.enum(["0", "1"]).default("0"),
  AYVLO_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
});

export type Config = z.infer<typeof EnvSchema>;

let cached: { source: unknown; config: Config } | undefined;

export function readConfig(env: Env): Config {
  if (cached?.source === env) return cached.config;
  const config = EnvSchema.parse(env);
  setLogLevel(config.AYVLO_LOG_LEVEL);
  cached = { source: env, config };
  return config;
}
