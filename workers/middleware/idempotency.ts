import { createMiddleware } from "hono/factory";
import { sha256Hex } from "../../src/hash.ts";
import type { AppEnv } from "../app-env.ts";
import { ApiError } from "../errors.ts";

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * `Idempotency-Key` on a POST: the first response is stored; the same key with
 * the same request replays it, with a different request answers 422. Responses
 * that invite a retry (429, 5xx) are not stored, so the retry runs for real.
 * Must run after authentication (the key belongs to the caller).
 */
export function idempotency() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const key = c.req.header("idempotency-key");
    if (c.req.method !== "POST" || key === undefined) return next();
    if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw new ApiError("VALIDATION", "Idempotency-Key must be 1–255 visible ASCII characters", { errors: [{ path: "headers.idempotency-key", message: "invalid" }] });
    }
    const owner = c.var.idempotencyOwner;
    const store = c.var.store;
    const url = new URL(c.req.url);
    const requestHash = await sha256Hex(`${c.req.method} ${url.pathname}${url.search}\n${await c.req.text()}`);
    const claim = await store.claimIdempotencyKey(owner, key, requestHash, Date.now(), IDEMPOTENCY_TTL_MS);
    if (claim !== "claimed") {
      if (claim.requestHash !== requestHash) throw new ApiError("IDEMPOTENCY_MISMATCH", "this Idempotency-Key was used with a different request");
      if (claim.status === null) throw new ApiError("CONFLICT", "a request with this Idempotency-Key is still in progress; retry shortly", { headers: { "retry-after": "1" } });
      return new Response(claim.body, {
        status: claim.status,
        headers: { "content-type": claim.contentType ?? "application/json", "idempotent-replayed": "true" },
      });
    }
    await next();
    const status = c.res.status;
    if (status >= 500 || status === 429) {
      await store.releaseIdempotencyKey(owner, key);
      return;
    }
    const body = await c.res.clone().text();
    await store.completeIdempotencyKey(owner, key, status, c.res.headers.get("content-type") ?? "application/json", body);
  });
}
