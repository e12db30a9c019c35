// Secrets are not in wrangler.toml, so `wrangler types` only sees them when a
// .dev.vars happens to exist. Declared here so the types never depend on it.
// The LLM settings are optional and have defaults in workers/env.ts, so they
// stay out of wrangler.toml too (keys must never be there).
declare namespace Cloudflare {
  interface Env {
    AYVLO_ADMIN_TOKEN: string;
    ANTHROPIC_API_KEY?: string;
    ANTHROPIC_BASE_URL?: string;
    ANTHROPIC_MODEL?: string;
    OPENAI_API_KEY?: string;
    OPENAI_BASE_URL?: string;
    OPENAI_MODEL?: string;
    /** Providers to try, in order: "anthropic,openai" (default), "openai", … */
    AYVLO_LLM_ORDER?: string;
    /** Per-provider timeout in ms (default 8000). */
    AYVLO_LLM_TIMEOUT_MS?: string;
    /** WebAuthn relying party id; default: the request's host name. */
    AYVLO_RP_ID?: string;
    /** The web origin users log in from; default: the request's origin. */
    AYVLO_ORIGIN?: string;
    /** The sender of login-link emails (default login@ayvlo.dev). */
    AYVLO_MAIL_FROM?: string;
  }
}

// `wrangler types` makes the global Env a sibling of Cloudflare.Env (both
// extend the generated bindings), so the declarations above reach Env this way.
interface Env extends Cloudflare.Env {}
