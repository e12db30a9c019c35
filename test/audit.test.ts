import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { entryHash, verifyChain, verifyCheckpoint, genesisHead, type AuditEntry, type Jwks } from "../src/audit/index.ts";
import { auditStub } from "../workers/audit.ts";
import worker from "../workers/index.ts";
import { verifyAuditOffline } from "../scripts/verify-audit.ts";
import { call, callAs, signup, type TestSession } from "./helpers.ts";

type Verify = { ok: boolean; head: { seq: number; hash: string }; first_bad_seq?: number; reason?: string; checked: number };
type ServedEntry = Omit<AuditEntry, "at"> & { at: string; at_ms: number };

/** A tenant whose chain holds `total` entries: signup's two, then rule changes recorded through its AuditLog. */
async function chainOf(total: number): Promise<TestSession> {
  const s = await signup();
  const records = Array.from({ length: total - 2 }, (_, i) => ({ actor: `user:${s.userId}`, action: "rule.update", target: `rule:rul_${i}`, data: { step: i } }));
  if (records.length > 0) await auditStub(env, s.tenantId).record(s.tenantId, records, []);
  return s;
}

async function verify(s: TestSession): Promise<Verify> {
  const res = await callAs(s, "GET", "/v1/audit/verify");
  expect(res.status).toBe(200);
  return res.json<Verify>();
}

async function stored(tenantId: string, seq: number): Promise<AuditEntry> {
  const r = await env.DB.prepare("SELECT seq, at, actor, action, target, data, prev_hash, hash FROM audit_log WHERE tenant_id = ? AND seq = ?").bind(tenantId, seq).first<AuditEntry & { data: string }>();
  return { ...r!, data: JSON.parse(r!.data as unknown as string) };
}

/** Renumbers entries `from`.. by `delta` (through a detour, so the (tenant, seq) key never collides). */
async function shift(tenantId: string, from: number, delta: number) {
  await env.DB.prepare("UPDATE audit_log SET seq = seq + 100000 WHERE tenant_id = ? AND seq >= ?").bind(tenantId, from).run();
  await env.DB.prepare("UPDATE audit_log SET seq = seq - 100000 + ? WHERE tenant_id = ? AND seq >= 100000").bind(delta, tenantId).run();
}

/** Runs the hourly cron the way Cloudflare does: the Worker's own `scheduled` export. */
async function hourlyCron(at = Date.now()) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron: "0 * * * *", scheduledTime: at }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe("GET /v1/audit", () => {
  it("pages through the chain in seq order, with at in ISO and at_ms as hashed, and the entries verify", async () => {
    const s = await chainOf(5);
    const seen: ServedEntry[] = [];
    let path = "/v1/audit?limit=2";
    for (let i = 0; i < 10; i++) {
      const page = await (await callAs(s, "GET", path)).json<{ data: ServedEntry[]; next_cursor: string | null }>();
      seen.push(...page.data);
      if (!page.next_cursor) break;
      path = `/v1/audit?limit=2&after_seq=${page.next_cursor}`;
    }
    expect(seen.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(seen[0]).toMatchObject({ action: "tenant.create", actor: `user:${s.userId}`, target: `tenant:${s.tenantId}` });
    expect(new Date(seen[0]!.at).getTime()).toBe(seen[0]!.at_ms);
    // No personal data in an entry: the signup's email is only a commitment.
    expect(JSON.stringify(seen)).not.toContain(s.email);
    const entries = seen.map(({ at_ms, ...e }) => ({ ...e, at: at_ms }));
    expect(await verifyChain(entries, await genesisHead(s.tenantId))).toMatchObject({ ok: true, head: { seq: 5 } });
  });

  it("refuses bad paging with every problem listed", async () => {
    const s = await chainOf(2);
    const res = await callAs(s, "GET", "/v1/audit?after_seq=-1&limit=0");
    expect(res.status).toBe(400);
    const body = await res.json<{ errors: Array<{ path: string }> }>();
    expect(body.errors.map((e) => e.path).sort()).toEqual(["query.after_seq", "query.limit"]);
  });
});

describe("GET /v1/audit/verify names the first bad seq", () => {
  it("an untouched chain verifies", async () => {
    const s = await chainOf(6);
    expect(await verify(s)).toMatchObject({ ok: true, head: { seq: 6 }, checked: 6 });
  });

  it("verifies a chain longer than one page", async () => {
    const s = await chainOf(1203);
    expect(await verify(s)).toMatchObject({ ok: true, head: { seq: 1203 }, checked: 1203 });
  });

  it("an edited field", async () => {
    const s = await chainOf(6);
    await env.DB.prepare("UPDATE audit_log SET actor = 'user:someone_else' WHERE tenant_id = ? AND seq = 4").bind(s.tenantId).run();
    expect(await verify(s)).toMatchObject({ ok: false, first_bad_seq: 4, reason: "hash_mismatch", head: { seq: 3 } });
  });

  it("edited data", async () => {
    const s = await chainOf(6);
    await env.DB.prepare(`UPDATE audit_log SET data = '{"step":99}' WHERE tenant_id = ? AND seq = 5`).bind(s.tenantId).run();
    expect(await verify(s)).toMatchObject({ ok: false, first_bad_seq: 5, reason: "hash_mismatch" });
  });

  it("a deleted entry", async () => {
    const s = await chainOf(6);
    await env.DB.prepare("DELETE FROM audit_log WHERE tenant_id = ? AND seq = 3").bind(s.tenantId).run();
    expect(await verify(s)).toMatchObject({ ok: false, first_bad_seq: 3, reason: "seq_mismatch" });
  });

  it("an inserted entry with a well-formed hash: the entry after it no longer fits", async () => {
    const s = await chainOf(6);
    const before = await stored(s.tenantId, 2);
    await shift(s.tenantId, 3, 1);
    const forged = { seq: 3, at: before.at + 1, actor: "operator", action: "user.update", target: `user:${s.userId}`, data: { role: "viewer" }, prev_hash: before.hash };
    const hash = await entryHash(forged);
    await env.DB.prepare("INSERT INTO audit_log (tenant_id, seq, at, actor, action, target, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .bind(s.tenantId, forged.seq, forged.at, forged.actor, forged.action, forged.target, JSON.stringify(forged.data), forged.prev_hash, hash)
      .run();
    expect(await verify(s)).toMatchObject({ ok: false, first_bad_seq: 4, reason: "prev_hash_mismatch", head: { seq: 3, hash } });
  });

  it("two entries swapped", async () => {
    const s = await chainOf(6);
    await env.DB.prepare("UPDATE audit_log SET seq = 100 WHERE tenant_id = ? AND seq = 3").bind(s.tenantId).run();
    await env.DB.prepare("UPDATE audit_log SET seq = 3 WHERE tenant_id = ? AND seq = 4").bind(s.tenantId).run();
    await env.DB.prepare("UPDATE audit_log SET seq = 4 WHERE tenant_id = ? AND seq = 100").bind(s.tenantId).run();
    expect(await verify(s)).toMatchObject({ ok: false, first_bad_seq: 3 });
  });

  it("an entry rewritten with recomputed hashes down the chain is caught by the checkpoint that signed it", async () => {
    const s = await chainOf(4);
    await hourlyCron();
    await auditStub(env, s.tenantId).record(s.tenantId, [{ actor: "system", action: "rule.update", target: "rule:later", data: {} }], []);
    // Rewrite entry 3 and re-chain every later entry so each hash matches its content.
    let prev = await stored(s.tenantId, 2);
    for (let seq = 3; seq <= 5; seq++) {
      const e = await stored(s.tenantId, seq);
      const body = { ...e, data: seq === 3 ? { step: 1000 } : e.data, prev_hash: prev.hash };
      const hash = await entryHash(body);
      await env.DB.prepare("UPDATE audit_log SET data = ?, prev_hash = ?, hash = ? WHERE tenant_id = ? AND seq = ?").bind(JSON.stringify(body.data), body.prev_hash, hash, s.tenantId, seq).run();
      prev = { ...body, hash };
    }
    // Checkpoint at seq 4 (the head when the cron ran): the rewritten chain reaches a different hash there.
    expect(await verify(s)).toMatchObject({ ok: false, first_bad_seq: 4, reason: "checkpoint_mismatch" });
    // Without the checkpoint the rewrite would look sound: that is what checkpoints are for.
    const entries = [];
    for (let seq = 1; seq <= 5; seq++) entries.push(await stored(s.tenantId, seq));
    expect((await verifyChain(entries, await genesisHead(s.tenantId))).ok).toBe(true);
  });

  it("a rewrite that also edits the stored checkpoint to match is caught: the checkpoint's signature no longer agrees", async () => {
    const s = await chainOf(4);
    await hourlyCron();
    const e = await stored(s.tenantId, 4);
    const body = { ...e, data: { step: 1000 } };
    const hash = await entryHash(body);
    await env.DB.prepare("UPDATE audit_log SET data = ?, hash = ? WHERE tenant_id = ? AND seq = 4").bind(JSON.stringify(body.data), hash, s.tenantId).run();
    await env.DB.prepare("UPDATE audit_checkpoints SET hash = ? WHERE tenant_id = ? AND seq = 4").bind(hash, s.tenantId).run();
    expect(await verify(s)).toMatchObject({ ok: false, first_bad_seq: 4, reason: "bad_checkpoint" });
  });

  it("a tail cut below a checkpoint", async () => {
    const s = await chainOf(5);
    await hourlyCron();
    await env.DB.prepare("DELETE FROM audit_log WHERE tenant_id = ? AND seq >= 4").bind(s.tenantId).run();
    expect(await verify(s)).toMatchObject({ ok: false, first_bad_seq: 4, reason: "truncated" });
  });

  it("another tenant can neither read nor verify the chain", async () => {
    const owner = await chainOf(4);
    const intruder = await signup();
    const listed = await (await callAs(intruder, "GET", "/v1/audit")).json<{ data: ServedEntry[] }>();
    expect(listed.data.every((e) => !JSON.stringify(e).includes(owner.tenantId) && !JSON.stringify(e).includes(owner.userId))).toBe(true);
    const theirs = await verify(intruder);
    const owners = await verify(owner);
    expect(theirs).toMatchObject({ ok: true, head: { seq: 2 } });
    expect(theirs.head.hash).not.toBe(owners.head.hash);
    expect(await (await callAs(intruder, "GET", `/v1/audit?after_seq=2`)).json()).toEqual({ data: [], next_cursor: null });
  });
});

describe("hourly signed checkpoints", () => {
  it("signs each moved head, writes the JWS to R2 and lists it; it verifies with the published JWKS", async () => {
    const s = await chainOf(3);
    await hourlyCron();
    const list = await (await callAs(s, "GET", "/v1/audit/checkpoints")).json<{ data: Array<{ seq: number; hash: string; at: string; jws: string; r2_key: string }>; next_cursor: string | null }>();
    expect(list.data).toHaveLength(1);
    const cp = list.data[0]!;
    const head = await verify(s);
    expect(cp).toMatchObject({ seq: 3, hash: head.head.hash });
    expect(cp.r2_key).toMatch(new RegExp(`^audit/${s.tenantId}/checkpoints/3-\\d+\\.jws$`));
    expect(await (await env.ARCHIVE.get(cp.r2_key))!.text()).toBe(cp.jws);
    const jwks = await (await call("GET", "/.well-known/jwks.json")).json<Jwks>();
    const checked = await verifyCheckpoint(cp.jws, jwks, s.tenantId);
    expect(checked).toMatchObject({ ok: true, checkpoint: { tenant_id: s.tenantId, seq: 3, hash: head.head.hash } });
    // It is about this tenant only, and signing it did not add to the chain.
    expect((await verifyCheckpoint(cp.jws, jwks, "ten_other")).ok).toBe(false);
    expect(head.head.seq).toBe(3);

    // An hour with no new entry signs nothing new; a moved head is signed again.
    await hourlyCron();
    expect((await (await callAs(s, "GET", "/v1/audit/checkpoints")).json<{ data: unknown[] }>()).data).toHaveLength(1);
    await auditStub(env, s.tenantId).record(s.tenantId, [{ actor: "system", action: "rule.update", target: "rule:x", data: {} }], []);
    await hourlyCron();
    const after = await (await callAs(s, "GET", "/v1/audit/checkpoints?limit=1")).json<{ data: Array<{ seq: number }>; next_cursor: string | null }>();
    expect(after.data.map((c) => c.seq)).toEqual([3]);
    const next = await (await callAs(s, "GET", `/v1/audit/checkpoints?limit=1&cursor=${after.next_cursor}`)).json<{ data: Array<{ seq: number }> }>();
    expect(next.data.map((c) => c.seq)).toEqual([4]);
  });

  it("another tenant sees none of them", async () => {
    const owner = await chainOf(3);
    await hourlyCron();
    const intruder = await signup();
    const text = await (await callAs(intruder, "GET", "/v1/audit/checkpoints")).text();
    expect(text).not.toContain(owner.tenantId);
  });
});

describe("the offline verifier over what the API serves", () => {
  it("verifies the downloaded entries, checkpoints and JWKS, and names the first bad seq after an edit", async () => {
    const s = await chainOf(5);
    await hourlyCron();
    const download = async () => ({
      tenantId: s.tenantId,
      entries: await (await callAs(s, "GET", "/v1/audit?limit=1000")).text(),
      checkpoints: await (await callAs(s, "GET", "/v1/audit/checkpoints")).text(),
      jwks: await (await call("GET", "/.well-known/jwks.json")).text(),
    });
    const good = await verifyAuditOffline(await download());
    expect(good).toMatchObject({ ok: true, head: { seq: 5 }, entries: 5, checkpoints: 1 });
    await env.DB.prepare("UPDATE audit_log SET target = 'rule:elsewhere' WHERE tenant_id = ? AND seq = 2").bind(s.tenantId).run();
    expect(await verifyAuditOffline(await download())).toMatchObject({ ok: false, first_bad_seq: 2, reason: "hash_mismatch" });
  });
});
