import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { freshBucket, takeTokens, utcDay, type Bucket } from "../src/rate-limit.ts";
import { migrateSqlite } from "./sqlite-migrations.ts";

const TakeSchema = z.object({
  points: z.number().int().positive(),
  ratePerSecond: z.number().positive(),
  burst: z.number().positive(),
});
export type GateRequest = z.infer<typeof TakeSchema>;
export type GateDecision =
  | { ok: true; limit: number; remaining: number; resetMs: number }
  | { ok: false; limit: number; remaining: number; resetMs: number; retryAfterMs: number };

const MIGRATIONS = [`CREATE TABLE usage (day TEXT PRIMARY KEY, points INTEGER NOT NULL)`] as const;

/**
 * One per tenant: the ingest token bucket and the daily count of accepted
 * points, decided and recorded in one round trip. The arithmetic is in src/rate-limit.ts.
 */
export class TenantGate extends DurableObject<Env> {
  // The bucket lives in memory: after an eviction the tenant starts with a full bucket, which only forgives.
  private bucket: Bucket | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    migrateSqlite(ctx.storage.sql, MIGRATIONS);
  }

  /** Takes `points` tokens; when granted, counts them as today's usage. */
  async take(input: GateRequest): Promise<GateDecision> {
    const { points, ratePerSecond, burst } = TakeSchema.parse(input);
    const now = Date.now();
    const limits = { ratePerSecond, burst };
    const result = takeTokens(this.bucket ?? freshBucket(limits, now), limits, points, now);
    this.bucket = result.bucket;
    if (!result.ok) return { ok: false, limit: burst, remaining: result.remaining, resetMs: result.resetMs, retryAfterMs: result.retryAfterMs };
    this.ctx.storage.sql.exec(
      "INSERT INTO usage (day, points) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET points = points + excluded.points",
      utcDay(now),
      points,
    );
    return { ok: true, limit: burst, remaining: result.remaining, resetMs: result.resetMs };
  }

  /** Accepted points per UTC day in [fromDay, toDay] (YYYY-MM-DD). */
  async usage(fromDay: string, toDay: string): Promise<Array<{ day: string; points: number }>> {
    return this.ctx.storage.sql
      .exec<{ day: string; points: number }>("SELECT day, points FROM usage WHERE day BETWEEN ? AND ? ORDER BY day", fromDay, toDay)
      .toArray();
  }
}
