import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { base32Decode, base32Encode } from "../../../src/auth/base32.ts";
import { generateTotpSecret, hotp, totp, totpStep, totpUri, verifyTotp } from "../../../src/auth/totp.ts";
import { mulberry32 } from "../../../src/detect/prng.ts";

const ascii = (s: string) => new TextEncoder().encode(s);
const SEED_SHA1 = base32Encode(ascii("12345678901234567890"));
const SEED_SHA256 = base32Encode(ascii("12345678901234567890123456789012"));
const SEED_SHA512 = base32Encode(ascii("1234567890123456789012345678901234567890123456789012345678901234"));

describe("base32 (RFC 4648 §10 vectors)", () => {
  it.each([
    ["", ""],
    ["f", "MY======"],
    ["fo", "MZXQ===="],
    ["foo", "MZXW6==="],
    ["foob", "MZXW6YQ="],
    ["fooba", "MZXW6YTB"],
    ["foobar", "MZXW6YTBOI======"],
  ])("%j ↔ %s", (plain, encoded) => {
    expect(base32Encode(ascii(plain))).toBe(encoded);
    expect(base32Decode(encoded)).toEqual(ascii(plain));
    expect(base32Decode(encoded.replace(/=/g, "").toLowerCase())).toEqual(ascii(plain));
  });

  it("round-trips random bytes, forgives spaces and dashes, refuses other characters and impossible lengths", () => {
    const rnd = mulberry32(4);
    for (let n = 0; n < 50; n++) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256));
      expect(base32Decode(base32Encode(bytes, false))).toEqual(bytes);
    }
    expect(base32Decode("MZXW 6YTB-OI")).toEqual(ascii("foobar"));
    expect(base32Decode("MZXW1")).toBe(null);
    expect(base32Decode("M")).toBe(null);
    expect(base32Decode("MZX")).toBe(null);
  });
});

describe("HOTP (RFC 4226 Appendix D)", () => {
  it("reproduces the ten test values", async () => {
    const expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
    const key = ascii("12345678901234567890");
    expect(await Promise.all(expected.map((_, i) => hotp(key, i)))).toEqual(expected);
  });
});

describe("TOTP (RFC 6238 Appendix B)", () => {
  it.each([
    [59, "94287082", "46119246", "90693936"],
    [1111111109, "07081804", "68084774", "25091201"],
    [1111111111, "14050471", "67062674", "99943326"],
    [1234567890, "89005924", "91819424", "93441116"],
    [2000000000, "69279037", "90698825", "38618901"],
    [20000000000, "65353130", "77737706", "47863826"],
  ])("at T=%i: SHA-1 %s, SHA-256 %s, SHA-512 %s", async (t, sha1, sha256, sha512) => {
    expect(await totp(SEED_SHA1, t * 1000, { digits: 8 })).toBe(sha1);
    expect(await totp(SEED_SHA256, t * 1000, { digits: 8, algorithm: "SHA-256" })).toBe(sha256);
    expect(await totp(SEED_SHA512, t * 1000, { digits: 8, algorithm: "SHA-512" })).toBe(sha512);
  });

  it("agrees with an independent HMAC implementation at 6 digits", async () => {
    const rnd = mulberry32(8);
    for (let i = 0; i < 40; i++) {
      const secret = generateTotpSecret((b) => b.map(() => Math.floor(rnd() * 256)));
      const now = Math.floor(rnd() * 4e12);
      const counter = Buffer.alloc(8);
      counter.writeBigUInt64BE(BigInt(Math.floor(now / 30_000)));
      const mac = createHmac("sha1", Buffer.from(base32Decode(secret)!)).update(counter).digest();
      const offset = mac[19]! & 15;
      const code = String((mac.readUInt32BE(offset) & 0x7fffffff) % 1e6).padStart(6, "0");
      expect(await totp(secret, now)).toBe(code);
    }
  });

  it("refuses an empty or non-base32 secret as a bug", async () => {
    await expect(totp("", 0)).rejects.toThrow(TypeError);
    await expect(totp("not base32!", 0)).rejects.toThrow(TypeError);
  });
});

describe("verifyTotp", () => {
  const secret = SEED_SHA1;
  const now = 1_700_000_015_000;
  const step = totpStep(now);

  it("accepts the current code and ±1 step, returning the matched step", async () => {
    for (const d of [-1, 0, 1]) {
      const code = await totp(secret, now + d * 30_000);
      expect(await verifyTotp(secret, code, now)).toEqual({ ok: true, step: step + d });
    }
  });

  it("refuses codes two steps away, or any with window 0 but the current", async () => {
    expect(await verifyTotp(secret, await totp(secret, now - 60_000), now)).toEqual({ ok: false, reason: "mismatch" });
    expect(await verifyTotp(secret, await totp(secret, now + 60_000), now)).toEqual({ ok: false, reason: "mismatch" });
    expect(await verifyTotp(secret, await totp(secret, now - 30_000), now, { window: 0 })).toEqual({ ok: false, reason: "mismatch" });
  });

  it("is single-use: the same code, or an older one, is refused once a step was used", async () => {
    const code = await totp(secret, now);
    const first = await verifyTotp(secret, code, now);
    expect(first).toEqual({ ok: true, step });
    expect(await verifyTotp(secret, code, now + 10_000, { lastUsedStep: step })).toEqual({ ok: false, reason: "reused" });
    expect(await verifyTotp(secret, await totp(secret, now - 30_000), now, { lastUsedStep: step })).toEqual({ ok: false, reason: "reused" });
    expect(await verifyTotp(secret, await totp(secret, now + 30_000), now, { lastUsedStep: step })).toEqual({ ok: true, step: step + 1 });
    expect(await verifyTotp(secret, code, now, { lastUsedStep: null })).toEqual({ ok: true, step });
  });

  it("tolerates spaces in what was typed, refuses malformed codes", async () => {
    const code = await totp(secret, now);
    expect(await verifyTotp(secret, `${code.slice(0, 3)} ${code.slice(3)}`, now)).toMatchObject({ ok: true });
    for (const bad of ["", "12345", "1234567", "12a456", "１２３４５６"]) expect(await verifyTotp(secret, bad, now)).toEqual({ ok: false, reason: "malformed" });
    expect(await verifyTotp("!!", code, now)).toEqual({ ok: false, reason: "malformed" });
  });

  it("a wrong code of the right shape is a mismatch (random codes, seeded)", async () => {
    const rnd = mulberry32(21);
    const valid = new Set(await Promise.all([-1, 0, 1].map((d) => totp(secret, now + d * 30_000))));
    for (let i = 0; i < 50; i++) {
      const guess = String(Math.floor(rnd() * 1e6)).padStart(6, "0");
      expect((await verifyTotp(secret, guess, now)).ok).toBe(valid.has(guess));
    }
  });
});

describe("secrets and URIs", () => {
  it("generates 160-bit base32 secrets without padding", () => {
    const s = generateTotpSecret();
    expect(s).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(s)).toHaveLength(20);
    expect(generateTotpSecret()).not.toBe(s);
  });

  it("builds the otpauth URI authenticator apps read", () => {
    const uri = totpUri({ secret: "JBSWY3DPEHPK3PXP", account: "ada@example.com", issuer: "Ayvlo" });
    expect(uri).toBe("otpauth://totp/Ayvlo:ada%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Ayvlo&algorithm=SHA1&digits=6&period=30");
    const spaced = new URL(totpUri({ secret: "JBSWY3DPEHPK3PXP====", account: "a b", issuer: "Ayvlo Staging", digits: 8, stepSeconds: 60, algorithm: "SHA-256" }));
    expect(spaced.protocol).toBe("otpauth:");
    expect(spaced.host).toBe("totp");
    expect(decodeURIComponent(spaced.pathname)).toBe("/Ayvlo Staging:a b");
    expect(Object.fromEntries(spaced.searchParams)).toEqual({ secret: "JBSWY3DPEHPK3PXP", issuer: "Ayvlo Staging", algorithm: "SHA256", digits: "8", period: "60" });
  });
});
