/** Full-jitter exponential backoff: a random delay in [0, min(cap, base · 2^attempt)). */
export function fullJitterDelay(attempt: number, random: () => number, baseMs = 500, capMs = 60_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}
