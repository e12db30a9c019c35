import { pbkdf2Sync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashPassword, parsePasswordHash, PBKDF2_MAX_ITERATIONS, PBKDF2_MIN_ITERATIONS, verifyPassword } from "../../../src/auth/password.ts";

const salt = new Uint8Array(16).map((_, i) => i + 1);
const FAST = PBKDF2_MIN_ITERATIONS;

describe("hashPassword", () => {
  it("defaults to the Workers cap of 100,000 iterations and a self-describing string", async () => {
    expect(PBKDF2_MAX_ITERATIONS).toBe(100_000);
    const stored = await hashPassword("correct horse battery staple", salt);
    expect(stored).toMatch(/^pbkdf2-sha256\$100000\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]{43}=$/);
    expect(stored.split("$")[2]).toBe(Buffer.from(salt).toString("base64"));
  });

  it("matches an independent PBKDF2-HMAC-SHA256 (node:crypto)", async () => {
    for (const [password, iterations] of [["hunter2", FAST], ["pässwörd ✓", 12_345], ["", FAST]] as const) {
      const stored = await hashPassword(password, salt, iterations);
      const expected = pbkdf2Sync(Buffer.from(password.normalize("NFKC")), salt, iterations, 32, "sha256").toString("base64");
      expect(stored.split("$")[3]).toBe(expected);
    }
  });

  it("uses a fresh random salt each time unless given one", async () => {
    const a = await hashPassword("same", undefined, FAST);
    const b = await hashPassword("same", undefined, FAST);
    expect(a).not.toBe(b);
    expect(parsePasswordHash(a)!.salt).toHaveLength(16);
    expect(await hashPassword("same", salt, FAST)).toBe(await hashPassword("same", salt, FAST));
  });

  it("refuses iteration counts the Workers runtime would refuse, or too few, and short salts", async () => {
    await expect(hashPassword("x", salt, PBKDF2_MAX_ITERATIONS + 1)).rejects.toThrow(RangeError);
    await expect(hashPassword("x", salt, PBKDF2_MIN_ITERATIONS - 1)).rejects.toThrow(RangeError);
    await expect(hashPassword("x", salt, 12_345.5)).rejects.toThrow(RangeError);
    await expect(hashPassword("x", new Uint8Array(4), FAST)).rejects.toThrow(RangeError);
  });
});

describe("verifyPassword", () => {
  it("accepts the right password and refuses near misses", async () => {
    const stored = await hashPassword("Tr0ub4dor&3", salt, FAST);
    expect(await verifyPassword("Tr0ub4dor&3", stored)).toEqual({ ok: true, needsRehash: true });
    for (const wrong of ["tr0ub4dor&3", "Tr0ub4dor&", "Tr0ub4dor&3 ", ""]) expect(await verifyPassword(wrong, stored)).toEqual({ ok: false, reason: "mismatch" });
  });

  it("asks for no rehash at the default cost", async () => {
    expect(await verifyPassword("pw", await hashPassword("pw", salt))).toEqual({ ok: true, needsRehash: false });
  });

  it("normalises Unicode: a precomposed and a decomposed é are the same password", async () => {
    const stored = await hashPassword("caf\u00e9", salt, FAST);
    expect(await verifyPassword("cafe\u0301", stored)).toMatchObject({ ok: true });
  });

  it.each([
    ["another scheme", "bcrypt$10$abc$def"],
    ["too few parts", "pbkdf2-sha256$100000$AAAAAAAAAAA="],
    ["iterations above the cap", `pbkdf2-sha256$200000$${"A".repeat(22)}==$${"A".repeat(43)}=`],
    ["iterations below the floor", `pbkdf2-sha256$1000$${"A".repeat(22)}==$${"A".repeat(43)}=`],
    ["a leading zero", `pbkdf2-sha256$010000$${"A".repeat(22)}==$${"A".repeat(43)}=`],
    ["bad base64", `pbkdf2-sha256$10000$!!!$${"A".repeat(43)}=`],
    ["a short hash", `pbkdf2-sha256$10000$${"A".repeat(22)}==$AAAA`],
    ["an empty string", ""],
  ])("calls %s malformed", async (_name, stored) => {
    expect(await verifyPassword("pw", stored)).toEqual({ ok: false, reason: "malformed" });
  });
});
