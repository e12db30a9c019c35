import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, callAs, flushed, ingest, signup, steadyPoints, type TestSession, type TestTenant } from "./helpers.ts";

type ExportStatus = { id: string; status: string; progress: Record<string, number>; bytes: number | null; download_url: string | null };

async function finished(s: TestSession, id: string): Promise<ExportStatus> {
  let last: ExportStatus | null = null;
  for (let i = 0; i < 200; i++) {
    last = await (await callAs(s, "GET", `/v1/exports/${id}`)).json<ExportStatus>();
    if (last.status === "done" || last.status === "failed") return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`export ${id} did not finish: ${JSON.stringify(last)}`);
}

describe("data export", () => {
  it("writes every section of the tenant's data as NDJSON, without a secret or a hash, and only its owner can reach it", async () => {
    const s = await signup();
    const key = await (await callAs(s, "POST", "/v1/api-keys", { body: { name: "all", scopes: ["admin"] } })).json<{ key: string; id: string }>();
    const channel = await (await callAs(s, "POST", "/v1/channels", { body: { type: "webhook", name: "hook", config: { url: `${env.RECEIVER_URL}/hook/export` } } })).json<{ id: string; secret: string }>();
    expect(channel.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/);
    expect((await callAs(s, "POST", "/v1/rules", { body: { name: "watch", match: { metric: "shop.revenue" }, channels: [channel.id] } })).status).toBe(201);
    expect((await ingest(key.key, steadyPoints("shop.revenue", 30, { tags: { shop: "eu" } }))).status).toBe(202);
    expect((await ingest(key.key, steadyPoints("shop.orders", 12))).status).toBe(202);
    // Series reach D1's registry when their objects flush (alarm); the export lists series from there.
    const tenant: TestTenant = { id: s.tenantId, key: key.key, keyId: key.id };
    for (const metric of ["shop.revenue", "shop.orders"]) {
      await flushed(tenant, metric, async () => (await (await call("GET", `/v1/series?metric=${metric}`, { key: key.key })).json<{ data: unknown[] }>()).data.length === 1);
    }
    // A second factor set up, as it would be after enrolment.
    await env.DB.prepare(`UPDATE users SET totp_secret = 'JBSWY3DPEHPK3PXPTOTPSECRET', recovery_hashes = '["recoveryhash0123456789abcdef"]' WHERE id = ?`).bind(s.userId).run();

    const started = await callAs(s, "POST", "/v1/exports");
    expect(started.status).toBe(202);
    const { id, status } = await started.json<{ id: string; status: string }>();
    expect(status).toBe("pending");
    const done = await finished(s, id);
    expect(done).toMatchObject({ status: "done", download_url: `/v1/exports/${id}/download` });
    expect(done.progress).toMatchObject({ tenant: 1, users: 1, api_keys: 1, channels: 1, rules: 1, series: 2, points: 42, invitations: 0, passkeys: 0, login_events: 1 });
    expect(done.progress.audit).toBeGreaterThanOrEqual(3);

    const file = await callAs(s, "GET", done.download_url!);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("application/x-ndjson");
    const bytes = new Uint8Array(await file.arrayBuffer());
    expect(bytes.length).toBe(done.bytes);
    const text = new TextDecoder().decode(bytes);
    const lines = text.trim().split("\n").map((l) => JSON.parse(l) as { section: string; record: Record<string, unknown> });
    const of = (section: string) => lines.filter((l) => l.section === section).map((l) => l.record);
    expect(of("tenant")).toEqual([expect.objectContaining({ id: s.tenantId })]);
    expect(of("users")).toEqual([expect.objectContaining({ id: s.userId, email: s.email, role: "owner" })]);
    expect(of("api_keys").map((k) => k.id)).toEqual([key.id]);
    expect(of("channels")).toEqual([expect.objectContaining({ id: channel.id, config: { url: `${env.RECEIVER_URL}/hook/export` } })]);
    expect(of("audit").map((e) => e.action)).toContain("tenant.export_requested");
    // The people's own records: where they logged in from, and the personal data the chain commits to.
    expect(of("login_events")).toEqual([expect.objectContaining({ user_id: s.userId })]);
    expect(of("audit_personal").map((r) => r.subject)).toContain(`user:${s.userId}`);
    expect(of("audit_personal").find((r) => r.subject === `user:${s.userId}`)!.fields).toMatchObject({ email: s.email });
    const points = of("points");
    expect(points.filter((p) => p.metric === "shop.revenue")).toHaveLength(30);
    expect(points.find((p) => p.metric === "shop.revenue")).toMatchObject({ tags: { shop: "eu" }, timestamp: steadyPoints("shop.revenue", 1)[0]!.timestamp });

    // Nothing that unlocks anything.
    const user = await env.DB.prepare("SELECT password_hash FROM users WHERE id = ?").bind(s.userId).first<{ password_hash: string }>();
    const apiKey = await env.DB.prepare("SELECT key_hash FROM api_keys WHERE id = ?").bind(key.id).first<{ key_hash: string }>();
    for (const secret of [user!.password_hash, apiKey!.key_hash, key.key, channel.secret, "JBSWY3DPEHPK3PXPTOTPSECRET", "recoveryhash0123456789abcdef"]) expect(text).not.toContain(secret);
    for (const column of ["password_hash", "key_hash", "totp_secret", "recovery_hashes", "secrets"]) expect(text).not.toContain(`"${column}"`);

    // Another tenant sees no such export.
    const intruder = await signup();
    expect((await callAs(intruder, "GET", `/v1/exports/${id}`)).status).toBe(404);
    expect((await callAs(intruder, "GET", `/v1/exports/${id}/download`)).status).toBe(404);
  });

  it("is audited when requested, refuses options it does not know, and a read-only key may not export", async () => {
    const s = await signup();
    const bad = await callAs(s, "POST", "/v1/exports", { body: { format: "csv" } });
    expect(bad.status).toBe(400);
    expect((await bad.json<{ errors: Array<{ path: string }> }>()).errors[0]!.path).toBe("body");
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM data_exports WHERE tenant_id = ?").bind(s.tenantId).first<{ n: number }>();
    expect(before!.n).toBe(0);

    const started = await (await callAs(s, "POST", "/v1/exports", { body: {} })).json<{ id: string }>();
    const audit = await (await callAs(s, "GET", "/v1/audit")).json<{ data: Array<{ action: string; actor: string; target: string }> }>();
    expect(audit.data.at(-1)).toMatchObject({ action: "tenant.export_requested", actor: `user:${s.userId}`, target: `export:${started.id}` });
    const pending = await callAs(s, "GET", `/v1/exports/${started.id}/download`);
    expect([200, 409]).toContain(pending.status);
    await finished(s, started.id);

    const reader = await (await callAs(s, "POST", "/v1/api-keys", { body: { name: "ro", scopes: ["read"] } })).json<{ key: string }>();
    expect((await call("POST", "/v1/exports", { key: reader.key })).status).toBe(403);
    expect((await call("GET", `/v1/exports/${started.id}`, { key: reader.key })).status).toBe(403);
  });
});
