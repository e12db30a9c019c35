// Secrets are not in wrangler.toml, so `wrangler types` only sees them when a
// .dev.vars happens to exist. Declared here so the types never depend on it.
declare namespace Cloudflare {
  interface Env {
    AYVLO_ADMIN_TOKEN: string;
  }
}
