import { genesisHead, signCheckpoint, verifyChain, verifyCheckpoint, type ChainFault, type ChainHead } from "../src/audit/index.ts";
import { auditStub } from "./audit.ts";
import { checkpointHeads, insertCheckpoint, listAuditEntries, tenantHeadsPage } from "./db/audit.ts";
import { currentSigningKey, publicJwks } from "./keys.ts";
import { log } from "./log.ts";

const VERIFY_PAGE = 500;
const TENANT_PAGE = 100;

export type TenantChainVerification = { ok: true; head: ChainHead; checked: number } | { ok: false; head: ChainHead; first_bad_seq: number; reason: ChainFault | "bad_checkpoint"; checked: number };

/**
 * Verifies a tenant's whole chain from its genesis, one page at a time (memory
 * bounded by the page), with the stored checkpoints' heads as anchors: an
 * entry rewritten with fresh hashes (and everything after it) still disagrees
 * with the head a checkpoint signed, and a tail cut below a checkpoint shows.
 * An anchor is what its JWS says, checked against the JWKS: a checkpoint row
 * edited in D1, or one we did not sign, fails as `bad_checkpoint`.
 */
export async function verifyTenantChain(env: Env, tenantId: string, pageSize = VERIFY_PAGE): Promise<TenantChainVerification> {
  const stored = await checkpointHeads(env.DB, tenantId);
  let head = await genesisHead(tenantId);
  const jwks = stored.length > 0 ? await publicJwks(env, { fresh: true }) : { keys: [] };
  const anchors: ChainHead[] = [];
  for (const row of stored) {
    const v = await verifyCheckpoint(row.jws, jwks, tenantId);
    if (!v.ok || v.checkpoint.seq !== row.seq || v.checkpoint.hash !== row.hash) return { ok: false, head, first_bad_seq: row.seq, reason: "bad_checkpoint", checked: 0 };
    anchors.push({ seq: v.checkpoint.seq, hash: v.checkpoint.hash });
  }
  let checked = 0;
  for (;;) {
    const page = await listAuditEntries(env.DB, tenantId, head.seq, pageSize);
    const last = page.length < pageSize;
    // Each page is checked against the anchors it covers; the last one against every anchor left (a truncated tail).
    const upTo = last ? Infinity : page[page.length - 1]!.seq;
    const checkpoints = anchors.filter((a) => a.seq > head.seq && a.seq <= upTo);
    const result = await verifyChain(page, head, { checkpoints });
    if (!result.ok) return { ...result, checked: checked + (result.head.seq - head.seq) };
    checked += page.length;
    head = result.head;
    if (last) return { ok: true, head, checked };
  }
}

/**
 * The hourly cron: signs the head of every tenant whose chain moved since its
 * last checkpoint (JWS over tenant, seq, hash, time), writes it to R2 and lists
 * it in audit_checkpoints. A checkpoint is about the chain, not in it.
 */
export async function writeCheckpoints(env: Env, now = Date.now()): Promise<{ signed: number; tenants: number }> {
  let after = "";
  let signed = 0;
  let tenants = 0;
  for (;;) {
    const page = await tenantHeadsPage(env.DB, after, TENANT_PAGE);
    for (const t of page) {
      tenants++;
      if (t.headSeq <= t.checkpointSeq) continue;
      try {
        // The writer's head, not the table's: the DO is the chain's authority.
        const head = await auditStub(env, t.id).current(t.id);
        if (head.seq <= t.checkpointSeq) {
          // Behind a head already signed: never sign a shorter chain (verify will name what is missing).
          log("warn", "audit.checkpoint_behind", { tenant_id: t.id, head_seq: head.seq, checkpoint_seq: t.checkpointSeq });
          continue;
        }
        const { kid, key } = await currentSigningKey(env);
        const jws = await signCheckpoint(t.id, head, now, key, kid);
        const r2Key = `audit/${t.id}/checkpoints/${head.seq}-${now}.jws`;
        await env.ARCHIVE.put(r2Key, jws, { httpMetadata: { contentType: "application/jose" }, customMetadata: { tenant_id: t.id, seq: String(head.seq), hash: head.hash } });
        await insertCheckpoint(env.DB, { tenantId: t.id, seq: head.seq, hash: head.hash, at: now, jws, r2Key });
        signed++;
      } catch (error) {
        // One tenant's failure must not stop the others; the next hour retries it.
        log("error", "audit.checkpoint_failed", { tenant_id: t.id, error: error instanceof Error ? error.message : String(error) });
      }
    }
    if (page.length < TENANT_PAGE) break;
    after = page[page.length - 1]!.id;
    log("info", "audit.checkpoint_progress", { tenants, signed });
  }
  log("info", "audit.checkpoints_done", { tenants, signed });
  return { signed, tenants };
}
