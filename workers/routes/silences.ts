import { Hono } from "hono";
import { z } from "zod";
import { parseSilence, SilenceMatcherSchema } from "../../src/alerting/index.ts";
import { randomId } from "../../src/ids.ts";
import type { AppEnv } from "../app-env.ts";
import { audited } from "../audit.ts";
import type { SilenceRow } from "../db/store.ts";
import { ApiError } from "../errors.ts";
import { requireAccess } from "../middleware/auth.ts";
import { idempotency } from "../middleware/idempotency.ts";
import { pageOf, pageQuery } from "../pagination.ts";
import { readJson } from "../read-json.ts";
import { parseOr400 } from "../validate.ts";

const SilenceBody = z.strictObject({
  matchers: z.array(SilenceMatcherSchema).min(1).max(32),
  starts_at: z.union([z.number(), z.string()]).optional(),
  ends_at: z.union([z.number(), z.string()]),
  comment: z.string().min(1).max(1024),
  created_by: z.string().min(1).max(256).optional(),
});

function silenceJson(s: SilenceRow, now: number) {
  return {
    id: s.id,
    matchers: s.matchers,
    starts_at: new Date(s.startsAt).toISOString(),
    ends_at: new Date(s.endsAt).toISOString(),
    comment: s.comment,
    created_by: s.createdBy,
    status: now < s.startsAt ? "pending" : now < s.endsAt ? "active" : "expired",
  };
}

/** Silences mute matching alerts for a while; deleting one expires it now. */
export const silenceRoutes = new Hono<AppEnv>()
  .post("/", requireAccess("silence.create"), idempotency(), async (c) => {
    const body = parseOr400(SilenceBody, await readJson(c), "body");
    const now = Date.now();
    const parsed = parseSilence({ ...body, starts_at: body.starts_at ?? now, created_by: body.created_by ?? c.var.caller.actor });
    if (!parsed.ok) throw new ApiError("VALIDATION", parsed.reason, { errors: [{ path: "body", message: parsed.reason }] });
    const s = parsed.silence;
    const row: SilenceRow = { id: randomId("sil"), tenantId: c.var.caller.tenant.id, matchers: s.matchers, startsAt: s.starts_at, endsAt: s.ends_at, comment: s.comment, createdBy: s.created_by, createdAt: now };
    await audited(c.env, row.tenantId, { actor: c.var.caller.actor, action: "silence.create", target: `silence:${row.id}`, data: { starts_at: row.startsAt, ends_at: row.endsAt } }, [c.var.store.changes.insertSilence(row.tenantId, row)]);
    return c.json(silenceJson(row, now), 201);
  })
  .get("/", requireAccess("silence.read"), async (c) => {
    const page = parseOr400(z.object(pageQuery), c.req.query(), "query");
    const rows = await c.var.store.listSilences(c.var.caller.tenant.id, { limit: page.limit, after: page.cursor });
    const now = Date.now();
    return c.json(pageOf(rows, page, (s) => [s.createdAt, s.id], (s) => silenceJson(s, now)));
  })
  .get("/:id", requireAccess("silence.read", "id"), async (c) => {
    const silence = await c.var.store.getSilence(c.var.caller.tenant.id, c.req.param("id"));
    if (!silence) throw new ApiError("NOT_FOUND", `no silence '${c.req.param("id")}'`);
    return c.json(silenceJson(silence, Date.now()));
  })
  .delete("/:id", requireAccess("silence.delete", "id"), async (c) => {
    const id = c.req.param("id");
    const tenantId = c.var.caller.tenant.id;
    const now = Date.now();
    const silence = await c.var.store.getSilence(tenantId, id);
    if (!silence || silence.endsAt <= now) throw new ApiError("NOT_FOUND", `no live silence '${id}'`);
    await audited(c.env, tenantId, { actor: c.var.caller.actor, action: "silence.delete", target: `silence:${id}` }, [c.var.store.changes.expireSilence(tenantId, id, now)]);
    return c.body(null, 204);
  });
