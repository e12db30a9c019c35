import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

// The D1 schema. Migrations in migrations/ are generated from this file by drizzle-kit.
// Every tenant-owned table leads with tenant_id, and every query on it goes through workers/db/queries.ts.

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  region: text("region", { enum: ["us", "eu"] }).notNull(),
  plan: text("plan", { enum: ["free", "pro", "enterprise"] }).notNull(),
  createdAt: integer("created_at").notNull(),
});

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    name: text("name").notNull(),
    keyHash: text("key_hash").notNull(),
    scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull(),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("api_keys_tenant_idx").on(t.tenantId, t.createdAt)],
);

export const series = sqliteTable(
  "series",
  {
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    metric: text("metric").notNull(),
    tagKey: text("tag_key").notNull(),
    tags: text("tags", { mode: "json" }).$type<Record<string, string>>().notNull(),
    points: integer("points").notNull(),
    lastValue: real("last_value"),
    lastAt: integer("last_at"),
    lastAnomalyAt: integer("last_anomaly_at"),
    config: text("config", { mode: "json" }).$type<object>().notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.metric, t.tagKey] })],
);

export const anomalies = sqliteTable(
  "anomalies",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    metric: text("metric").notNull(),
    tagKey: text("tag_key").notNull(),
    tags: text("tags", { mode: "json" }).$type<Record<string, string>>().notNull(),
    timestamp: integer("timestamp").notNull(),
    value: real("value").notNull(),
    score: real("score").notNull(),
    severity: text("severity", { enum: ["info", "warning", "critical"] }).notNull(),
    confidence: real("confidence").notNull(),
    expectedLow: real("expected_low").notNull(),
    expectedHigh: real("expected_high").notNull(),
    direction: text("direction"),
    algorithms: text("algorithms", { mode: "json" }).$type<unknown[]>().notNull(),
    status: text("status", { enum: ["open", "acknowledged", "resolved"] }).notNull(),
    /** What the ensemble saw (seasonal baseline, level shift, deviation…), as the detector reported it. */
    breakdown: text("breakdown", { mode: "json" }).$type<unknown>(),
    label: text("label", { enum: ["true_positive", "false_positive"] }),
    /** When the series returned to normal (the episode closed), if it has. */
    resolvedAt: integer("resolved_at"),
    explanation: text("explanation", { mode: "json" }).$type<unknown>(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("anomalies_tenant_time_idx").on(t.tenantId, t.timestamp, t.id),
    index("anomalies_tenant_metric_idx").on(t.tenantId, t.metric, t.timestamp),
  ],
);

/** Stored first responses for `Idempotency-Key` (API.md, Conventions); kept 24 h. */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    owner: text("owner").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    status: integer("status"),
    contentType: text("content_type"),
    body: text("body"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.owner, t.key] }), index("idempotency_created_idx").on(t.createdAt)],
);

/** Where notifications go. Webhook signing secrets are kept here and shown once. */
export const channels = sqliteTable(
  "channels",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    type: text("type", { enum: ["webhook", "slack", "pagerduty", "email"] }).notNull(),
    name: text("name").notNull(),
    config: text("config", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /** Webhook signing secrets, newest first; older ones sign until they expire (rotation grace). */
    secrets: text("secrets", { mode: "json" }).$type<Array<{ secret: string; created_at: number; expires_at: number | null }>>().notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("channels_tenant_idx").on(t.tenantId, t.createdAt)],
);

export const rules = sqliteTable(
  "rules",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    name: text("name").notNull(),
    definition: text("definition", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("rules_tenant_idx").on(t.tenantId, t.createdAt)],
);

export const silences = sqliteTable(
  "silences",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    matchers: text("matchers", { mode: "json" }).$type<unknown[]>().notNull(),
    startsAt: integer("starts_at").notNull(),
    endsAt: integer("ends_at").notNull(),
    comment: text("comment").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("silences_tenant_idx").on(t.tenantId, t.endsAt)],
);

/** Every attempt to deliver a notification to a channel. */
export const deliveries = sqliteTable(
  "deliveries",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull().references(() => tenants.id),
    /** The delivered message's id (`webhook-id`): one per notification × channel × event. */
    messageId: text("message_id").notNull(),
    notificationId: text("notification_id").notNull(),
    channelId: text("channel_id").notNull(),
    anomalyId: text("anomaly_id"),
    attempt: integer("attempt").notNull(),
    status: text("status", { enum: ["delivered", "failed", "dead_lettered", "skipped"] }).notNull(),
    code: integer("code"),
    error: text("error"),
    latencyMs: integer("latency_ms"),
    at: integer("at").notNull(),
  },
  (t) => [
    index("deliveries_tenant_time_idx").on(t.tenantId, t.at),
    index("deliveries_tenant_anomaly_idx").on(t.tenantId, t.anomalyId),
    index("deliveries_tenant_channel_idx").on(t.tenantId, t.channelId),
  ],
);
