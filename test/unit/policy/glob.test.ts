import { describe, expect, it } from "vitest";
import { globToRegExp } from "../../../src/alerting/match.ts";
import { mulberry32 } from "../../../src/detect/prng.ts";
import { anyGlobMatch, globMatch } from "../../../src/policy/glob.ts";

describe("globMatch", () => {
  it.each([
    ["*", "", true],
    ["*", "rule.create", true],
    ["rule.*", "rule.create", true],
    ["rule.*", "rule.", true],
    ["rule.*", "rules.create", false],
    ["*.read", "anomaly.read", true],
    ["*.read", "anomaly.reader", false],
    ["rule:?", "rule:1", true],
    ["rule:?", "rule:12", false],
    ["rule:*", "rule:", true],
    ["a*b*c", "abc", true],
    ["a*b*c", "aXbYc", true],
    ["a*b*c", "aXbYcZ", false],
    ["exact", "exact", true],
    ["exact", "exac", false],
    ["", "", true],
    ["", "x", false],
    ["**", "anything", true],
    ["a.b", "aXb", false],
  ])("%s against %s → %s", (pattern, text, expected) => {
    expect(globMatch(pattern, text)).toBe(expected);
  });

  it("agrees with the alerting RegExp glob on random patterns and texts", () => {
    const rnd = mulberry32(11);
    const alphabet = "ab.:*?";
    const pick = (n: number, chars: string) => Array.from({ length: n }, () => chars[Math.floor(rnd() * chars.length)]).join("");
    for (let i = 0; i < 3000; i++) {
      const pattern = pick(Math.floor(rnd() * 7), alphabet);
      const text = pick(Math.floor(rnd() * 8), "ab.:");
      expect(globMatch(pattern, text), `${pattern} / ${text}`).toBe(globToRegExp(pattern).test(text));
    }
  });

  it("answers a hostile many-star pattern without blowing up", () => {
    expect(globMatch("*a*a*a*a*a*a*a*a*a*a*b", "a".repeat(2000))).toBe(false);
  });

  it("anyGlobMatch is true when any pattern matches and false for none", () => {
    expect(anyGlobMatch(["x.*", "rule.*"], "rule.delete")).toBe(true);
    expect(anyGlobMatch([], "rule.delete")).toBe(false);
  });
});
