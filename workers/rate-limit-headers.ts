/** The RateLimit-* headers (IETF draft) of a token-bucket decision. */
export function rateLimitHeaders(decision: { limit: number; remaining: number; resetMs: number }): Record<string, string> {
  return {
    "ratelimit-limit": String(decision.limit),
    "ratelimit-remaining": String(decision.remaining),
    "ratelimit-reset": String(Math.ceil(decision.resetMs / 1000)),
  };
}

/** Seconds to wait, at least 1. */
export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}
