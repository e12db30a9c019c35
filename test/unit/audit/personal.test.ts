import { describe, expect, it } from "vitest";
import { appendEntry, genesisHead, verifyChain, type AuditEntry } from "../../../src/audit/chain.ts";
import { eraseSubject, openPersonal, personalRefOf, sealPersonal, type PersonalRecord } from "../../../src/audit/personal.ts";

const T0 = Date.UTC(2024, 4, 1);
const salt = (n: number) => new Uint8Array(16).fill(n);

describe("personal data beside the chain", () => {
  it("the entry holds only a ref and a commitment; the record opens against it", async () => {
    const { ref, record } = await sealPersonal("user:usr_2", { email: "ada@example.com", ip: "198.51.100.7" }, { salt: salt(1), ref: "pd_1" });
    expect(ref.ref).toBe("pd_1");
    expect(ref.commitment).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(ref)).not.toContain("ada@");
    expect(await openPersonal(ref, record)).toEqual({ ok: true, fields: { email: "ada@example.com", ip: "198.51.100.7" } });
  });

  it("salts the commitment: the same fields commit differently, so a guess cannot be checked", async () => {
    const a = await sealPersonal("user:u", { email: "ada@example.com" }, { salt: salt(1), ref: "pd_x" });
    const b = await sealPersonal("user:u", { email: "ada@example.com" }, { salt: salt(2), ref: "pd_x" });
    expect(a.ref.commitment).not.toBe(b.ref.commitment);
    const random1 = await sealPersonal("user:u", { email: "ada@example.com" });
    const random2 = await sealPersonal("user:u", { email: "ada@example.com" });
    expect(random1.record.salt).not.toBe(random2.record.salt);
    expect(random1.ref.ref).not.toBe(random2.ref.ref);
    await expect(sealPersonal("user:u", {}, { salt: new Uint8Array(8) })).rejects.toThrow(TypeError);
  });

  it("detects a record that was altered or swapped", async () => {
    const { ref, record } = await sealPersonal("user:u", { email: "ada@example.com" }, { salt: salt(1), ref: "pd_1" });
    const other = await sealPersonal("user:u", { email: "bob@example.com" }, { salt: salt(1), ref: "pd_2" });
    expect(await openPersonal(ref, { ...record, fields: { email: "eve@example.com" } })).toEqual({ ok: false, reason: "mismatch" });
    expect(await openPersonal(ref, { ...record, salt: other.record.salt.replace(/^./, "B") })).toEqual({ ok: false, reason: "mismatch" });
    expect(await openPersonal(ref, other.record)).toEqual({ ok: false, reason: "mismatch" });
    expect(await openPersonal(ref, { ...other.record, ref: "pd_1" })).toEqual({ ok: false, reason: "mismatch" });
  });

  it("erasing a user removes their personal data while the chain still verifies", async () => {
    const start = await genesisHead("ten_e");
    const records: PersonalRecord[] = [];
    const entries: AuditEntry[] = [];
    let head = start;
    const people = ["user:usr_1", "user:usr_2", "user:usr_1", "user:usr_3", "user:usr_2"];
    for (const [i, who] of people.entries()) {
      const sealed = await sealPersonal(who, { email: `${who}@example.com`, ip: `198.51.100.${i}`, user_agent: "Firefox/126" }, { salt: salt(i + 1), ref: `pd_${i}` });
      records.push(sealed.record);
      const entry = await appendEntry(head, { actor: who, action: "session.create", target: who, data: { risk: i * 10, personal: { ...sealed.ref } } }, T0 + i);
      entries.push(entry);
      head = entry;
    }
    const before = await verifyChain(entries, start);
    expect(before.ok).toBe(true);

    const kept = eraseSubject(records, "user:usr_2");
    expect(kept.map((r) => r.subject)).toEqual(["user:usr_1", "user:usr_1", "user:usr_3"]);
    expect(JSON.stringify(kept)).not.toContain("usr_2@");
    expect(JSON.stringify(entries)).not.toContain("@example.com");

    // The chain is byte-for-byte unchanged and verifies to the same head.
    expect(await verifyChain(entries, start)).toEqual(before);
    const byRef = new Map(kept.map((r) => [r.ref, r]));
    const opened = await Promise.all(entries.map((e) => openPersonal(personalRefOf(e.data)!, byRef.get(personalRefOf(e.data)!.ref))));
    expect(opened.map((o) => (o.ok ? o.fields.email : o.reason))).toEqual(["user:usr_1@example.com", "erased", "user:usr_1@example.com", "user:usr_3@example.com", "erased"]);
  });

  it("personalRefOf reads data.personal and nothing else", () => {
    expect(personalRefOf({ personal: { ref: "pd_1", commitment: "ab" } })).toEqual({ ref: "pd_1", commitment: "ab" });
    expect(personalRefOf({})).toBe(null);
    expect(personalRefOf({ personal: [1] })).toBe(null);
    expect(personalRefOf({ personal: { ref: 1, commitment: "ab" } })).toBe(null);
  });
});
