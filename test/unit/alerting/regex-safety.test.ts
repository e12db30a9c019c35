import { describe, expect, it } from "vitest";
import { unsafeRegexReason } from "../../../src/alerting/regex-safety.ts";

describe("tenant regex safety", () => {
  it.each(["(a+)+", "(a*)*", "(\\w+\\s?)*", "((ab)*)+", "(x+x+)+y", "(.*a){2,}", "((a|b)+)*", "(?:a+)+", "(a+){3,10}"])("refuses nested repetition: %s", (source) => {
    expect(unsafeRegexReason(source)).toMatch(/exponential/);
  });

  it.each(["(a|aa)+", "(web|api)*", "(x|xy){2,}"])("refuses repeated alternatives: %s", (source) => {
    expect(unsafeRegexReason(source)).toMatch(/alternatives/);
  });

  it.each(["(a)\\1", "(?<x>a)\\k<x>"])("refuses backreferences: %s", (source) => {
    expect(unsafeRegexReason(source)).toMatch(/backreference/);
  });

  it.each(["eu-.*", "(eu|us)-west-\\d+", "api-(prod|staging)", "[a-z]+\\.example\\.com", "(ab){3}", "a{2}(bc)+", "[(+*)]+", "\\(a+\\)+", "shop\\.(revenue|orders)", "(a+)?", "(a)+b*", "((a|b)c)+"])("accepts ordinary patterns: %s", (source) => {
    expect(unsafeRegexReason(source)).toBeNull();
  });

  it("refuses exactly the groups that repeat something that already repeats, over every pair of atoms", () => {
    const atoms = ["a", "a+", "a*", "(a)", "(a+)", "(a|b)", "[ab]+", "a?"];
    for (const x of atoms) for (const y of atoms) for (const q of ["", "+", "*"]) {
      const source = `(${x}${y})${q}`;
      const reason = unsafeRegexReason(source);
      const innerRepeats = /[+*]/.test(x + y);
      expect(reason !== null, source).toBe(innerRepeats && q !== "");
    }
  });
});
