import { describe, expect, it } from "vitest";
import { PUBLIC_AUTH_LIMITS } from "../workers/middleware/throttle.ts";
import { call } from "./helpers.ts";

// The public account routes are limited per client address (cf-connecting-ip).
const from = (ip: string) => ({ "cf-connecting-ip": ip });

describe("public account routes, per client IP", () => {
  it("answer 429 with Retry-After and RateLimit headers once an address has spent its burst; other addresses go on", async () => {
    const ip = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
    for (let i = 0; i < PUBLIC_AUTH_LIMITS.burst; i++) {
      const res = await call("POST", "/v1/auth/magic-link", { body: { email: `nobody-${i}@example.com` }, headers: from(ip) });
      expect(res.status).toBe(202);
    }
    const limited = await call("POST", "/v1/auth/magic-link", { body: { email: "nobody@example.com" }, headers: from(ip) });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("content-type")).toBe("application/problem+json");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get("ratelimit-limit")).toBe(String(PUBLIC_AUTH_LIMITS.burst));
    expect(limited.headers.get("ratelimit-remaining")).toBe("0");
    // The same bucket covers every public account route of that address…
    expect((await call("POST", "/v1/auth/login", { body: { email: "a@example.com", password: "x" }, headers: from(ip) })).status).toBe(429);
    expect((await call("POST", "/v1/auth/signup", { body: {}, headers: from(ip) })).status).toBe(429);
    // …and no other address.
    expect((await call("POST", "/v1/auth/magic-link", { body: { email: "nobody@example.com" }, headers: from("198.51.100.7") })).status).toBe(202);
  });
});
