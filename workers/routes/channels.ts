import { Hono } from "hono";
import { z } from "zod";
import { parseChannel } from "../../src/channels/index.ts";
import { randomId } from "../../src/ids.ts";
import { rotateSecret } from "../../src/webhooks/secret-rotation.ts";
import { generateSecret } from "../../src/webhooks/standard-webhooks.ts";
import type { AppEnv } from "../app-env.ts";
import { audited } from "../audit.ts";
import type { ChannelRow } from "../db/store.ts";
import { readConfig } from "../env.ts";
import { ApiError } from "../errors.ts";
import { requireAccess } from "../middleware/auth.ts";
import { sealChannelSecret } from "../sealing.ts";
import { idempotency } from "../middleware/idempotency.ts";
import { pageOf, pageQuery } from "../pagination.ts";
import { readJson } from "../read-json.ts";
import { parseOr400 } from "../validate.ts";

const newSecret = () => generateSecret(crypto.getRandomValues(new Uint8Array(24)));

function channelJson(c: ChannelRow) {
  return { id: c.id, type: c.type, name: c.name, config: c.config, created_at: new Date(c.createdAt).toISOString() };
}

async function ownChannel(c: { var: AppEnv["Variables"]; req: { param(n: string): string } }): Promise<ChannelRow> {
  const channel = await c.var.store.getChannel(c.var.caller.tenant.id, c.req.param("id"));
  if (!channel) throw new ApiError("NOT_FOUND", `no channel '${c.req.param("id")}'`);
  return channel;
}

/** Channels: where notifications go. A webhook's signing secret is shown once, at creation and at rotation. */
export const channelRoutes = new Hono<AppEnv>()
  .post("/", requireAccess("channel.create"), idempotency(), async (c) => {
    const parsed = parseChannel(await readJson(c), { production: readConfig(c.env).ENVIRONMENT === "production" });
    if (!parsed.ok) throw new ApiError("VALIDATION", parsed.reason, { errors: [{ path: "body", message: parsed.reason }] });
    const now = Date.now();
    const secret = parsed.channel.type === "webhook" ? newSecret() : null;
    const id = randomId("chn");
    const tenantId = c.var.caller.tenant.id;
    const row: ChannelRow = {
      id,
      tenantId,
      type: parsed.channel.type,
      name: parsed.channel.name,
      config: parsed.channel.config,
      // Stored sealed; the caller sees the plain secret once, in this answer.
      secrets: secret ? [{ secret: await sealChannelSecret(c.env, tenantId, id, secret), created_at: now, expires_at: null }] : [],
      createdAt: now,
    };
    // The signing secret never goes in the audit entry.
    await audited(c.env, row.tenantId, { actor: c.var.caller.actor, action: "channel.create", target: `channel:${row.id}`, data: { type: row.type, name: row.name } }, [c.var.store.changes.insertChannel(row.tenantId, row)]);
    return c.json({ ...channelJson(row), ...(secret ? { secret } : {}) }, 201);
  })
  .get("/", requireAccess("channel.read"), async (c) => {
    const page = parseOr400(z.object(pageQuery), c.req.query(), "query");
    const rows = await c.var.store.listChannels(c.var.caller.tenant.id, { limit: page.limit, after: page.cursor });
    return c.json(pageOf(rows, page, (r) => [r.createdAt, r.id], channelJson));
  })
  .get("/:id", requireAccess("channel.read", "id"), async (c) => c.json(channelJson(await ownChannel(c))))
  .delete("/:id", requireAccess("channel.delete", "id"), async (c) => {
    const channel = await ownChannel(c);
    await audited(c.env, channel.tenantId, { actor: c.var.caller.actor, action: "channel.delete", target: `channel:${channel.id}` }, [c.var.store.changes.deleteChannel(channel.tenantId, channel.id)]);
    return c.body(null, 204);
  })
  .post("/:id/rotate-secret", requireAccess("channel.rotate_secret", "id"), async (c) => {
    const channel = await ownChannel(c);
    if (channel.type !== "webhook") throw new ApiError("VALIDATION", "only webhook channels have a signing secret", { errors: [{ path: "id", message: "not a webhook channel" }] });
    const { grace_s } = parseOr400(z.strictObject({ grace_s: z.number().int().min(0).max(7 * 86_400).default(86_400) }), (await c.req.text()) ? await readJson(c) : {}, "body");
    const secret = newSecret();
    const now = Date.now();
    await audited(c.env, channel.tenantId, { actor: c.var.caller.actor, action: "channel.rotate_secret", target: `channel:${channel.id}`, data: { grace_s } }, [
      c.var.store.changes.setChannelSecrets(channel.tenantId, channel.id, rotateSecret(channel.secrets, await sealChannelSecret(c.env, channel.tenantId, channel.id, secret), now, grace_s)),
    ]);
    return c.json({ ...channelJson(channel), secret, previous_secrets_expire_at: new Date(now + grace_s * 1000).toISOString() });
  })
  .get("/:id/mail", requireAccess("channel.read", "id"), async (c) => {
    // Email channels keep what they sent in R2: this is where local development reads it.
    const channel = await ownChannel(c);
    const listed = await c.env.ARCHIVE.list({ prefix: `mail/${channel.tenantId}/${channel.id}/`, limit: 100 });
    const data = await Promise.all(listed.objects.map(async (o) => ({ key: o.key, size: o.size, uploaded_at: o.uploaded.toISOString(), raw: await (await c.env.ARCHIVE.get(o.key))?.text() })));
    return c.json({ data, next_cursor: null });
  });
