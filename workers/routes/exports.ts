import { Hono } from "hono";
import { z } from "zod";
import { randomId } from "../../src/ids.ts";
import type { AppEnv } from "../app-env.ts";
import { audited } from "../audit.ts";
import { getExport, insertExportQuery, type ExportRow } from "../db/exports.ts";
import { ApiError } from "../errors.ts";
import type { ExportJob } from "../exports.ts";
import { requireAccess } from "../middleware/auth.ts";
import { iso } from "../present.ts";
import { parseOr400 } from "../validate.ts";

// A tenant takes all its data away: NDJSON in R2, built by the JOBS queue.

function exportJson(e: ExportRow) {
  return {
    id: e.id,
    status: e.status,
    progress: e.progress,
    bytes: e.bytes,
    error: e.error,
    created_at: iso(e.createdAt),
    finished_at: iso(e.finishedAt),
    download_url: e.status === "done" ? `/v1/exports/${e.id}/download` : null,
  };
}

async function ownExport(c: { env: Env; var: AppEnv["Variables"]; req: { param(n: string): string } }): Promise<ExportRow> {
  const row = await getExport(c.env.DB, c.var.caller.tenant.id, c.req.param("id"));
  if (!row) throw new ApiError("NOT_FOUND", `no export '${c.req.param("id")}'`);
  return row;
}

export const exportRoutes = new Hono<AppEnv>()
  .post("/", requireAccess("tenant.export"), async (c) => {
    // No options yet: an empty body or `{}`.
    const text = await c.req.text();
    let body: unknown = {};
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        throw new ApiError("VALIDATION", "the request body is not valid JSON", { errors: [{ path: "body", message: "invalid JSON" }] });
      }
    }
    parseOr400(z.strictObject({}), body, "body");
    const tenantId = c.var.caller.tenant.id;
    const row: ExportRow = { id: randomId("exp"), tenantId, status: "pending", requestedBy: c.var.caller.actor, progress: {}, r2Key: null, bytes: null, error: null, createdAt: Date.now(), finishedAt: null };
    await audited(c.env, tenantId, { actor: c.var.caller.actor, action: "tenant.export_requested", target: `export:${row.id}` }, [insertExportQuery(c.env.DB, row)]);
    await c.env.JOBS.send({ type: "export", tenantId, exportId: row.id } satisfies ExportJob);
    return c.json({ id: row.id, status: "pending" as const }, 202);
  })
  .get("/:id", requireAccess("tenant.export", "id"), async (c) => c.json(exportJson(await ownExport(c))))
  .get("/:id/download", requireAccess("tenant.export", "id"), async (c) => {
    const row = await ownExport(c);
    if (row.status !== "done" || !row.r2Key) throw new ApiError("CONFLICT", `export '${row.id}' is ${row.status}; download it when its status is done`);
    const object = await c.env.ARCHIVE.get(row.r2Key);
    if (!object) throw new ApiError("NOT_FOUND", `the file of export '${row.id}' is gone`);
    return new Response(object.body, {
      headers: { "content-type": "application/x-ndjson", "content-length": String(object.size), "content-disposition": `attachment; filename="ayvlo-export-${row.id}.ndjson"` },
    });
  });
