/**
 * Personal data in the audit log, designed for erasure (the right to be forgotten).
 *
 * An entry never holds personal data (an email, a name, an IP address, a user
 * agent). Instead:
 * - the personal fields go into a PersonalRecord `{ ref, subject, salt, fields }`
 *   stored beside the chain (its own table, keyed by `ref`, indexed by `subject`);
 * - the entry's `data.personal` holds a PersonalRef `{ ref, commitment }` where
 *   commitment = SHA-256(canonicalJson({ ref, salt, fields })) with a random
 *   128-bit salt, so the commitment cannot be reversed by guessing likely values;
 * - erasing a person deletes their records (`subject` = their opaque id). The
 *   entries, and so every hash in the chain, are untouched and still verify;
 *   what remains is a commitment to data that no longer exists, with its salt gone.
 * While a record exists, `openPersonal` proves it is the data the entry committed to.
 */
import { sha256Hex } from "../hash.ts";
import { bytesToBase64 } from "../webhooks/base64.ts";
import { randomId } from "../ids.ts";
import { canonicalJson, type JsonObject } from "./canonical.ts";

/** What an entry carries in place of personal data. */
export interface PersonalRef {
  ref: string;
  commitment: string;
}

/** The erasable personal payload, stored apart from the chain. */
export interface PersonalRecord {
  ref: string;
  subject: string;
  salt: string;
  fields: JsonObject;
}

/** The result of reading personal data back through its commitment. */
export type OpenedPersonal = { ok: true; fields: JsonObject } | { ok: false; reason: "erased" | "mismatch" };

function commitment(ref: string, salt: string, fields: JsonObject): Promise<string> {
  return sha256Hex(canonicalJson({ ref, salt, fields }));
}

/** Splits personal fields about `subject` into a record to store apart and the ref to put in the entry. */
export async function sealPersonal(subject: string, fields: JsonObject, options: { salt?: Uint8Array; ref?: string } = {}): Promise<{ ref: PersonalRef; record: PersonalRecord }> {
  const saltBytes = options.salt ?? crypto.getRandomValues(new Uint8Array(16));
  if (saltBytes.length < 16) throw new TypeError("a personal-data salt needs at least 16 bytes");
  const salt = bytesToBase64(saltBytes);
  const ref = options.ref ?? randomId("pd", 16);
  return { ref: { ref, commitment: await commitment(ref, salt, fields) }, record: { ref, subject, salt, fields } };
}

/** The personal fields behind a ref: `erased` when the record is gone, `mismatch` when it is not what was committed to. */
export async function openPersonal(ref: PersonalRef, record: PersonalRecord | null | undefined): Promise<OpenedPersonal> {
  if (!record) return { ok: false, reason: "erased" };
  if (record.ref !== ref.ref) return { ok: false, reason: "mismatch" };
  let expected: string;
  try {
    expected = await commitment(record.ref, record.salt, record.fields);
  } catch {
    return { ok: false, reason: "mismatch" };
  }
  return expected === ref.commitment ? { ok: true, fields: record.fields } : { ok: false, reason: "mismatch" };
}

/** The records to keep after erasing `subject`: every record about anyone else. */
export function eraseSubject(records: readonly PersonalRecord[], subject: string): PersonalRecord[] {
  return records.filter((r) => r.subject !== subject);
}

/** The PersonalRef in an entry's data (`data.personal`), if it carries one. */
export function personalRefOf(data: JsonObject): PersonalRef | null {
  const p = data.personal;
  if (p === null || typeof p !== "object" || Array.isArray(p)) return null;
  return typeof p.ref === "string" && typeof p.commitment === "string" ? { ref: p.ref, commitment: p.commitment } : null;
}
