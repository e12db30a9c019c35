import { createMiddleware } from "hono/factory";
import { randomId } from "../../src/ids.ts";
import type { AppEnv } from "../app-env.ts";
import { createStore } from "../db/store.ts";
import { log } from "../log.ts";

/** Gives each request an id (or keeps a sane `X-Request-Id`), the data layer, and one access log line. */
export function observe() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomId("req");
    c.set("requestId", requestId);
    c.set("store", createStore(c.env.DB));
    const started = Date.now();
    await next();
    c.res.headers.set("x-request-id", requestId);
    const status = c.res.status;
    log(status >= 500 ? "error" : "info", "http.request", {
      request_id: requestId,
      method: c.req.method,
      path: c.req.path,
      status,
      ms: Date.now() - started,
      tenant_id: c.var.caller?.tenant.id,
    });
  });
}
