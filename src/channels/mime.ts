/**
 * A raw RFC 5322 / MIME message, as Cloudflare's `send_email` binding takes it
 * (`new EmailMessage(from, to, raw)`: one envelope recipient per message, so send
 * one per address; the To header may still list them all).
 * - Lines end in CRLF; non-ASCII header text becomes RFC 2047 encoded-words
 *   (`=?UTF-8?B?…?=`, each at most 75 characters, folded onto continuation lines);
 * - bodies are multipart/alternative (text/plain + text/html), UTF-8, base64 in
 *   76-character lines, so no body line can run long or look like the boundary;
 * - CR or LF in any header input is a caller bug and throws (header injection).
 */
import { bytesToBase64 } from "../webhooks/base64.ts";

export interface Mailbox {
  email: string;
  name?: string;
}

export interface MimeInput {
  from: Mailbox;
  to: Mailbox[];
  subject: string;
  text: string;
  html: string;
  /** e.g. `ntf_123@ayvlo.example`; surrounding angle brackets are optional. */
  messageId: string;
  /** Epoch ms. */
  date: number;
  /** Extra headers (ASCII names; values encoded if needed). */
  headers?: Record<string, string>;
}

const CRLF = "\r\n";
const ASCII_PRINTABLE = /^[\x20-\x7e]*$/;

/** The full raw message text. */
export function buildMimeMessage(input: MimeInput): string {
  const messageId = noNewlines(input.messageId).replace(/^<(.*)>$/, "$1");
  const boundary = `=_ayvlo_${messageId.replace(/[^A-Za-z0-9]/g, "")}`;
  const headers: Array<[string, string]> = [
    ["From", formatMailbox(input.from)],
    ["To", input.to.map(formatMailbox).join(", ")],
    ["Subject", encodeHeaderValue(input.subject)],
    ["Date", formatDate(input.date)],
    ["Message-ID", `<${messageId}>`],
    ["MIME-Version", "1.0"],
    ...Object.entries(input.headers ?? {}).map(([k, v]): [string, string] => [headerName(k), encodeHeaderValue(v)]),
    ["Content-Type", `multipart/alternative; boundary="${boundary}"`],
  ];
  const part = (type: string, body: string) =>
    [`--${boundary}`, `Content-Type: ${type}; charset=utf-8`, "Content-Transfer-Encoding: base64", "", base64Lines(body)].join(CRLF);
  return [...headers.map(([k, v]) => `${k}: ${v}`), "", part("text/plain", input.text), part("text/html", input.html), `--${boundary}--`, ""].join(CRLF);
}

/** `"Name" <email>` (the name encoded when it is not plain ASCII), or the bare address. */
export function formatMailbox(box: Mailbox): string {
  const email = noNewlines(box.email);
  if (!/^[^\s<>()",;:\\@]+@[^\s<>()",;:\\@]+$/.test(email)) throw new TypeError(`not a plain email address: ${email}`);
  if (!box.name) return email;
  const name = noNewlines(box.name);
  const display = ASCII_PRINTABLE.test(name) ? `"${name.replace(/(["\\])/g, "\\$1")}"` : encodeWords(name);
  return `${display} <${email}>`;
}

/** A header value: unchanged when short printable ASCII, else RFC 2047 encoded-words folded with CRLF + space. */
export function encodeHeaderValue(value: string): string {
  noNewlines(value);
  return ASCII_PRINTABLE.test(value) && value.length <= 900 ? value : encodeWords(value);
}

/** RFC 2047 B-encoded words of at most 75 characters, never splitting a UTF-8 character. */
export function encodeWords(text: string): string {
  const encoder = new TextEncoder();
  const MAX_BYTES = 45; // base64 of 45 bytes is 60 chars; with "=?UTF-8?B?" and "?=" a word is 72 ≤ 75.
  const words: number[][] = [];
  let chunk: number[] = [];
  for (const ch of text) {
    const bytes = encoder.encode(ch);
    if (chunk.length + bytes.length > MAX_BYTES) {
      words.push(chunk.slice());
      chunk = [];
    }
    chunk.push(...bytes);
  }
  if (chunk.length > 0 || words.length === 0) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${bytesToBase64(Uint8Array.from(w))}?=`).join(`${CRLF} `);
}

function base64Lines(text: string): string {
  const b64 = bytesToBase64(new TextEncoder().encode(text));
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.join(CRLF);
}

function formatDate(ms: number): string {
  return new Date(ms).toUTCString().replace(/GMT$/, "+0000");
}

function headerName(name: string): string {
  if (!/^[!-9;-~]+$/.test(name)) throw new TypeError(`invalid header name: ${name}`);
  return name;
}

function noNewlines(value: string): string {
  if (/[\r\n]/.test(value)) throw new TypeError("header values must not contain CR or LF");
  return value;
}
