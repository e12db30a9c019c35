import { describe, expect, it } from "vitest";
import { call } from "./helpers.ts";

describe("GET /health", () => {
  it("reports D1 reachable and the version", async () => {
    const res = await call("GET", "/health");
    expect(res.status).toBe(200);
    const body = await res.json<{ status: string; version: string; checks: { d1: { status: string } } }>();
    expect(body.status).toBe("ok");
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.checks.d1.status).toBe("ok");
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("keeps a caller's request id", async () => {
    const res = await call("GET", "/health", { headers: { "x-request-id": "abc-123" } });
    expect(res.headers.get("x-request-id")).toBe("abc-123");
  });

  it("answers unknown routes with problem+json 404", async () => {
    const res = await call("GET", "/v1/nope");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const body = await res.json<{ type: string; status: number }>();
    expect(body.type).toMatch(/\/not-found$/);
    expect(body.status).toBe(404);
  });
});
