import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env.ts";
import { ApiError } from "../errors.ts";
import { rateLimitHeaders, retryAfterSeconds } from "../rate-limit-headers.ts";

/** Per client IP on the public account routes: 20 at once, then one every 3 s. */
export const PUBLIC_AUTH_LIMITS = { ratePerSecond: 1 / 3, burst: 20 } as const;

/**
 * Limits a public route per client IP (`cf-connecting-ip`, which Cloudflare's
 * edge always sets and clients cannot forge). Without it (local development)
 * there is no client address to hold to, and nothing is limited.
 */
export function throttleByIp(limits = PUBLIC_AUTH_LIMITS) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const ip = c.req.header("cf-connecting-ip");
    if (ip) {
      const decision = await c.env.IP_THROTTLE.get(c.env.IP_THROTTLE.idFromName(ip)).take(limits);
      if (!decision.ok) {
        const retryAfter = retryAfterSeconds(decision.retryAfterMs);
        throw new ApiError("RATE_LIMITED", `too many account requests from this address; retry in ${retryAfter} s`, { headers: { ...rateLimitHeaders(decision), "retry-after": retryAfter } });
      }
    }
    await next();
  });
}
