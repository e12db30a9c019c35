/**
 * Glob matching for action and resource patterns: `*` matches any run of
 * characters (dots and colons included), `?` exactly one; everything else is
 * literal and the whole text must match. Written as the classic two-pointer
 * wildcard match (O(pattern × text) worst case) rather than a RegExp, so a
 * hostile pattern in a tenant's policy cannot trigger catastrophic backtracking.
 */

/** True when `text` matches the glob `pattern` in full. */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    const pc = pattern[p];
    if (pc === "*") {
      star = p++;
      resume = t;
    } else if (pc !== undefined && (pc === "?" || pc === text[t])) {
      p++;
      t++;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

/** True when any of the globs matches `text`. */
export function anyGlobMatch(patterns: readonly string[], text: string): boolean {
  return patterns.some((pattern) => globMatch(pattern, text));
}
