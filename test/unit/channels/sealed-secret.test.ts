import { describe, expect, it } from "vitest";
import { importSealingKey, isSealed, openSecret, sealingKeyId, sealSecret } from "../../../src/webhooks/sealed-secret.ts";

const rawKey = (fill: number) => new Uint8Array(32).fill(fill);
const keys = async () => ({ k1: await importSealingKey(rawKey(1)), k2: await importSealingKey(rawKey(2)) });
const lookup = (ks: Record<string, CryptoKey>) => async (id: string) => {
  const key = ks[id];
  if (!key) throw new Error(`no key ${id}`);
  return key;
};

describe("sealed secrets", () => {
  it("open to the same secret, for many secrets and places, and never show the plaintext", async () => {
    const ks = await keys();
    for (let i = 0; i < 50; i++) {
      const secret = `whsec_${"x".repeat(i)}${i}é🔑`;
      const place = `ten_${i}:chn_${i * 7}`;
      const sealed = await sealSecret({ id: i % 2 ? "k1" : "k2", key: i % 2 ? ks.k1 : ks.k2 }, secret, place);
      expect(isSealed(sealed)).toBe(true);
      expect(sealingKeyId(sealed)).toBe(i % 2 ? "k1" : "k2");
      expect(sealed).not.toContain(secret.slice(0, 8 + i));
      expect(await openSecret(lookup(ks), sealed, place)).toBe(secret);
    }
  });

  it("seal the same secret differently each time (a fresh IV)", async () => {
    const { k1 } = await keys();
    const a = await sealSecret({ id: "k1", key: k1 }, "whsec_same", "t:c");
    const b = await sealSecret({ id: "k1", key: k1 }, "whsec_same", "t:c");
    expect(a).not.toBe(b);
  });

  it("do not open in another tenant's or channel's row", async () => {
    const ks = await keys();
    const sealed = await sealSecret({ id: "k1", key: ks.k1 }, "whsec_abc", "ten_a:chn_1");
    for (const other of ["ten_b:chn_1", "ten_a:chn_2", "ten_a:chn_1 ", ""]) await expect(openSecret(lookup(ks), sealed, other)).rejects.toThrow(/does not open/);
  });

  it("refuse any altered character, a wrong key and malformed values", async () => {
    const ks = await keys();
    const sealed = await sealSecret({ id: "k1", key: ks.k1 }, "whsec_abc", "t:c");
    const body = sealed.slice("sealed.v1.k1.".length);
    for (let i = 0; i < body.length; i++) {
      if (body[i] === ".") continue;
      const altered = `sealed.v1.k1.${body.slice(0, i)}${body[i] === "A" ? "B" : "A"}${body.slice(i + 1)}`;
      await expect(openSecret(lookup(ks), altered, "t:c")).rejects.toThrow();
    }
    await expect(openSecret(lookup(ks), sealed.replace("sealed.v1.k1.", "sealed.v1.k2."), "t:c")).rejects.toThrow(/does not open/);
    await expect(openSecret(lookup(ks), sealed.replace("sealed.v1.k1.", "sealed.v1.k9."), "t:c")).rejects.toThrow(/no key k9/);
    for (const bad of ["sealed.v1.", "sealed.v1.k1", "sealed.v1.k1.AAAA", "sealed.v1.k1.AAAA.BBBB.CCCC", "sealed.v1.k1.!!!.BBBB"]) await expect(openSecret(lookup(ks), bad, "t:c")).rejects.toThrow(/malformed/);
  });

  it("pass a secret stored before sealing through as it is", async () => {
    const ks = await keys();
    expect(isSealed("whsec_legacy")).toBe(false);
    expect(sealingKeyId("whsec_legacy")).toBeNull();
    expect(await openSecret(lookup(ks), "whsec_legacy", "t:c")).toBe("whsec_legacy");
  });

  it("refuse keys that are not 256 bits and key ids that would break the format", async () => {
    await expect(importSealingKey(new Uint8Array(16))).rejects.toThrow(RangeError);
    const { k1 } = await keys();
    await expect(sealSecret({ id: "a.b", key: k1 }, "s", "t:c")).rejects.toThrow(RangeError);
  });
});
