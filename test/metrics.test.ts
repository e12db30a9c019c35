import { describe, expect, it } from "vitest";
import { call, flushed, ingest, keyWithScopes, newTenant, steadyPoints, T0 } from "./helpers.ts";

describe("/v1/metrics/{metric}/config", () => {
  it("defaults, then takes new settings and reports them everywhere", async () => {
    const t = await newTenant();
    const initial = await (await call("GET", "/v1/metrics/orders/config", { key: t.key })).json<{ config: Record<string, unknown> }>();
    expect(initial.config).toEqual({ sensitivity: "medium", seasonality: "auto", direction: "both", min_points: 30 });
    const res = await call("PUT", "/v1/metrics/orders/config", {
      key: t.key,
      body: { sensitivity: "high", seasonality: "daily", direction: "up", min_points: 50, algorithms: ["robust_z", "seasonal"], min_delta: { rel: 0.05 } },
    });
    expect(res.status).toBe(200);
    const expected = { sensitivity: "high", seasonality: "daily", direction: "up", min_points: 50, algorithms: ["robust_z", "seasonal"], min_delta: { rel: 0.05 } };
    expect((await res.json<{ config: unknown }>()).config).toEqual(expected);
    expect((await (await call("GET", "/v1/metrics/orders/config", { key: t.key })).json<{ config: unknown }>()).config).toEqual(expected);
    await ingest(t.key, steadyPoints("orders", 5));
    const listed = async () => {
      const body = await (await call("GET", "/v1/series?metric=orders", { key: t.key })).json<{ data: Array<{ config: unknown }> }>();
      return JSON.stringify(body.data[0]?.config) === JSON.stringify(expected);
    };
    expect(await flushed(t, "orders", listed)).toBe(true);
  });

  it("rejects bad settings with every problem listed, changing nothing", async () => {
    const t = await newTenant();
    const res = await call("PUT", "/v1/metrics/orders/config", { key: t.key, body: { sensitivity: "extreme", min_points: -1, algorithms: ["magic"], colour: "red" } });
    expect(res.status).toBe(400);
    const body = await res.json<{ errors: Array<{ path: string }> }>();
    expect(body.errors.map((e) => e.path).sort()).toEqual(["body", "body.algorithms.0", "body.min_points", "body.sensitivity"]);
    expect((await call("PUT", "/v1/metrics/bad%20name/config", { key: t.key, body: {} })).status).toBe(400);
    const after = await (await call("GET", "/v1/metrics/orders/config", { key: t.key })).json<{ config: { sensitivity: string } }>();
    expect(after.config.sensitivity).toBe("medium");
  });

  it("direction 'up' ignores a drop that 'both' reports", async () => {
    const t = await newTenant();
    await call("PUT", "/v1/metrics/up.only/config", { key: t.key, body: { direction: "up" } });
    for (const metric of ["up.only", "both.ways"]) await ingest(t.key, steadyPoints(metric, 200, { level: 1000 }));
    const drop = (metric: string) => ingest(t.key, [{ metric, value: 1, timestamp: T0 + 200 * 60_000 }]).then((r) => r.json<{ anomalies: unknown[] }>());
    expect((await drop("both.ways")).anomalies).toHaveLength(1);
    expect((await drop("up.only")).anomalies).toHaveLength(0);
  });

  it("needs the admin scope to change, read to look", async () => {
    const t = await newTenant();
    const reader = await keyWithScopes(t, ["read"]);
    expect((await call("PUT", "/v1/metrics/m/config", { key: reader, body: {} })).status).toBe(403);
    expect((await call("GET", "/v1/metrics/m/config", { key: reader })).status).toBe(200);
  });
});
