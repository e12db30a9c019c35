import { Hono } from "hono";
import { z } from "zod";
import { DEFAULT_DETECTOR_CONFIG, MEMBER_NAMES, type DetectorConfig } from "../../src/detect/index.ts";
import type { AppEnv } from "../app-env.ts";
import { audited } from "../audit.ts";
import { requireAccess } from "../middleware/auth.ts";
import { configJson } from "../present.ts";
import { metricParam } from "../query-params.ts";
import { readJson } from "../read-json.ts";
import { seriesStub } from "../series-stub.ts";
import { parseOr400 } from "../validate.ts";

const MetricConfig = z.strictObject({
  sensitivity: z.enum(["low", "medium", "high", "adaptive"]).default(DEFAULT_DETECTOR_CONFIG.sensitivity),
  seasonality: z.enum(["auto", "none", "hourly", "daily", "weekly"]).default(DEFAULT_DETECTOR_CONFIG.seasonality),
  direction: z.enum(["up", "down", "both"]).default(DEFAULT_DETECTOR_CONFIG.direction),
  min_points: z.number().int().min(0).max(100_000).default(DEFAULT_DETECTOR_CONFIG.minPoints),
  algorithms: z.array(z.enum(MEMBER_NAMES, { error: `each algorithm must be one of ${MEMBER_NAMES.join(", ")}` })).min(1).optional(),
  min_delta: z.strictObject({ abs: z.number().min(0).optional(), rel: z.number().min(0).optional() }).optional(),
  window: z.number().int().min(64).max(4096).optional(),
});

const metricOf = (c: { req: { param(name: string): string } }) => parseOr400(z.object({ metric: metricParam }), { metric: c.req.param("metric") }, "path").metric;

/** Per-metric detector settings; they apply to every tag set of the metric. */
export const metricRoutes = new Hono<AppEnv>()
  .get("/:metric/config", requireAccess("metric.read", "metric"), async (c) => {
    const metric = metricOf(c);
    const config = await seriesStub(c.env, c.var.caller.tenant, metric).config();
    return c.json({ metric, config: configJson(config) });
  })
  .put("/:metric/config", requireAccess("metric.update", "metric"), async (c) => {
    const metric = metricOf(c);
    const input = parseOr400(MetricConfig, await readJson(c), "body");
    const stub = seriesStub(c.env, c.var.caller.tenant, metric);
    // Feedback-learned weights belong to the metric and survive a settings change.
    const current = await stub.config();
    const config: DetectorConfig = {
      sensitivity: input.sensitivity,
      seasonality: input.seasonality,
      direction: input.direction,
      minPoints: input.min_points,
      ...(input.algorithms ? { algorithms: [...new Set(input.algorithms)] } : {}),
      ...(input.min_delta ? { minDelta: input.min_delta } : {}),
      ...(input.window ? { window: input.window } : {}),
      ...(current.weights ? { weights: current.weights } : {}),
    };
    const saved = await stub.configure(c.var.caller.tenant.id, metric, config);
    // The settings live in the metric's Series object: recorded once applied there.
    await audited(c.env, c.var.caller.tenant.id, { actor: c.var.caller.actor, action: "metric.update", target: `metric:${metric}`, data: { config: JSON.parse(JSON.stringify(configJson(saved))) } });
    return c.json({ metric, config: configJson(saved) });
  });
