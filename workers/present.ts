import type { DetectorConfig } from "../src/detect/index.ts";
import type { AnomalyRecord } from "../src/series/anomaly.ts";
import type { AnomalyRow, ApiKeyRow, SeriesRow, TenantRow } from "./db/store.ts";
import type { UserRow } from "./db/accounts.ts";

// How resources look on the wire (API.md): snake_case, times as ISO-8601 UTC.

export const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

export function tenantJson(t: TenantRow) {
  return { id: t.id, name: t.name, region: t.region, plan: t.plan, created_at: iso(t.createdAt) };
}

export function apiKeyJson(k: ApiKeyRow) {
  return { id: k.id, name: k.name, prefix: `ayv_live_${k.id}`, scopes: k.scopes, created_at: iso(k.createdAt), revoked_at: iso(k.revokedAt) };
}

export function seriesJson(s: SeriesRow) {
  return {
    metric: s.metric,
    tags: s.tags,
    points: s.points,
    last_value: s.lastValue,
    last_at: iso(s.lastAt),
    last_anomaly_at: iso(s.lastAnomalyAt),
    // Cold start, said out loud: no alert comes before the metric's min_points.
    warming_up: s.points < (s.config as DetectorConfig).minPoints,
    config: configJson(s.config as DetectorConfig),
  };
}

/** A metric's detector settings as `PUT /v1/metrics/{metric}/config` takes them. */
export function configJson(c: DetectorConfig) {
  return {
    sensitivity: c.sensitivity,
    seasonality: c.seasonality,
    direction: c.direction,
    min_points: c.minPoints,
    ...(c.algorithms ? { algorithms: c.algorithms } : {}),
    ...(c.minDelta ? { min_delta: c.minDelta } : {}),
    ...(c.window ? { window: c.window } : {}),
    ...(c.weights ? { weights: c.weights } : {}),
  };
}

/** An anomaly, whether fresh from a Series Durable Object or read back from D1. */
export function anomalyJson(a: AnomalyRecord | AnomalyRow) {
  const expected = "expected" in a ? a.expected : { low: a.expectedLow, high: a.expectedHigh };
  return {
    id: a.id,
    metric: a.metric,
    tags: a.tags,
    timestamp: iso(a.timestamp),
    value: a.value,
    score: a.score,
    severity: a.severity,
    confidence: a.confidence,
    expected,
    direction: a.direction,
    algorithms: a.algorithms,
    breakdown: a.breakdown ?? null,
    status: a.status,
    ...("label" in a && a.label ? { label: a.label } : {}),
    ...("resolvedAt" in a && a.resolvedAt ? { resolved_at: iso(a.resolvedAt) } : {}),
    ...("explanation" in a && a.explanation ? { explanation: a.explanation } : {}),
  };
}

export function userJson(u: UserRow) {
  return { id: u.id, email: u.email, name: u.name, role: u.role, status: u.status, mfa: { totp: u.totpEnabled }, created_at: iso(u.createdAt) };
}
