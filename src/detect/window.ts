import { lowerBound } from "./stats.ts";

/**
 * A bounded window of the most recent values, kept twice: in arrival order
 * (a ring) and sorted (for O(1) quantiles and O(log² n) MAD). Insert and
 * evict are a binary search plus one memmove, so the cost per point stays
 * bounded by the capacity. Plain arrays, so the state is JSON as it stands.
 */
export interface WindowState {
  capacity: number;
  /** Ring of values in arrival order; `head` is the oldest when full. */
  ring: number[];
  head: number;
  sorted: number[];
}

export function createWindow(capacity: number): WindowState {
  return { capacity, ring: [], head: 0, sorted: [] };
}

export function windowSize(w: WindowState): number {
  return w.ring.length;
}

/** Adds a value, evicting the oldest one when full. */
export function pushWindow(w: WindowState, x: number): void {
  if (w.ring.length < w.capacity) {
    w.ring.push(x);
  } else {
    const old = w.ring[w.head]!;
    w.ring[w.head] = x;
    w.head = (w.head + 1) % w.capacity;
    const i = lowerBound(w.sorted, old);
    w.sorted.splice(i, 1);
  }
  w.sorted.splice(lowerBound(w.sorted, x), 0, x);
}

/** The value `lag` steps back (0 = newest); undefined when not held. */
export function recent(w: WindowState, lag: number): number | undefined {
  const n = w.ring.length;
  if (lag < 0 || lag >= n) return undefined;
  const newest = n < w.capacity ? n - 1 : (w.head - 1 + w.capacity) % w.capacity;
  return w.ring[(newest - lag + w.capacity * 2) % w.capacity];
}

/** Keeps only the newest `keep` values (used to adapt after a level shift). */
export function truncateWindow(w: WindowState, keep: number): void {
  const n = w.ring.length;
  if (keep >= n) return;
  const kept: number[] = [];
  for (let lag = keep - 1; lag >= 0; lag--) kept.push(recent(w, lag)!);
  w.ring = kept;
  w.head = 0;
  w.sorted = [...kept].sort((a, b) => a - b);
}

/** Medians of the newest `keep` values and of the older ones (undefined when the window holds no older values). */
export function shiftLevels(w: WindowState, keep: number): { older: number; newer: number } | undefined {
  const n = w.ring.length;
  if (keep >= n || keep < 1) return undefined;
  const older: number[] = [];
  const newer: number[] = [];
  for (let lag = 0; lag < n; lag++) (lag < keep ? newer : older).push(recent(w, lag)!);
  older.sort((a, b) => a - b);
  newer.sort((a, b) => a - b);
  const mid = (a: number[]) => (a.length % 2 ? a[a.length >> 1]! : (a[a.length / 2 - 1]! + a[a.length / 2]!) / 2);
  return { older: mid(older), newer: mid(newer) };
}

/**
 * Size of a level shift in units of `scale`: |median of the newest `keep`
 * values − median of the older ones| (0 when the window holds no older values).
 */
export function shiftSize(w: WindowState, keep: number, scale: number): number {
  return levelGap(shiftLevels(w, keep), scale);
}

/** |newer − older| of shiftLevels' answer in units of `scale` (0 without older values). */
export function levelGap(lv: { older: number; newer: number } | undefined, scale: number): number {
  return lv ? Math.abs(lv.newer - lv.older) / scale : 0;
}
