/**
 * NAB timestamps are naive "YYYY-MM-DD HH:MM:SS[.ffffff]" strings. They are
 * read as UTC epoch milliseconds so that equal strings give equal numbers.
 */
const PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?Z?$/;

/** Parses a NAB timestamp to epoch milliseconds (UTC); NaN when malformed. */
export function parseNabTime(text: string): number {
  const m = PATTERN.exec(text.trim());
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = frac ? Number(frac.padEnd(6, "0")) / 1000 : 0;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0)) + ms;
}
