import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../../src/detect/prng.ts";
import { base64ToBytes, bytesToBase64 } from "../../../src/webhooks/base64.ts";
import { liveSecrets, rotateSecret, signingSecrets, type EndpointSecret } from "../../../src/webhooks/secret-rotation.ts";
import { constantTimeEqual, decodeSecret, generateSecret, sign, verify, webhookHeaders } from "../../../src/webhooks/standard-webhooks.ts";

// The Standard Webhooks reference libraries' published test vector.
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  msgId: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};

const bytes = (seed: number, n: number) => {
  const r = mulberry32(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
};

describe("Standard Webhooks signatures", () => {
  it("reproduces the specification's test vector", async () => {
    expect(await sign(VECTOR.secret, VECTOR.msgId, VECTOR.timestamp, VECTOR.payload)).toBe(VECTOR.signature);
  });

  it("verifies the test vector, with or without the whsec_ prefix", async () => {
    const headers = { "webhook-id": VECTOR.msgId, "webhook-timestamp": String(VECTOR.timestamp), "webhook-signature": VECTOR.signature };
    expect(await verify({ secret: VECTOR.secret, payload: VECTOR.payload, headers, nowS: VECTOR.timestamp })).toEqual({ ok: true });
    expect(await verify({ secret: VECTOR.secret.slice(6), payload: VECTOR.payload, headers, nowS: VECTOR.timestamp + 299 })).toEqual({ ok: true });
  });

  it("agrees with an independent HMAC over random inputs (round trip)", async () => {
    const rnd = mulberry32(3);
    for (let i = 0; i < 50; i++) {
      const secret = generateSecret(bytes(i, 24 + (i % 41)));
      const msgId = `msg_${i}`;
      const ts = 1_700_000_000 + Math.floor(rnd() * 1e6);
      const payload = JSON.stringify({ i, text: "héllo ✓ \n", r: rnd() });
      const key = Buffer.from(secret.slice(6), "base64");
      const reference = createHmac("sha256", key).update(`${msgId}.${ts}.${payload}`).digest("base64");
      const headers = await webhookHeaders([secret], msgId, ts, payload);
      expect(headers["webhook-signature"]).toBe(`v1,${reference}`);
      expect(await verify({ secret, payload, headers, nowS: ts })).toEqual({ ok: true });
      expect(await verify({ secret, payload: payload + " ", headers, nowS: ts })).toEqual({ ok: false, reason: "no_matching_signature" });
    }
  });

  it("refuses a tampered id, timestamp or signature", async () => {
    const headers = await webhookHeaders([VECTOR.secret], VECTOR.msgId, VECTOR.timestamp, VECTOR.payload);
    const base = { secret: VECTOR.secret, payload: VECTOR.payload, nowS: VECTOR.timestamp };
    expect((await verify({ ...base, headers: { ...headers, "webhook-id": "msg_other" } })).ok).toBe(false);
    expect((await verify({ ...base, headers: { ...headers, "webhook-timestamp": String(VECTOR.timestamp + 1) } })).ok).toBe(false);
    expect((await verify({ ...base, headers: { ...headers, "webhook-signature": "v1,AAAA" } })).ok).toBe(false);
    expect((await verify({ ...base, headers: { ...headers, "webhook-signature": VECTOR.signature.replace("v1,", "v2,") } })).ok).toBe(false);
    expect((await verify({ ...base, headers: { ...headers, "webhook-signature": "v1,***" } })).ok).toBe(false);
    expect((await verify({ ...base, secret: generateSecret(bytes(9, 32)), headers })).ok).toBe(false);
  });

  it("enforces the timestamp tolerance both ways", async () => {
    const headers = await webhookHeaders([VECTOR.secret], VECTOR.msgId, VECTOR.timestamp, VECTOR.payload);
    const at = (nowS: number, toleranceS?: number) => verify({ secret: VECTOR.secret, payload: VECTOR.payload, headers, nowS, toleranceS });
    expect(await at(VECTOR.timestamp + 300)).toEqual({ ok: true });
    expect(await at(VECTOR.timestamp + 301)).toEqual({ ok: false, reason: "timestamp_too_old" });
    expect(await at(VECTOR.timestamp - 301)).toEqual({ ok: false, reason: "timestamp_too_new" });
    expect(await at(VECTOR.timestamp + 1_000, 1_000)).toEqual({ ok: true });
  });

  it("reports missing headers and malformed timestamps", async () => {
    const base = { secret: VECTOR.secret, payload: VECTOR.payload, nowS: VECTOR.timestamp };
    expect(await verify({ ...base, headers: { "webhook-id": "x", "webhook-timestamp": "1" } })).toEqual({ ok: false, reason: "missing_headers" });
    expect(await verify({ ...base, headers: { "webhook-id": "x", "webhook-timestamp": "1.5", "webhook-signature": VECTOR.signature } })).toEqual({ ok: false, reason: "invalid_timestamp" });
  });

  it("accepts any of several space-separated signatures (rotation)", async () => {
    const fresh = generateSecret(bytes(1, 32));
    const headers = await webhookHeaders([fresh, VECTOR.secret], VECTOR.msgId, VECTOR.timestamp, VECTOR.payload);
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(headers["webhook-signature"].split(" ")[1]).toBe(VECTOR.signature);
    for (const secret of [fresh, VECTOR.secret]) {
      expect(await verify({ secret, payload: VECTOR.payload, headers, nowS: VECTOR.timestamp })).toEqual({ ok: true });
    }
  });

  it("refuses to sign with no secret at all", async () => {
    await expect(webhookHeaders([], "msg_1", 1, "{}")).rejects.toThrow(RangeError);
  });

  it("generates secrets only from 24–64 bytes, and they decode back", () => {
    const raw = bytes(5, 32);
    const secret = generateSecret(raw);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(decodeSecret(secret)).toEqual(raw);
    expect(() => generateSecret(bytes(5, 23))).toThrow(RangeError);
    expect(() => generateSecret(bytes(5, 65))).toThrow(RangeError);
    expect(decodeSecret("whsec_not base64!")).toBeNull();
  });
});

describe("base64 and comparison helpers", () => {
  it("round-trips any bytes", () => {
    for (let n = 0; n < 70; n++) {
      const b = bytes(n, n);
      expect(base64ToBytes(bytesToBase64(b))).toEqual(b);
      expect(bytesToBase64(b)).toBe(Buffer.from(b).toString("base64"));
    }
  });
  it("compares equal bytes as equal and anything else as different", () => {
    expect(constantTimeEqual(bytes(1, 32), bytes(1, 32))).toBe(true);
    const flipped = bytes(1, 32);
    flipped[31]! ^= 1;
    expect(constantTimeEqual(bytes(1, 32), flipped)).toBe(false);
    expect(constantTimeEqual(bytes(1, 32), bytes(1, 31))).toBe(false);
  });
});

describe("secret rotation", () => {
  const T = Date.UTC(2025, 0, 1);
  it("signs with old and new during the grace period, then only the new", () => {
    let list: EndpointSecret[] = [{ secret: "whsec_old", created_at: T, expires_at: null }];
    list = rotateSecret(list, "whsec_new", T + 1_000, 3_600);
    expect(signingSecrets(list, T + 1_000)).toEqual(["whsec_new", "whsec_old"]);
    expect(signingSecrets(list, T + 1_000 + 3_599_999)).toEqual(["whsec_new", "whsec_old"]);
    expect(signingSecrets(list, T + 1_000 + 3_600_000)).toEqual(["whsec_new"]);
  });
  it("a second rotation never extends an older secret's grace and drops expired ones", () => {
    let list = rotateSecret([{ secret: "a", created_at: T, expires_at: null }], "b", T + 1, 100);
    list = rotateSecret(list, "c", T + 2, 1_000);
    expect(list.find((s) => s.secret === "a")?.expires_at).toBe(T + 1 + 100_000);
    expect(list.find((s) => s.secret === "b")?.expires_at).toBe(T + 2 + 1_000_000);
    list = rotateSecret(list, "d", T + 200_000, 0);
    expect(list.map((s) => s.secret)).toEqual(["d"]);
    expect(liveSecrets(list, T + 200_000).map((s) => s.secret)).toEqual(["d"]);
  });
});
