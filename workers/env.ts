import { z } from "zod";
import { setLogLevel } from "./log.ts";

// An unset or blank setting is absent (wrangler turns an empty secret into "").
const optionalText = () =>
  z
    .string()
    .optional()
    .transform((v) => v?.trim() || undefined);
const optionalUrl = () => optionalText().pipe(z.url().optional());

// The Worker's vars and secrets, checked once per isolate: a misconfigured
// deployment fails loudly on its first request instead of misbehaving later.
const EnvSchema = z.object({
  ENVIRONMENT: z.enum(["development", "staging", "production"]).default("development"),
  AYVLO_VERSION: z.string().default("0.0.0"),
  AYVLO_ADMIN_TOKEN: z.string().min(16, "AYVLO_ADMIN_TOKEN must be at least 16 characters (see .dev.vars.example)"),
  AYVLO_BENCH_ROUTES: z.enum(["0", "1"]).default("0"),
  AYVLO_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  // LLM explainer (all optional): a provider is used only when its key is set.
  ANTHROPIC_API_KEY: optionalText(),
  ANTHROPIC_BASE_URL: optionalUrl(),
  ANTHROPIC_MODEL: optionalText().transform((v) => v ?? "claude-haiku-5-5"),
  OPENAI_API_KEY: optionalText(),
  OPENAI_BASE_URL: optionalUrl(),
  OPENAI_MODEL: optionalText().transform((v) => v ?? "gpt-5.4-mini"),
  AYVLO_LLM_ORDER: optionalText()
    .transform((v) => (v ?? "anthropic,openai").split(",").map((p) => p.trim()).filter(Boolean))
    .pipe(z.array(z.enum(["anthropic", "openai"])).refine((list) => new Set(list).size === list.length, "AYVLO_LLM_ORDER lists a provider twice")),
  AYVLO_LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(8_000),
  // Passkeys and login links (optional): the WebAuthn relying party id (a registrable
  // domain, e.g. "ayvlo.dev") and the web origin users log in from; each is derived
  // from the request URL when unset. A changed RP id orphans every registered passkey.
  AYVLO_RP_ID: optionalText().pipe(z.string().regex(/^[a-z0-9.-]+$/, "AYVLO_RP_ID must be a bare host name, e.g. ayvlo.dev").optional()),
  AYVLO_ORIGIN: optionalUrl().transform((v) => (v ? new URL(v).origin : undefined)),
  // The sender of login links (its domain must be verified for Email Routing).
  AYVLO_MAIL_FROM: optionalText().pipe(z.email("AYVLO_MAIL_FROM must be an email address").optional()).transform((v) => v ?? "login@ayvlo.dev"),
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
