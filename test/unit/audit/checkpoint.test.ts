import { describe, expect, it } from "vitest";
import { appendEntry, entryHash, genesisHead, type AuditEntry } from "../../../src/audit/chain.ts";
import { CHECKPOINT_TYP, checkpointPayload, signCheckpoint, verifyChainWithCheckpoints, verifyCheckpoint } from "../../../src/audit/checkpoint.ts";
import { exportPublicJwk, generateEs256KeyPair, signJws } from "../../../src/audit/jws.ts";

const T0 = Date.UTC(2024, 4, 1, 12);

async function setup() {
  const pair = await generateEs256KeyPair();
  const jwks = { keys: [await exportPublicJwk(pair.publicKey, "audit-1")] };
  const start = await genesisHead("ten_c");
  const entries: AuditEntry[] = [];
  let head = start;
  for (let i = 0; i < 6; i++) {
    head = await appendEntry(head, { actor: "user:usr_1", action: "rule.update", target: `rule:r${i}`, data: { i } }, T0 + i);
    entries.push(head as AuditEntry);
  }
  const sign = (e: AuditEntry, tenant = "ten_c", key = pair.privateKey) => signJws(checkpointPayload(tenant, { seq: e.seq, hash: e.hash }, T0 + 3_600_000), key, "audit-1", CHECKPOINT_TYP);
  return { pair, jwks, start, entries, sign };
}

describe("checkpoints", () => {
  it("carry tenant, seq, hash and time", () => {
    expect(checkpointPayload("ten_c", { seq: 4, hash: "a".repeat(64) }, 1_714_564_800_123)).toEqual({ iss: "ayvlo", sub: "tenant:ten_c", tenant_id: "ten_c", seq: 4, hash: "a".repeat(64), at: 1_714_564_800_123, iat: 1_714_564_800 });
  });

  it("verify with the JWKS and refuse another tenant's, a foreign key's, or a plain JWT", async () => {
    const { jwks, entries, sign, pair } = await setup();
    const jws = await sign(entries[3]!);
    expect(await verifyCheckpoint(jws, jwks, "ten_c")).toMatchObject({ ok: true, checkpoint: { seq: 4, hash: entries[3]!.hash } });
    expect(await verifyCheckpoint(jws, jwks, "ten_other")).toEqual({ ok: false, reason: "wrong_tenant" });
    expect(await verifyCheckpoint(await sign(entries[3]!, "ten_other"), jwks, "ten_c")).toEqual({ ok: false, reason: "wrong_tenant" });
    const stranger = await generateEs256KeyPair();
    expect(await verifyCheckpoint(await sign(entries[3]!, "ten_c", stranger.privateKey), jwks, "ten_c")).toEqual({ ok: false, reason: "bad_jws", detail: "bad_signature" });
    const plain = await signJws(checkpointPayload("ten_c", entries[3]!, T0), pair.privateKey, "audit-1");
    expect(await verifyCheckpoint(plain, jwks, "ten_c")).toEqual({ ok: false, reason: "wrong_typ" });
    const noClaims = await signJws({ tenant_id: "ten_c" }, pair.privateKey, "audit-1", CHECKPOINT_TYP);
    expect(await verifyCheckpoint(noClaims, jwks, "ten_c")).toEqual({ ok: false, reason: "bad_claims" });
  });

  it("signCheckpoint signs the same claims with the checkpoint typ", async () => {
    const { jwks, entries, pair } = await setup();
    const jws = await signCheckpoint("ten_c", entries[1]!, T0, pair.privateKey, "audit-1");
    expect(JSON.parse(Buffer.from(jws.split(".")[0]!, "base64url").toString())).toEqual({ alg: "ES256", kid: "audit-1", typ: CHECKPOINT_TYP });
    expect(await verifyCheckpoint(jws, jwks, "ten_c")).toEqual({ ok: true, checkpoint: checkpointPayload("ten_c", { seq: 2, hash: entries[1]!.hash }, T0) });
  });

  it("anchor the offline check of the chain", async () => {
    const { jwks, start, entries, sign } = await setup();
    const checkpoints = [await sign(entries[2]!), await sign(entries[5]!)];
    expect(await verifyChainWithCheckpoints(entries, start, checkpoints, jwks, "ten_c")).toMatchObject({ ok: true, head: { seq: 6 } });
    // A rewrite from entry 2 on with fresh hashes: consistent, but not what was signed.
    const forged = entries.map((e) => ({ ...e, data: { ...e.data } }));
    forged[1]!.data = { i: 99 };
    for (let i = 1; i < forged.length; i++) {
      if (i > 1) forged[i]!.prev_hash = forged[i - 1]!.hash;
      forged[i]!.hash = await entryHash(forged[i]!);
    }
    expect(await verifyChainWithCheckpoints(forged, start, [], jwks, "ten_c")).toMatchObject({ ok: true });
    expect(await verifyChainWithCheckpoints(forged, start, checkpoints, jwks, "ten_c")).toMatchObject({ ok: false, first_bad_seq: 3, reason: "checkpoint_mismatch" });
    // The tail cut off after the last checkpoint was signed.
    expect(await verifyChainWithCheckpoints(entries.slice(0, 4), start, checkpoints, jwks, "ten_c")).toMatchObject({ ok: false, first_bad_seq: 5, reason: "truncated" });
    // A tampered checkpoint fails the whole check.
    const sigAt = checkpoints[1]!.lastIndexOf(".") + 10;
    const bad = checkpoints[1]!.slice(0, sigAt) + (checkpoints[1]![sigAt] === "A" ? "B" : "A") + checkpoints[1]!.slice(sigAt + 1);
    expect(await verifyChainWithCheckpoints(entries, start, [checkpoints[0]!, bad], jwks, "ten_c")).toEqual({ ok: false, reason: "bad_checkpoint", index: 1, detail: "bad_signature" });
  });
});
