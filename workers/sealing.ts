import { base64UrlDecode } from "../src/audit/index.ts";
import type { EndpointSecret } from "../src/webhooks/secret-rotation.ts";
import { importSealingKey, openSecret, sealSecret } from "../src/webhooks/sealed-secret.ts";
import { keyRing } from "./keys.ts";

// Secrets kept in D1 are sealed with a key only the KeyRing holds. Keys are
// cached per isolate: they never change once made, so the cache needs no expiry.

const byId = new Map<string, CryptoKey>();
let current: { id: string; key: CryptoKey } | null = null;

async function imported(id: string, raw: string): Promise<CryptoKey> {
  const bytes = base64UrlDecode(raw);
  if (!bytes) throw new Error(`sealing key ${id} is not base64url`);
  const key = await importSealingKey(bytes);
  byId.set(id, key);
  return key;
}

async function currentSealingKey(env: Env): Promise<{ id: string; key: CryptoKey }> {
  if (current) return current;
  const { id, raw } = await keyRing(env).sealingKey();
  current = { id, key: byId.get(id) ?? (await imported(id, raw)) };
  return current;
}

async function sealingKey(env: Env, id: string): Promise<CryptoKey> {
  const cached = byId.get(id);
  if (cached) return cached;
  const found = await keyRing(env).sealingKeyById(id);
  if (!found) throw new Error(`no sealing key ${id}`);
  return imported(found.id, found.raw);
}

/** Where a channel's secret belongs: a sealed copy moved to another tenant's or channel's row does not open. */
const channelPlace = (tenantId: string, channelId: string) => `channel:${tenantId}:${channelId}`;

/** A new signing secret of a channel, sealed for storage. */
export async function sealChannelSecret(env: Env, tenantId: string, channelId: string, secret: string): Promise<string> {
  return sealSecret(await currentSealingKey(env), secret, channelPlace(tenantId, channelId));
}

/** A channel's stored secrets with their values opened (secrets stored before sealing pass through). */
export async function openChannelSecrets(env: Env, channel: { tenantId: string; id: string; secrets: readonly EndpointSecret[] }): Promise<EndpointSecret[]> {
  const place = channelPlace(channel.tenantId, channel.id);
  return Promise.all(channel.secrets.map(async (s) => ({ ...s, secret: await openSecret((id) => sealingKey(env, id), s.secret, place) })));
}
