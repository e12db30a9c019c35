import { describe, expect, it } from "vitest";
import { appendEntry, entryHash, genesisHead, verifyChain, type AuditEntry, type AuditInput, type ChainHead } from "../../../src/audit/chain.ts";
import { mulberry32 } from "../../../src/detect/prng.ts";
import { sha256Hex } from "../../../src/hash.ts";
import { canonicalJson } from "../../../src/audit/canonical.ts";

const T0 = Date.UTC(2024, 4, 1);
const inputs: AuditInput[] = [
  { actor: "user:usr_1", action: "user.signup", target: "user:usr_1", data: {} },
  { actor: "user:usr_1", action: "api_key.create", target: "api_key:key_1", data: { scopes: ["ingest"] } },
  { actor: "key:key_1", action: "rule.create", target: "rule:rul_1", data: { metric: "revenue", min_severity: "warning" } },
  { actor: "user:usr_1", action: "policy.update", target: "policy:p1", data: { effect: "deny", priority: 5 } },
  { actor: "system", action: "retention.prune", target: null, data: { before: T0 } },
  { actor: "user:usr_2", action: "session.create", target: "user:usr_2", data: { risk: 12, mfa: false } },
  { actor: "user:usr_1", action: "user.erase", target: "user:usr_2", data: {} },
];

async function build(tenant = "ten_a", n = inputs.length): Promise<{ start: ChainHead; entries: AuditEntry[] }> {
  const start = await genesisHead(tenant);
  const entries: AuditEntry[] = [];
  let head = start;
  for (let i = 0; i < n; i++) {
    const entry = await appendEntry(head, inputs[i % inputs.length]!, T0 + i * 1000);
    entries.push(entry);
    head = entry;
  }
  return { start, entries };
}

const clone = (xs: AuditEntry[]) => xs.map((e) => structuredClone(e));
async function rehash(e: AuditEntry): Promise<AuditEntry> {
  return { ...e, hash: await entryHash(e) };
}

describe("appendEntry", () => {
  it("numbers from 1, links prev_hash, and hashes the canonical form of the other fields", async () => {
    const { start, entries } = await build();
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(entries[0]!.prev_hash).toBe(start.hash);
    for (let i = 1; i < entries.length; i++) expect(entries[i]!.prev_hash).toBe(entries[i - 1]!.hash);
    const e = entries[2]!;
    const manual = await sha256Hex(`{"action":"rule.create","actor":"key:key_1","at":${T0 + 2000},"data":{"metric":"revenue","min_severity":"warning"},"prev_hash":"${e.prev_hash}","seq":3,"target":"rule:rul_1"}`);
    expect(e.hash).toBe(manual);
    expect(canonicalJson({ ...e, hash: undefined })).toContain('"seq":3');
  });

  it("binds the genesis to the tenant", async () => {
    expect((await genesisHead("ten_a")).hash).not.toBe((await genesisHead("ten_b")).hash);
    expect(await genesisHead("ten_a")).toEqual({ seq: 0, hash: await sha256Hex("ayvlo.audit.genesis\u0000ten_a") });
  });

  it("refuses malformed input as a bug", async () => {
    const head = await genesisHead("t");
    await expect(appendEntry(head, { actor: "a", action: "RuleCreate", target: null }, T0)).rejects.toThrow(TypeError);
    await expect(appendEntry(head, { actor: "a", action: "rule.create", target: null }, 1.5)).rejects.toThrow(TypeError);
    await expect(appendEntry({ seq: 0, hash: "nothex" }, { actor: "a", action: "rule.create", target: null }, T0)).rejects.toThrow(TypeError);
    await expect(appendEntry(head, { actor: "a", action: "rule.create", target: null, data: { x: Number.NaN } }, T0)).rejects.toThrow(TypeError);
  });
});

describe("verifyChain", () => {
  it("accepts an untouched chain, an empty one, and a chain after a JSON round trip", async () => {
    const { start, entries } = await build();
    const last = entries.at(-1)!;
    expect(await verifyChain(entries, start)).toEqual({ ok: true, head: { seq: 7, hash: last.hash } });
    expect(await verifyChain([], start)).toEqual({ ok: true, head: start });
    expect(await verifyChain(JSON.parse(JSON.stringify(entries)), start)).toMatchObject({ ok: true });
  });

  it("verifies a suffix from an anchor (after retention pruned the prefix)", async () => {
    const { entries } = await build();
    const anchor = { seq: entries[2]!.seq, hash: entries[2]!.hash };
    expect(await verifyChain(entries.slice(3), anchor)).toMatchObject({ ok: true, head: { seq: 7 } });
    expect(await verifyChain(entries.slice(3), { seq: 3, hash: entries[1]!.hash })).toMatchObject({ ok: false, first_bad_seq: 4, reason: "prev_hash_mismatch" });
  });

  // Every kind of tampering, each naming the first bad seq.
  const cases: Array<[string, (es: AuditEntry[]) => Promise<AuditEntry[]> | AuditEntry[], number, string]> = [
    ["an edited data field", (es) => ((es[3]!.data.priority = 50), es), 4, "hash_mismatch"],
    ["an edited actor", (es) => ((es[2]!.actor = "user:usr_evil"), es), 3, "hash_mismatch"],
    ["an edited action", (es) => ((es[5]!.action = "session.delete"), es), 6, "hash_mismatch"],
    ["an edited target", (es) => ((es[6]!.target = "user:usr_3"), es), 7, "hash_mismatch"],
    ["an edited time", (es) => ((es[1]!.at += 1), es), 2, "hash_mismatch"],
    ["an edited hash", (es) => ((es[4]!.hash = "f".repeat(64)), es), 5, "hash_mismatch"],
    ["an edited last hash", (es) => ((es[6]!.hash = "f".repeat(64)), es), 7, "hash_mismatch"],
    ["an edit with the hash recomputed", async (es) => ((es[3] = await rehash({ ...es[3]!, data: { effect: "allow" } })), es), 5, "prev_hash_mismatch"],
    ["a deleted entry", (es) => es.filter((e) => e.seq !== 4), 4, "seq_mismatch"],
    ["a deleted first entry", (es) => es.slice(1), 1, "seq_mismatch"],
    ["an inserted entry with a fresh seq", async (es) => {
      const forged = await rehash({ ...es[2]!, seq: 4, prev_hash: es[2]!.hash, action: "rule.delete" });
      return [...es.slice(0, 3), forged, ...es.slice(3)];
    }, 5, "seq_mismatch"],
    ["an inserted duplicate seq", (es) => [...es.slice(0, 3), es[2]!, ...es.slice(3)], 4, "seq_mismatch"],
    ["two entries swapped", (es) => [es[0]!, es[2]!, es[1]!, ...es.slice(3)], 2, "seq_mismatch"],
    ["two entries swapped with their seqs", (es) => [es[0]!, { ...es[2]!, seq: 2 }, { ...es[1]!, seq: 3 }, ...es.slice(3)], 2, "prev_hash_mismatch"],
    ["a wrong genesis", async (es) => [await rehash({ ...es[0]!, prev_hash: "0".repeat(64) }), ...es.slice(1)], 1, "prev_hash_mismatch"],
    ["a chain starting at seq 0", async (es) => [await rehash({ ...es[0]!, seq: 0 }), ...es.slice(1)], 1, "seq_mismatch"],
    ["a non-integer seq", (es) => ((es[2]!.seq = 3.5), es), 3, "malformed"],
    ["a data field that is not an object", (es) => (((es[2] as unknown as { data: unknown }).data = [1]), es), 3, "malformed"],
    ["a data value that is not JSON", (es) => ((es[2]!.data = { x: Number.NaN } as never), es), 3, "malformed"],
    ["an uppercase hash", (es) => ((es[2]!.hash = es[2]!.hash.toUpperCase()), es), 3, "malformed"],
  ];

  it.each(cases)("detects %s", async (_name, tamper, firstBad, reason) => {
    const { start, entries } = await build();
    const tampered = await tamper(clone(entries));
    const result = await verifyChain(tampered, start);
    expect(result).toMatchObject({ ok: false, first_bad_seq: firstBad, reason });
    if (!result.ok) expect(result.head).toEqual(firstBad === 1 ? start : { seq: firstBad - 1, hash: tampered[firstBad - 2]!.hash });
  });

  it("detects another tenant's chain", async () => {
    const { entries } = await build("ten_b");
    expect(await verifyChain(entries, await genesisHead("ten_a"))).toMatchObject({ ok: false, first_bad_seq: 1, reason: "prev_hash_mismatch" });
  });

  it("with checkpoints: catches a rewrite with fresh hashes and a truncated tail", async () => {
    const { start, entries } = await build();
    const checkpoints = [{ seq: 3, hash: entries[2]!.hash }, { seq: 7, hash: entries[6]!.hash }];
    expect(await verifyChain(entries, start, { checkpoints })).toMatchObject({ ok: true });
    // Rewrite entry 2 and every later hash: locally consistent, but not what was signed.
    const forged = clone(entries);
    forged[1] = await rehash({ ...forged[1]!, data: { scopes: ["admin"] } });
    for (let i = 2; i < forged.length; i++) forged[i] = await rehash({ ...forged[i]!, prev_hash: forged[i - 1]!.hash });
    expect(await verifyChain(forged, start)).toMatchObject({ ok: true });
    expect(await verifyChain(forged, start, { checkpoints })).toMatchObject({ ok: false, first_bad_seq: 3, reason: "checkpoint_mismatch" });
    // Delete entry 2, renumber and rehash everything after it.
    const kept = clone(entries).filter((e) => e.seq !== 2);
    for (let i = 1; i < kept.length; i++) kept[i] = await rehash({ ...kept[i]!, seq: i + 1, prev_hash: kept[i - 1]!.hash });
    expect(await verifyChain(kept, start)).toMatchObject({ ok: true });
    expect(await verifyChain(kept, start, { checkpoints })).toMatchObject({ ok: false, first_bad_seq: 3, reason: "checkpoint_mismatch" });
    expect(await verifyChain(entries.slice(0, 5), start, { checkpoints })).toMatchObject({ ok: false, first_bad_seq: 6, reason: "truncated", head: { seq: 5 } });
  });

  it("finds a single random corruption at the right seq, every time", async () => {
    const rnd = mulberry32(9);
    const { start, entries } = await build("ten_p", 40);
    const fields = ["at", "actor", "action", "target", "data"] as const;
    for (let trial = 0; trial < 60; trial++) {
      const es = clone(entries);
      const i = Math.floor(rnd() * es.length);
      const field = fields[Math.floor(rnd() * fields.length)]!;
      const e = es[i] as unknown as Record<string, unknown>;
      e[field] = field === "at" ? (e.at as number) + 1 : field === "data" ? { tampered: trial } : field === "action" ? "x.y" : `${String(e[field])}!`;
      expect(await verifyChain(es, start)).toMatchObject({ ok: false, first_bad_seq: i + 1 });
    }
  });
});
