import { createPublicKey, verify as nodeVerify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { base64UrlDecode, base64UrlEncode, exportPublicJwk, generateEs256KeyPair, jwkThumbprint, signJws, verifyJws, type Jwks } from "../../../src/audit/jws.ts";
import { mulberry32 } from "../../../src/detect/prng.ts";

// RFC 7515 Appendix A.3: an ES256 JWS and its key.
const RFC_JWK = { kty: "EC", crv: "P-256", x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" } as const;
const RFC_JWS =
  "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

async function keySet(kid = "k1") {
  const pair = await generateEs256KeyPair();
  const jwk = await exportPublicJwk(pair.publicKey, kid);
  return { pair, jwk, jwks: { keys: [jwk] } satisfies Jwks };
}

describe("base64url", () => {
  it("round-trips random bytes without padding and refuses other alphabets", () => {
    const rnd = mulberry32(2);
    for (let n = 0; n < 70; n++) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
      const text = base64UrlEncode(bytes);
      expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(base64UrlDecode(text)).toEqual(bytes);
    }
    expect(base64UrlDecode("ab+/")).toBe(null);
    expect(base64UrlDecode("abc=")).toBe(null);
    expect(base64UrlDecode("a")).toBe(null);
    // "AB" spells byte 0x00 with a stray trailing bit: not the canonical "AA".
    expect(base64UrlDecode("AA")).toEqual(new Uint8Array([0]));
    expect(base64UrlDecode("AB")).toBe(null);
  });
});

describe("verifyJws", () => {
  it("verifies the RFC 7515 A.3 example (no kid, one key in the set)", async () => {
    const result = await verifyJws(RFC_JWS, { keys: [{ ...RFC_JWK, kid: "rfc", alg: "ES256" }] });
    expect(result).toMatchObject({ ok: true, payload: { iss: "joe", exp: 1300819380, "http://example.com/is_root": true }, header: { alg: "ES256" } });
  });

  it("refuses the RFC example with a flipped signature bit, or when the set has two keys and the token names none", async () => {
    const flipped = RFC_JWS.slice(0, -1) + "A";
    expect(await verifyJws(flipped, { keys: [{ ...RFC_JWK, kid: "rfc", alg: "ES256" }] })).toEqual({ ok: false, reason: "bad_signature" });
    const { jwk } = await keySet("other");
    expect(await verifyJws(RFC_JWS, { keys: [{ ...RFC_JWK, kid: "rfc", alg: "ES256" }, jwk] })).toEqual({ ok: false, reason: "unknown_kid" });
  });

  it("round-trips with generated keys and picks the key by kid", async () => {
    const a = await keySet("a");
    const b = await keySet("b");
    const jws = await signJws({ tenant_id: "t", seq: 3 }, b.pair.privateKey, "b");
    const result = await verifyJws(jws, { keys: [a.jwk, b.jwk] });
    expect(result).toEqual({ ok: true, payload: { tenant_id: "t", seq: 3 }, header: { alg: "ES256", kid: "b", typ: "JWT" } });
    expect(await verifyJws(jws, { keys: [a.jwk] })).toEqual({ ok: false, reason: "unknown_kid" });
    // The right kid on the wrong key.
    expect(await verifyJws(jws, { keys: [{ ...a.jwk, kid: "b" }] })).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("is verifiable by an independent implementation (node:crypto)", async () => {
    const { pair, jwk } = await keySet();
    const jws = await signJws({ hello: "wörld" }, pair.privateKey, "k1");
    const [h, p, s] = jws.split(".");
    const key = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: "jwk" });
    expect(nodeVerify("sha256", Buffer.from(`${h}.${p}`), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(s!, "base64url"))).toBe(true);
  });

  it.each([
    ["a changed payload", (j: string) => { const [h, , s] = j.split("."); return `${h}.${base64UrlEncode(new TextEncoder().encode('{"tenant_id":"t","seq":4}'))}.${s}`; }, "bad_signature"],
    ["a changed header", (j: string) => { const [, p, s] = j.split("."); return `${base64UrlEncode(new TextEncoder().encode('{"alg":"ES256","kid":"k1","typ":"X"}'))}.${p}.${s}`; }, "bad_signature"],
    ["alg none", (j: string) => { const [, p] = j.split("."); return `${base64UrlEncode(new TextEncoder().encode('{"alg":"none","kid":"k1"}'))}.${p}.`; }, "unsupported_alg"],
    ["alg HS256", (j: string) => { const [, p, s] = j.split("."); return `${base64UrlEncode(new TextEncoder().encode('{"alg":"HS256","kid":"k1"}'))}.${p}.${s}`; }, "unsupported_alg"],
    ["a crit header", (j: string) => { const [, p, s] = j.split("."); return `${base64UrlEncode(new TextEncoder().encode('{"alg":"ES256","kid":"k1","crit":["exp"]}'))}.${p}.${s}`; }, "unsupported_alg"],
    ["a truncated signature", (j: string) => { const i = j.lastIndexOf(".") + 1; return j.slice(0, i) + base64UrlEncode(base64UrlDecode(j.slice(i))!.slice(0, 60)); }, "bad_signature"],
    ["an empty signature", (j: string) => j.slice(0, j.lastIndexOf(".") + 1), "bad_signature"],
    ["two parts", (j: string) => j.slice(0, j.lastIndexOf(".")), "malformed"],
    ["four parts", (j: string) => `${j}.x`, "malformed"],
    ["padding in a part", (j: string) => `${j}=`, "malformed"],
    ["a signature with stray trailing bits", (j: string) => j.slice(0, -1) + String.fromCharCode(j.charCodeAt(j.length - 1) ^ 1), "malformed"],
    ["a payload that is not JSON", (j: string) => { const [h, , s] = j.split("."); return `${h}.${base64UrlEncode(new TextEncoder().encode("nope"))}.${s}`; }, "malformed"],
    ["a payload that is a JSON array", (j: string) => { const [h, , s] = j.split("."); return `${h}.${base64UrlEncode(new TextEncoder().encode("[1]"))}.${s}`; }, "malformed"],
    ["a numeric kid", (j: string) => { const [, p, s] = j.split("."); return `${base64UrlEncode(new TextEncoder().encode('{"alg":"ES256","kid":1}'))}.${p}.${s}`; }, "malformed"],
  ] as const)("refuses %s", async (_name, tamper, reason) => {
    const { pair, jwks } = await keySet();
    const jws = await signJws({ tenant_id: "t", seq: 3 }, pair.privateKey, "k1");
    expect(await verifyJws(tamper(jws), jwks)).toEqual({ ok: false, reason });
  });

  it("ignores keys of other kinds and refuses a key that is not on the curve", async () => {
    const { pair, jwk } = await keySet();
    const jws = await signJws({ a: 1 }, pair.privateKey, "k1");
    expect(await verifyJws(jws, { keys: [{ kty: "RSA", kid: "k1", n: "x", e: "AQAB" }, jwk] })).toMatchObject({ ok: true });
    expect(await verifyJws(jws, { keys: [{ ...jwk, alg: "ES384" as never }] })).toEqual({ ok: false, reason: "unknown_kid" });
    expect(await verifyJws(jws, { keys: [{ ...jwk, use: "enc" as never }] })).toEqual({ ok: false, reason: "unknown_kid" });
    expect(await verifyJws(jws, { keys: [{ ...jwk, x: jwk.y }] })).toEqual({ ok: false, reason: "bad_key" });
  });
});

describe("keys", () => {
  it("exports only the public half, from a public or an extractable private key", async () => {
    const pair = await generateEs256KeyPair(true);
    const fromPublic = await exportPublicJwk(pair.publicKey, "k");
    const fromPrivate = await exportPublicJwk(pair.privateKey, "k");
    expect(fromPrivate).toEqual(fromPublic);
    expect(Object.keys(fromPublic).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x", "y"]);
    expect(JSON.stringify(fromPublic)).not.toContain('"d"');
  });

  it("thumbprints per RFC 7638: stable, ignores kid, differs between keys", async () => {
    const a = await keySet("one");
    const b = await keySet("two");
    const ta = await jwkThumbprint(a.jwk);
    expect(ta).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await jwkThumbprint({ ...a.jwk, kid: "other" } as never)).toBe(ta);
    expect(await jwkThumbprint(b.jwk)).not.toBe(ta);
    const nodeThumb = createPublicKey({ key: { kty: "EC", crv: "P-256", x: a.jwk.x, y: a.jwk.y }, format: "jwk" }).export({ format: "jwk" });
    expect(nodeThumb.x).toBe(a.jwk.x);
  });
});
