import { EmailMessage } from "cloudflare:email";

/**
 * Sends one raw RFC 5322 message through the send_email binding, one message
 * per recipient (the binding takes a single envelope recipient), then keeps a
 * copy in R2 under `archiveKey`, where the API and local development read it.
 * Throws when the binding refuses; nothing is archived then.
 */
export async function sendMail(env: Env, from: string, to: readonly string[], raw: string, archiveKey: string): Promise<void> {
  for (const address of to) await env.EMAIL.send(new EmailMessage(from, address, raw));
  await env.ARCHIVE.put(archiveKey, raw, { httpMetadata: { contentType: "message/rfc822" } });
}
