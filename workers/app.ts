import { Hono } from "hono";
import type { AppEnv } from "./app-env.ts";
import { readConfig } from "./env.ts";
import { ApiError, problemResponse } from "./errors.ts";
import { log } from "./log.ts";
import { observe } from "./middleware/observe.ts";
import { adminRoutes } from "./routes/admin.ts";
import { anomalyRoutes } from "./routes/anomalies.ts";
import { apiKeyRoutes } from "./routes/api-keys.ts";
import { approvalRoutes } from "./routes/approvals.ts";
import { auditRoutes } from "./routes/audit.ts";
import { authRoutes } from "./routes/auth.ts";
import { benchRoutes } from "./routes/bench.ts";
import { channelRoutes } from "./routes/channels.ts";
import { deliveryRoutes } from "./routes/deliveries.ts";
import { exportRoutes } from "./routes/exports.ts";
import { healthRoutes } from "./routes/health.ts";
import { invitationRoutes } from "./routes/invitations.ts";
import { ingestRoutes } from "./routes/ingest.ts";
import { magicLinkRoutes } from "./routes/magic-link.ts";
import { metricRoutes } from "./routes/metrics.ts";
import { policyRoutes } from "./routes/policies.ts";
import { ruleRoutes } from "./routes/rules.ts";
import { seriesRoutes } from "./routes/series.ts";
import { signingKeyRoutes } from "./routes/signing-keys.ts";
import { silenceRoutes } from "./routes/silences.ts";
import { webauthnRoutes } from "./routes/webauthn.ts";
import { userRoutes } from "./routes/users.ts";
import { wellKnownRoutes } from "./routes/well-known.ts";

/** The HTTP API: one sub-app per resource, one error renderer. */
export const app = new Hono<AppEnv>()
  .use(observe())
  .use(async (c, next) => {
    readConfig(c.env);
    await next();
  })
  .route("/health", healthRoutes)
  .route("/.well-known", wellKnownRoutes)
  .route("/v1/admin/signing-keys", signingKeyRoutes)
  .route("/v1/admin", adminRoutes)
  .route("/v1/auth/invitations", invitationRoutes)
  .route("/v1/auth", authRoutes)
  .route("/v1/auth/webauthn", webauthnRoutes)
  .route("/v1/auth/magic-link", magicLinkRoutes)
  .route("/v1/api-keys", apiKeyRoutes)
  .route("/v1/ingest", ingestRoutes)
  .route("/v1/series", seriesRoutes)
  .route("/v1/metrics", metricRoutes)
  .route("/v1/anomalies", anomalyRoutes)
  .route("/v1/approvals", approvalRoutes)
  .route("/v1/channels", channelRoutes)
  .route("/v1/deliveries", deliveryRoutes)
  .route("/v1/rules", ruleRoutes)
  .route("/v1/silences", silenceRoutes)
  .route("/v1/audit", auditRoutes)
  .route("/v1/exports", exportRoutes)
  .route("/v1/policies", policyRoutes)
  .route("/v1/users", userRoutes)
  .use("/v1/_bench/*", async (c, next) => {
    if (readConfig(c.env).AYVLO_BENCH_ROUTES !== "1") throw new ApiError("NOT_FOUND", `no route ${c.req.method} ${c.req.path}`);
    await next();
  })
  .route("/v1/_bench", benchRoutes)
  .notFound((c) => problemResponse(c, new ApiError("NOT_FOUND", `no route ${c.req.method} ${c.req.path}`)))
  .onError((error, c) => {
    if (error instanceof ApiError) return problemResponse(c, error);
    log("error", "http.unhandled", { request_id: c.get("requestId"), path: c.req.path, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    return problemResponse(c, new ApiError("INTERNAL", "an unexpected error occurred; it has been logged with this request id"));
  });
