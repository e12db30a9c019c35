import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../../src/audit/canonical.ts";
import { mulberry32 } from "../../../src/detect/prng.ts";

const fromBits = (hex: string) => new DataView(Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16))).buffer).getFloat64(0);

describe("canonicalJson (RFC 8785)", () => {
  it("reproduces the RFC's example document (§3.2.2)", () => {
    const input = JSON.parse(String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`);
    expect(canonicalJson(input)).toBe(String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`);
  });

  it("sorts keys by UTF-16 code units (§3.2.3)", () => {
    const input = JSON.parse(String.raw`{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}`);
    const text = canonicalJson(input);
    const positions = ["Carriage Return", "One", "Control", "Latin Small Letter O With Diaeresis", "Euro Sign", "Emoji: Grinning Face", "Hebrew Letter Dalet With Dagesh"].map((v) => text.indexOf(v));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it.each([
    ["0000000000000000", "0"],
    ["8000000000000000", "0"],
    ["0000000000000001", "5e-324"],
    ["8000000000000001", "-5e-324"],
    ["7fefffffffffffff", "1.7976931348623157e+308"],
    ["ffefffffffffffff", "-1.7976931348623157e+308"],
    ["4340000000000000", "9007199254740992"],
    ["c340000000000000", "-9007199254740992"],
    ["4430000000000000", "295147905179352830000"],
    ["44b52d02c7e14af5", "9.999999999999997e+22"],
    ["44b52d02c7e14af6", "1e+23"],
    ["44b52d02c7e14af7", "1.0000000000000001e+23"],
    ["444b1ae4d6e2ef4e", "999999999999999700000"],
    ["444b1ae4d6e2ef4f", "999999999999999900000"],
    ["444b1ae4d6e2ef50", "1e+21"],
    ["3eb0c6f7a0b5ed8c", "9.999999999999997e-7"],
    ["3eb0c6f7a0b5ed8d", "0.000001"],
    ["41b3de4355555555", "333333333.3333333"],
  ])("formats the IEEE-754 value %s as %s (Appendix B)", (bits, text) => {
    expect(canonicalJson(fromBits(bits))).toBe(text);
  });

  it("drops undefined members, keeps null, and has no whitespace", () => {
    expect(canonicalJson({ b: undefined, a: null, c: [1, { y: 2, x: "s p" }] })).toBe('{"a":null,"c":[1,{"x":"s p","y":2}]}');
  });

  it.each([
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["a Date", new Date(0)],
    ["a Map", new Map()],
    ["a bigint", 1n],
    ["a function", () => 1],
    ["undefined", undefined],
    ["a lone surrogate", "\ud800x"],
    ["a nested NaN", { a: [1, Number.NaN] }],
  ])("refuses %s", (_name, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });

  it("refuses a cycle instead of looping", () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expect(() => canonicalJson(a)).toThrow(TypeError);
  });

  it("is stable under a JSON round trip and under key order (random documents)", () => {
    const rnd = mulberry32(5);
    const gen = (depth: number): unknown => {
      const r = rnd();
      if (depth > 3 || r < 0.3) return [null, true, false, Math.floor(rnd() * 1e6) / 1e3, -rnd() * 1e20, "ü\n\"x" + rnd()][Math.floor(rnd() * 6)];
      if (r < 0.6) return Array.from({ length: Math.floor(rnd() * 4) }, () => gen(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 5) }, () => [`k${Math.floor(rnd() * 20)}`, gen(depth + 1)]));
    };
    for (let i = 0; i < 300; i++) {
      const doc = gen(0);
      const text = canonicalJson(doc);
      expect(canonicalJson(JSON.parse(JSON.stringify(doc)))).toBe(text);
      expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(doc)));
      if (doc && typeof doc === "object" && !Array.isArray(doc)) {
        const reversed = Object.fromEntries(Object.entries(doc).reverse());
        expect(canonicalJson(reversed)).toBe(text);
      }
    }
  });
});
