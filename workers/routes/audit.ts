import { Hono } from "hono";
import { z } from "zod";
import type { AuditEntry } from "../../src/audit/index.ts";
import type { AppEnv } from "../app-env.ts";
import { verifyTenantChain } from "../audit-chain.ts";
import { listAuditEntries, listCheckpoints } from "../db/audit.ts";
import { requireAccess } from "../middleware/auth.ts";
import { parseOr400 } from "../validate.ts";

// The tenant's audit chain, its verification and its signed checkpoints.
// Cursors are plain numbers (a seq, a checkpoint's epoch ms): the chain is append-only and ordered.

const afterNumber = (name: string) => z.coerce.number({ error: `${name} must be a number` }).int(`${name} must be an integer`).min(0, `${name} must be at least 0`);
const limit = z.coerce.number({ error: "limit must be a number" }).int("limit must be an integer").min(1, "limit must be at least 1").max(1000, "limit must be at most 1000").default(100);
const ListEntries = z.strictObject({ after_seq: afterNumber("after_seq").optional(), cursor: afterNumber("cursor").optional(), limit });
const ListCheckpoints = z.strictObject({ cursor: afterNumber("cursor").optional(), limit });

/** An entry as served: `at` in ISO for people, `at_ms` as hashed (the offline verifier uses it). */
function entryJson(e: AuditEntry) {
  return { seq: e.seq, at: new Date(e.at).toISOString(), at_ms: e.at, actor: e.actor, action: e.action, target: e.target, data: e.data, prev_hash: e.prev_hash, hash: e.hash };
}

export const auditRoutes = new Hono<AppEnv>()
  .get("/", requireAccess("audit.read"), async (c) => {
    const q = parseOr400(ListEntries, c.req.query(), "query");
    const after = q.cursor ?? q.after_seq ?? 0;
    const rows = await listAuditEntries(c.env.DB, c.var.caller.tenant.id, after, q.limit + 1);
    const kept = rows.slice(0, q.limit);
    return c.json({ data: kept.map(entryJson), next_cursor: rows.length > q.limit ? String(kept[kept.length - 1]!.seq) : null });
  })
  .get("/verify", requireAccess("audit.verify"), async (c) => {
    parseOr400(z.strictObject({}), c.req.query(), "query");
    return c.json(await verifyTenantChain(c.env, c.var.caller.tenant.id));
  })
  .get("/checkpoints", requireAccess("audit.read"), async (c) => {
    const q = parseOr400(ListCheckpoints, c.req.query(), "query");
    const rows = await listCheckpoints(c.env.DB, c.var.caller.tenant.id, q.cursor ?? -1, q.limit + 1);
    const kept = rows.slice(0, q.limit);
    return c.json({
      data: kept.map((r) => ({ seq: r.seq, hash: r.hash, at: new Date(r.at).toISOString(), at_ms: r.at, jws: r.jws, r2_key: r.r2Key })),
      next_cursor: rows.length > q.limit ? String(kept[kept.length - 1]!.at) : null,
    });
  });
