import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { appendEntry, entryHash, exportPublicJwk, generateEs256KeyPair, genesisHead, signCheckpoint, type AuditEntry } from "../../src/audit/index.ts";
import { verifyAuditOffline } from "../../scripts/verify-audit.ts";

// Fixtures shaped as the API serves them: GET /v1/audit pages (at ISO + at_ms),
// GET /v1/audit/checkpoints pages, GET /.well-known/jwks.json.

const TENANT = "ten_offline";
const T0 = Date.UTC(2026, 10, 24, 8);

async function fixtures(count = 8) {
  const pair = await generateEs256KeyPair();
  const jwks = { keys: [await exportPublicJwk(pair.publicKey, "k1")] };
  const entries: AuditEntry[] = [];
  let head = await genesisHead(TENANT);
  for (let i = 0; i < count; i++) {
    const e = await appendEntry(head, { actor: "user:usr_1", action: "rule.update", target: `rule:r${i}`, data: { i } }, T0 + i * 1000);
    entries.push(e);
    head = e;
  }
  const checkpoint = (seq: number, tenant = TENANT, key = pair.privateKey) => signCheckpoint(tenant, { seq, hash: entries[seq - 1]!.hash }, T0 + 3_600_000 + seq, key, "k1");
  const served = (list: AuditEntry[]) => list.map((e) => JSON.stringify({ ...e, at: new Date(e.at).toISOString(), at_ms: e.at })).join("\n");
  const listed = async (jws: string[]) => JSON.stringify({ data: jws.map((j, i) => ({ seq: i, jws: j })), next_cursor: null });
  return { pair, jwks: JSON.stringify(jwks), entries, checkpoint, served, listed };
}

const copy = (e: AuditEntry[]) => e.map((x) => ({ ...x, data: { ...x.data } }));

describe("offline audit verification (scripts/verify-audit.ts)", () => {
  it("accepts a sound chain with its signed checkpoints", async () => {
    const f = await fixtures();
    const result = await verifyAuditOffline({ tenantId: TENANT, entries: f.served(f.entries), checkpoints: await f.listed([await f.checkpoint(4), await f.checkpoint(8)]), jwks: f.jwks });
    expect(result).toEqual({ ok: true, head: { seq: 8, hash: f.entries[7]!.hash }, entries: 8, checkpoints: 2 });
  });

  it("accepts whole API pages as NDJSON lines too", async () => {
    const f = await fixtures();
    const pages = [JSON.stringify({ data: JSON.parse(`[${f.served(f.entries.slice(0, 5)).split("\n").join(",")}]`), next_cursor: "5" }), JSON.stringify({ data: JSON.parse(`[${f.served(f.entries.slice(5)).split("\n").join(",")}]`), next_cursor: null })].join("\n");
    expect(await verifyAuditOffline({ tenantId: TENANT, entries: pages, checkpoints: "", jwks: f.jwks })).toMatchObject({ ok: true, entries: 8 });
  });

  it("names the first bad seq of an edited, deleted, inserted or reordered chain", async () => {
    const f = await fixtures();
    const run = (list: AuditEntry[]) => verifyAuditOffline({ tenantId: TENANT, entries: f.served(list), checkpoints: "", jwks: f.jwks });

    const edited = copy(f.entries);
    edited[4]!.data = { i: 400 };
    expect(await run(edited)).toMatchObject({ ok: false, first_bad_seq: 5, reason: "hash_mismatch" });

    const deleted = copy(f.entries).filter((e) => e.seq !== 3);
    expect(await run(deleted)).toMatchObject({ ok: false, first_bad_seq: 3, reason: "seq_mismatch" });

    const inserted = copy(f.entries);
    inserted.splice(2, 0, { ...inserted[2]!, actor: "operator" });
    expect(await run(inserted)).toMatchObject({ ok: false, first_bad_seq: 3, reason: "hash_mismatch" });

    const swapped = copy(f.entries);
    [swapped[5], swapped[6]] = [swapped[6]!, swapped[5]!];
    expect(await run(swapped)).toMatchObject({ ok: false, first_bad_seq: 6, reason: "seq_mismatch" });
  });

  it("catches a rewrite with recomputed hashes only through a checkpoint", async () => {
    const f = await fixtures();
    const rewritten = copy(f.entries);
    let prev = f.entries[1]!.hash;
    for (const e of rewritten.slice(2)) {
      if (e.seq === 3) e.data = { i: 333 };
      e.prev_hash = prev;
      e.hash = await entryHash(e);
      prev = e.hash;
    }
    expect(await verifyAuditOffline({ tenantId: TENANT, entries: f.served(rewritten), checkpoints: "", jwks: f.jwks })).toMatchObject({ ok: true });
    const withCheckpoint = await verifyAuditOffline({ tenantId: TENANT, entries: f.served(rewritten), checkpoints: await f.listed([await f.checkpoint(5)]), jwks: f.jwks });
    expect(withCheckpoint).toMatchObject({ ok: false, first_bad_seq: 5, reason: "checkpoint_mismatch" });
    // …and a chain cut below a checkpoint.
    const cut = await verifyAuditOffline({ tenantId: TENANT, entries: f.served(f.entries.slice(0, 6)), checkpoints: await f.listed([await f.checkpoint(8)]), jwks: f.jwks });
    expect(cut).toMatchObject({ ok: false, first_bad_seq: 7, reason: "truncated" });
  });

  it("refuses a forged checkpoint, another tenant's, and one with an edited payload", async () => {
    const f = await fixtures();
    const forger = await generateEs256KeyPair();
    const forged = await f.checkpoint(8, TENANT, forger.privateKey);
    expect(await verifyAuditOffline({ tenantId: TENANT, entries: f.served(f.entries), checkpoints: await f.listed([forged]), jwks: f.jwks })).toMatchObject({ ok: false, reason: "bad_checkpoint", detail: "checkpoint #0: bad_signature" });
    const foreign = await f.checkpoint(8, "ten_other");
    expect(await verifyAuditOffline({ tenantId: TENANT, entries: f.served(f.entries), checkpoints: await f.listed([foreign]), jwks: f.jwks })).toMatchObject({ ok: false, reason: "bad_checkpoint", detail: "checkpoint #0: wrong_tenant" });
    const [h, p, s] = (await f.checkpoint(8)).split(".");
    const payload = JSON.parse(Buffer.from(p!, "base64url").toString());
    const edited = `${h}.${Buffer.from(JSON.stringify({ ...payload, seq: 7 })).toString("base64url")}.${s}`;
    expect(await verifyAuditOffline({ tenantId: TENANT, entries: f.served(f.entries), checkpoints: await f.listed([edited]), jwks: f.jwks })).toMatchObject({ ok: false, reason: "bad_checkpoint" });
  });

  it("does not verify one tenant's chain as another's", async () => {
    const f = await fixtures();
    expect(await verifyAuditOffline({ tenantId: "ten_other", entries: f.served(f.entries), checkpoints: "", jwks: f.jwks })).toMatchObject({ ok: false, first_bad_seq: 1, reason: "prev_hash_mismatch" });
  });

  it("as a command: exit 0 when sound, 1 with the first bad seq", async () => {
    const f = await fixtures();
    const dir = mkdtempSync(join(tmpdir(), "verify-audit-"));
    const bad = copy(f.entries);
    bad[2]!.target = "rule:other";
    writeFileSync(join(dir, "good.ndjson"), f.served(f.entries));
    writeFileSync(join(dir, "bad.ndjson"), f.served(bad));
    writeFileSync(join(dir, "checkpoints.json"), await f.listed([await f.checkpoint(8)]));
    writeFileSync(join(dir, "jwks.json"), f.jwks);
    const run = (entries: string) => spawnSync(process.execPath, ["scripts/verify-audit.ts", "--tenant", TENANT, "--entries", join(dir, entries), "--checkpoints", join(dir, "checkpoints.json"), "--jwks", join(dir, "jwks.json")], { encoding: "utf8" });
    const good = run("good.ndjson");
    expect(good.status).toBe(0);
    expect(good.stdout).toContain("head seq 8");
    const tampered = run("bad.ndjson");
    expect(tampered.status).toBe(1);
    expect(tampered.stdout).toContain("first bad seq 3 (hash_mismatch)");
  });
});
