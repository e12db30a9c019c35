/**
 * Tenant regexes (silence matchers) run inside the tenant's AlertRouter on
 * every flush. A pattern with nested quantifiers (`(a+)+`, `(\w*)*`) or a
 * backreference can take exponential time on a short input (ReDoS), so such
 * patterns are refused when the silence is created.
 *
 * The check is syntactic: it refuses a repeated group that itself contains a
 * repetition (star height ≥ 2) or alternatives (`(a|aa)+`, whose branches may
 * overlap), and backreferences. It refuses a few safe patterns too
 * (`(ab+)+`, `(a|b)+`: write `[ab]+`), never an unsafe one of those kinds.
 */

/** Why a regex source is refused, or null when it is acceptable. */
export function unsafeRegexReason(source: string): string | null {
  // Per open group: has a quantifier been seen inside it? Alternatives at its own level?
  const stack: boolean[] = [];
  const alternatives: boolean[] = [];
  let lastClosedHadAlternatives = false;
  let inClass = false;
  let lastClosedHadQuantifier = false;
  let previousWasGroupClose = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === "\\") {
      const next = source[i + 1] ?? "";
      if (!inClass && (/[1-9]/.test(next) || next === "k")) return "backreferences are not allowed";
      i += 1;
      previousWasGroupClose = false;
      continue;
    }
    if (inClass) {
      if (ch === "]") inClass = false;
      continue;
    }
    if (ch === "[") {
      inClass = true;
      previousWasGroupClose = false;
      continue;
    }
    if (ch === "|" && alternatives.length > 0) {
      alternatives[alternatives.length - 1] = true;
      previousWasGroupClose = false;
      continue;
    }
    if (ch === "(") {
      stack.push(false);
      alternatives.push(false);
      previousWasGroupClose = false;
      continue;
    }
    if (ch === ")") {
      lastClosedHadQuantifier = stack.pop() ?? false;
      lastClosedHadAlternatives = alternatives.pop() ?? false;
      // A quantifier inside makes the enclosing group's content quantified too.
      if (lastClosedHadQuantifier && stack.length > 0) stack[stack.length - 1] = true;
      previousWasGroupClose = true;
      continue;
    }
    const quantifier = ch === "*" || ch === "+" || (ch === "{" && /^\{\d+(,\d*)?\}/.test(source.slice(i)) && !/^\{(\d+)(,\1)?\}/.test(source.slice(i)));
    const repeats = quantifier || ch === "?" ? ch !== "?" : false;
    if (repeats) {
      if (previousWasGroupClose && lastClosedHadQuantifier) return "a repeated group contains another repetition (like (a+)+), which can take exponential time";
      if (previousWasGroupClose && lastClosedHadAlternatives) return "a repeated group has alternatives (like (a|aa)+), which can take exponential time; use a character class such as [ab]+";
      if (stack.length > 0) stack[stack.length - 1] = true;
    }
    previousWasGroupClose = false;
  }
  return null;
}
