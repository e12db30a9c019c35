import { getTenant } from "./db/accounts.ts";
import { d1 } from "./db/d1.ts";
import { EXPORT_SECTIONS, getExport, sectionPage, updateExport } from "./db/exports.ts";
import { log } from "./log.ts";
import { seriesStub } from "./series-stub.ts";

/** The JOBS queue message that runs an export. */
export interface ExportJob {
  type: "export";
  tenantId: string;
  exportId: string;
}

const PAGE = 500;
const POINTS_PAGE = 2000;
// R2 multipart parts (except the last) must be at least 5 MiB: memory stays around one part.
const PART_BYTES = 5 * 1024 * 1024;
const PROGRESS_EVERY = 5000;

export const exportKey = (tenantId: string, id: string) => `exports/${tenantId}/${id}.ndjson`;

/** NDJSON into an R2 multipart upload, one part at a time. */
class NdjsonUpload {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private parts: R2UploadedPart[] = [];
  bytes = 0;
  private encoder = new TextEncoder();
  private upload: R2MultipartUpload;
  private constructor(upload: R2MultipartUpload) {
    this.upload = upload;
  }

  static async open(bucket: R2Bucket, key: string): Promise<NdjsonUpload> {
    return new NdjsonUpload(await bucket.createMultipartUpload(key, { httpMetadata: { contentType: "application/x-ndjson" } }));
  }

  async line(section: string, record: unknown): Promise<void> {
    const bytes = this.encoder.encode(`${JSON.stringify({ section, record })}\n`);
    this.chunks.push(bytes);
    this.buffered += bytes.length;
    this.bytes += bytes.length;
    if (this.buffered >= PART_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    const part = new Uint8Array(this.buffered);
    let at = 0;
    for (const c of this.chunks) {
      part.set(c, at);
      at += c.length;
    }
    this.chunks = [];
    this.buffered = 0;
    this.parts.push(await this.upload.uploadPart(this.parts.length + 1, part));
  }

  async complete(): Promise<void> {
    if (this.buffered > 0 || this.parts.length === 0) await this.flush();
    await this.upload.complete(this.parts);
  }

  abort(): Promise<void> {
    return this.upload.abort();
  }
}

/**
 * Runs one export: every section of the tenant's data (secrets and hashes
 * left out, see EXPORT_SECTIONS), then the points of every series from its
 * Series Durable Object, as `{ section, record }` lines to R2. Progress
 * (`{ section: rows }`) is saved as it goes.
 */
export async function runExport(env: Env, job: ExportJob): Promise<void> {
  const { tenantId, exportId } = job;
  const row = await getExport(env.DB, tenantId, exportId);
  if (!row || row.status === "done") return; // unknown, or a redelivered message of a finished export
  const tenant = await getTenant(d1(env), tenantId);
  if (!tenant) return;
  const key = exportKey(tenantId, exportId);
  const progress: Record<string, number> = {};
  await updateExport(env.DB, tenantId, exportId, { status: "running", progress });
  const out = await NdjsonUpload.open(env.ARCHIVE, key);
  let sinceSave = 0;
  const counted = async (section: string, n: number) => {
    progress[section] = (progress[section] ?? 0) + n;
    sinceSave += n;
    if (sinceSave >= PROGRESS_EVERY) {
      sinceSave = 0;
      await updateExport(env.DB, tenantId, exportId, { progress });
    }
  };
  try {
    for (const spec of EXPORT_SECTIONS) {
      progress[spec.section] = 0;
      let after = -1;
      for (;;) {
        const page = await sectionPage(env.DB, spec, tenantId, after, PAGE);
        for (const record of page.rows) await out.line(spec.section, record);
        await counted(spec.section, page.rows.length);
        if (page.rows.length < PAGE) break;
        after = page.lastRowid;
      }
      await updateExport(env.DB, tenantId, exportId, { progress });
    }
    // Points live in each series' Durable Object (its window is the source of truth).
    progress.points = 0;
    const series = EXPORT_SECTIONS.find((s) => s.section === "series")!;
    let after = -1;
    for (;;) {
      const page = await sectionPage(env.DB, series, tenantId, after, PAGE);
      for (const s of page.rows as Array<{ metric: string; tag_key: string; tags: Record<string, string> }>) {
        let from = 0;
        for (;;) {
          const { points } = await seriesStub(env, tenant, s.metric).readPoints(s.tag_key, from, Number.MAX_SAFE_INTEGER, POINTS_PAGE);
          for (const p of points) await out.line("points", { metric: s.metric, tags: s.tags, timestamp: p.timestamp, value: p.value, score: p.score, expected: p.expected });
          await counted("points", points.length);
          if (points.length < POINTS_PAGE) break;
          from = points[points.length - 1]!.timestamp + 1;
        }
      }
      if (page.rows.length < PAGE) break;
      after = page.lastRowid;
    }
    await out.complete();
    await updateExport(env.DB, tenantId, exportId, { status: "done", progress, r2Key: key, bytes: out.bytes, finishedAt: Date.now() });
    log("info", "export.done", { tenant_id: tenantId, export_id: exportId, bytes: out.bytes, progress });
  } catch (error) {
    await out.abort().catch(() => undefined);
    throw error;
  }
}

/** Marks an export failed for good (after the queue's retries). */
export async function failExport(env: Env, job: ExportJob, error: unknown): Promise<void> {
  await updateExport(env.DB, job.tenantId, job.exportId, { status: "failed", error: error instanceof Error ? error.message : String(error), finishedAt: Date.now() });
}
