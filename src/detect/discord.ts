import type { MemberResult } from "./member.ts";
import type { WindowState } from "./window.ts";

/**
 * Subsequence discord (a causal, left-only matrix profile): the distance from
 * the latest `m` values (the new point and the m − 1 before it) to the most
 * similar earlier stretch of m values among the last `maxLag` points of the
 * window, as an RMS difference. A pattern the series has shown before (a
 * daily cron spike, a regular burst) finds a close match and scores low even
 * when it is large; a shape never seen (a missing peak, a flat stretch,
 * spikes grown denser) scores high. Direct computation with early
 * abandoning: no state beyond the window, so snapshots stay exact.
 */
export function discordDistance(win: WindowState, x: number, m: number, maxLag: number, buf: Float64Array): number {
  const n = win.ring.length;
  if (n + 1 < 2 * m) return Number.NaN;
  const cap = win.capacity;
  // buf[L] = value L steps back from x (buf[0] = x), for L up to the search horizon.
  const horizon = Math.min(n, maxLag + m - 1);
  buf[0] = x;
  let p = n < cap ? n - 1 : (win.head - 1 + cap) % cap;
  const ring = win.ring;
  for (let L = 1; L <= horizon; L++) {
    buf[L] = ring[p]!;
    p = p === 0 ? cap - 1 : p - 1;
  }
  let best = Infinity;
  const last = horizon - m + 1;
  for (let L = m; L <= last; L++) {
    let s = 0;
    for (let k = 0; k < m; k++) {
      const d = buf[k]! - buf[L + k]!;
      s += d * d;
      if (s >= best) break;
    }
    if (s < best) {
      best = s;
      if (best === 0) break;
    }
  }
  return best === Infinity ? Number.NaN : Math.sqrt(best / m);
}

/** The discord as a member: its distance in units of the window's robust scale. */
export function discord(win: WindowState, x: number, scale: number, m: number, maxLag: number, buf: Float64Array): MemberResult {
  const d = discordDistance(win, x, m, maxLag, buf);
  if (!Number.isFinite(d)) return { surprise: 0, sign: 0 };
  const n = win.ring.length;
  const prev = win.ring[n < win.capacity ? n - 1 : (win.head - 1 + win.capacity) % win.capacity]!;
  return { surprise: d / scale, sign: Math.sign(x - prev) };
}
