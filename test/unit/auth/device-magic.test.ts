import { describe, expect, it } from "vitest";
import { deviceFingerprint, isNewDevice, normalizeUserAgent } from "../../../src/auth/device.ts";
import { createMagicLink, hashMagicToken, MAGIC_LINK_TTL_MS, verifyMagicLink } from "../../../src/auth/magic-link.ts";

const CHROME_124 = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.118 Safari/537.36";
const CHROME_124_PATCH = CHROME_124.replace("124.0.6367.118", "124.0.6367.207");
const CHROME_125 = CHROME_124.replace("124.0.6367.118", "125.0.6422.60");
const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0";

describe("device fingerprint", () => {
  it("survives a patch update, changes with a major version or another browser", async () => {
    const base = { userAgent: CHROME_124, acceptLanguage: "de-DE,de;q=0.9,en;q=0.8", platform: '"macOS"' };
    const fp = await deviceFingerprint(base);
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    expect(await deviceFingerprint({ ...base, userAgent: CHROME_124_PATCH })).toBe(fp);
    expect(await deviceFingerprint({ ...base, acceptLanguage: "de-DE" })).toBe(fp);
    expect(await deviceFingerprint({ ...base, userAgent: CHROME_125 })).not.toBe(fp);
    expect(await deviceFingerprint({ ...base, userAgent: FIREFOX })).not.toBe(fp);
    expect(await deviceFingerprint({ ...base, acceptLanguage: "en-US" })).not.toBe(fp);
    expect(await deviceFingerprint({ ...base, platform: '"Windows"' })).not.toBe(fp);
  });

  it("prefers a device cookie over traits", async () => {
    const a = await deviceFingerprint({ deviceId: "dev_1", userAgent: CHROME_124 });
    expect(await deviceFingerprint({ deviceId: "dev_1", userAgent: FIREFOX })).toBe(a);
    expect(await deviceFingerprint({ deviceId: "dev_2", userAgent: CHROME_124 })).not.toBe(a);
  });

  it("copes with nothing known", async () => {
    expect(await deviceFingerprint({})).toBe(await deviceFingerprint({ userAgent: null, acceptLanguage: null, platform: null }));
  });

  it("normalises user agents and spots new devices", async () => {
    expect(normalizeUserAgent("Foo/1.2.3  Bar/10_15_7")).toBe("foo/1 bar/10");
    const fp = await deviceFingerprint({ userAgent: CHROME_124 });
    expect(isNewDevice(fp, [])).toBe(true);
    expect(isNewDevice(fp, ["x", fp])).toBe(false);
  });
});

describe("magic links", () => {
  const T = 1_700_000_000_000;

  it("mails a random token and stores only its hash with an expiry", async () => {
    const { token, record } = await createMagicLink(T);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(record).toEqual({ token_hash: await hashMagicToken(token), expires_at: T + MAGIC_LINK_TTL_MS, consumed_at: null });
    expect(JSON.stringify(record)).not.toContain(token);
    expect((await createMagicLink(T)).token).not.toBe(token);
  });

  it("accepts the token until it expires", async () => {
    const { token, record } = await createMagicLink(T, { ttlMs: 60_000 });
    expect(await verifyMagicLink(token, record, T)).toEqual({ ok: true });
    expect(await verifyMagicLink(token, record, T + 59_999)).toEqual({ ok: true });
    expect(await verifyMagicLink(token, record, T + 60_000)).toEqual({ ok: false, reason: "expired" });
  });

  it("works once, and refuses a wrong or unknown token", async () => {
    const { token, record } = await createMagicLink(T, { random: (b) => b.fill(9) });
    expect(token).toBe(Buffer.alloc(32, 9).toString("base64url"));
    expect(await verifyMagicLink(token, { ...record, consumed_at: T + 1 }, T + 2)).toEqual({ ok: false, reason: "used" });
    expect(await verifyMagicLink(token.replace(/^./, "x"), record, T)).toEqual({ ok: false, reason: "mismatch" });
    expect(await verifyMagicLink(token, null, T)).toEqual({ ok: false, reason: "unknown" });
  });
});
