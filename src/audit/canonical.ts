/**
 * Canonical JSON: one byte string per JSON value, so a hash over it is stable
 * across machines, runtimes and a round trip through a database. The rules
 * follow RFC 8785 (JSON Canonicalization Scheme):
 * - no whitespace;
 * - object members sorted by key, comparing UTF-16 code units; a member whose
 *   value is `undefined` is left out (as JSON.stringify does), so `{a: undefined}`
 *   and `{}` are the same document — the form a JSON column gives back;
 * - numbers in ECMAScript's shortest round-trip form (`1.0` → `1`, `1e21` →
 *   `1e+21`, `-0` → `0`); NaN and ±Infinity are not JSON and are refused;
 * - strings with JSON.stringify's escapes (`\"`, `\\`, `\b\f\n\r\t`, other
 *   controls as `\u00xx`), everything else literal; lone surrogates are refused
 *   because they have no UTF-8 form;
 * - only plain objects, arrays, strings, finite numbers, booleans and null;
 *   anything else (Date, Map, class instances, bigint) is a bug and throws.
 */

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json | undefined };
/** A JSON object. */
export type JsonObject = { [key: string]: Json | undefined };

const MAX_DEPTH = 64;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The canonical JSON text of a value; throws TypeError on anything that is not JSON. */
export function canonicalJson(value: unknown): string {
  return encode(value, 0);
}

function encode(value: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new TypeError("canonicalJson: nested too deep (a cycle?)");
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not a JSON number`);
      return JSON.stringify(value); // ECMAScript Number::toString, as RFC 8785 prescribes; -0 gives "0"
    case "string":
      if (LONE_SURROGATE.test(value)) throw new TypeError("canonicalJson: a string holds a lone surrogate");
      return JSON.stringify(value);
    case "object": {
      if (Array.isArray(value)) return `[${value.map((item) => encode(item, depth + 1)).join(",")}]`;
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw new TypeError("canonicalJson: only plain objects are JSON");
      const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
      return `{${keys.map((k) => `${encode(k, depth + 1)}:${encode((value as Record<string, unknown>)[k], depth + 1)}`).join(",")}}`;
    }
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} is not JSON`);
  }
}
