import { EmailMessage } from "cloudflare:email";
import { readConfig } from "./env.ts";

/**
 * Sends one raw RFC 5322 message through the send_email binding, one message
 * per recipient (the binding takes a single envelope recipient), then keeps a
 * copy in R2 under `archiveKey`, where the API and local development read it.
 * Throws when the binding refuses; nothing is archived then.
 */
export async function sendMail(env: Env, from: string, to: readonly string[], raw: string, archiveKey: string | null): Promise<void> {
  for (const address of to) await env.EMAIL.send(new EmailMessage(from, address, raw));
  if (archiveKey) await env.ARCHIVE.put(archiveKey, raw, { httpMetadata: { contentType: "message/rfc822" } });
}

/**
 * Where to keep a mail that carries a live credential (a login link, an
 * invitation): only in local development, where there is no real mailbox;
 * deployed, nobody but the recipient should hold it.
 */
export function credentialMailKey(env: Env, key: string): string | null {
  return readConfig(env).ENVIRONMENT === "development" ? key : null;
}
