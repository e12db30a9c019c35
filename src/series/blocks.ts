/**
 * Points are stored in blocks: one row per batch per series, holding a flat
 * Float64Array of (timestamp, value, score, low, high) for each point. Writing a
 * batch costs one row instead of one per point. A late point (stored, not
 * scored) has NaN score and band.
 */
export const FIELDS = 5;

export interface StoredPoint {
  timestamp: number;
  value: number;
  score: number | null;
  expected: { low: number; high: number } | null;
}

export class BlockWriter {
  private data: Float64Array;
  private count = 0;
  constructor(capacity: number) {
    this.data = new Float64Array(Math.max(1, capacity) * FIELDS);
  }
  push(timestamp: number, value: number, score: number, low: number, high: number): void {
    if ((this.count + 1) * FIELDS > this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const o = this.count * FIELDS;
    this.data[o] = timestamp;
    this.data[o + 1] = value;
    this.data[o + 2] = score;
    this.data[o + 3] = low;
    this.data[o + 4] = high;
    this.count += 1;
  }
  get size(): number {
    return this.count;
  }
  /** The block's bytes and its time span, or null when empty. */
  finish(): { bytes: ArrayBuffer; count: number; firstTs: number; lastTs: number } | null {
    if (this.count === 0) return null;
    let firstTs = Infinity;
    let lastTs = -Infinity;
    for (let i = 0; i < this.count; i++) {
      const ts = this.data[i * FIELDS]!;
      if (ts < firstTs) firstTs = ts;
      if (ts > lastTs) lastTs = ts;
    }
    const bytes = this.data.slice(0, this.count * FIELDS).buffer as ArrayBuffer;
    return { bytes, count: this.count, firstTs, lastTs };
  }
}

/** The points of one block that fall in [from, to]. */
export function readBlock(bytes: ArrayBuffer, from: number, to: number): StoredPoint[] {
  const data = new Float64Array(bytes);
  const out: StoredPoint[] = [];
  for (let o = 0; o + FIELDS <= data.length; o += FIELDS) {
    const timestamp = data[o]!;
    if (timestamp < from || timestamp > to) continue;
    const score = data[o + 2]!;
    const scored = !Number.isNaN(score);
    out.push({
      timestamp,
      value: data[o + 1]!,
      score: scored ? score : null,
      expected: scored ? { low: data[o + 3]!, high: data[o + 4]! } : null,
    });
  }
  return out;
}

/** Whether a block holds a point at exactly this timestamp. */
export function blockHasTimestamp(bytes: ArrayBuffer, timestamp: number): boolean {
  const data = new Float64Array(bytes);
  for (let o = 0; o < data.length; o += FIELDS) if (data[o] === timestamp) return true;
  return false;
}
