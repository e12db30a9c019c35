import { DurableObject } from "cloudflare:workers";

/**
 * Does nothing with what it receives. Only `npm run bench:ingest` calls it, to
 * measure a bare Durable Object fan-out as the baseline for the real ingest path.
 */
export class Noop extends DurableObject<Env> {
  async receive(batch: { values: Float64Array }): Promise<{ ok: true; accepted: number }> {
    return { ok: true, accepted: batch.values.length };
  }
}
