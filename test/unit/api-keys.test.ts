import { describe, expect, it } from "vitest";
import { constantTimeEqual, generateApiKey, hashApiKey, hasScope, parseApiKey } from "../../src/api-keys.ts";

describe("API keys", () => {
  it("generates keys that parse back to their id", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { id, key } = generateApiKey();
      expect(key).toMatch(/^ayv_live_[0-9a-z]{16}_[A-Za-z0-9]{40}$/);
      expect(parseApiKey(key)).toEqual({ id, key });
      seen.add(key);
    }
    expect(seen.size).toBe(200);
  });

  it.each(["", "ayv_live_", "ayv_test_0123456789abcdef_" + "a".repeat(40), "ayv_live_0123456789ABCDEF_" + "a".repeat(40), "ayv_live_0123456789abcdef_" + "a".repeat(39), " ayv_live_0123456789abcdef_" + "a".repeat(40)])(
    "refuses %j",
    (key) => expect(parseApiKey(key)).toBeNull(),
  );

  it("hashes with SHA-256 hex", async () => {
    expect(await hashApiKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("compares in constant time, correctly", () => {
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "ab")).toBe(false);
    expect(constantTimeEqual("", "")).toBe(true);
  });

  it("admin implies every scope; others only themselves", () => {
    expect(hasScope(["admin"], "ingest")).toBe(true);
    expect(hasScope(["read"], "read")).toBe(true);
    expect(hasScope(["read"], "ingest")).toBe(false);
    expect(hasScope(["ingest", "read"], "admin")).toBe(false);
  });
});
