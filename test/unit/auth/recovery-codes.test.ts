import { describe, expect, it } from "vitest";
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode, verifyRecoveryCode } from "../../../src/auth/recovery-codes.ts";
import { mulberry32 } from "../../../src/detect/prng.ts";

describe("recovery codes", () => {
  it("generates N distinct grouped codes and their hashes, in order", async () => {
    const { codes, hashes } = await generateRecoveryCodes(10);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$/);
    expect(hashes).toEqual(await Promise.all(codes.map(hashRecoveryCode)));
    for (const hash of hashes) expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(hashes)).not.toContain(codes[0]!.slice(0, 4) + codes[0]!.slice(5, 9));
  });

  it("is deterministic given the randomness, and retries a duplicate", async () => {
    let calls = 0;
    const repeating = (b: Uint8Array) => b.fill(calls++ < 2 ? 7 : calls);
    const { codes } = await generateRecoveryCodes(3, repeating);
    expect(codes).toHaveLength(3);
    expect(new Set(codes).size).toBe(3);
    const rnd = mulberry32(1);
    const seeded = () => (b: Uint8Array) => b.map(() => Math.floor(rnd() * 256));
    expect((await generateRecoveryCodes(2, seeded())).codes).not.toEqual((await generateRecoveryCodes(2, seeded())).codes);
  });

  it("verifies a code once it is typed loosely, and names its index so the caller can burn it", async () => {
    const { codes, hashes } = await generateRecoveryCodes(5);
    const typed = ` ${codes[3]!.toUpperCase().replace(/-/g, " ")} `;
    expect(await verifyRecoveryCode(typed, hashes)).toEqual({ ok: true, index: 3 });
    const remaining = hashes.filter((_, i) => i !== 3);
    expect(await verifyRecoveryCode(codes[3]!, remaining)).toEqual({ ok: false, reason: "mismatch" });
    expect(await verifyRecoveryCode(codes[0]!, remaining)).toEqual({ ok: true, index: 0 });
  });

  it("reads o as 0 and i/l as 1", () => {
    expect(normalizeRecoveryCode("OIL0-abcd-efgh")).toBe("0110abcdefgh");
    expect(normalizeRecoveryCode("abcd-efgh-jkm")).toBe(null);
    expect(normalizeRecoveryCode("abcd-efgh-jkmu")).toBe(null);
  });

  it("refuses malformed input before hashing, and a well-formed wrong code as a mismatch", async () => {
    const { hashes } = await generateRecoveryCodes(3);
    expect(await verifyRecoveryCode("", hashes)).toEqual({ ok: false, reason: "malformed" });
    expect(await verifyRecoveryCode("not-a-code!", hashes)).toEqual({ ok: false, reason: "malformed" });
    expect(await verifyRecoveryCode("0000-0000-0000", hashes)).toEqual({ ok: false, reason: "mismatch" });
    expect(await verifyRecoveryCode("0000-0000-0000", [])).toEqual({ ok: false, reason: "mismatch" });
    await expect(hashRecoveryCode("nope")).rejects.toThrow(TypeError);
  });
});
