import { describe, expect, it } from "vitest";
import { buildEmail, buildEmailMessage, buildMimeMessage, encodeWords, formatMailbox, type AlertEvent } from "../../../src/channels/index.ts";
import { mulberry32 } from "../../../src/detect/prng.ts";
import { explainWithTemplate } from "../../../src/explain/index.ts";
import { anomaly, T } from "../explain/helpers.ts";

const event = (over: Partial<AlertEvent> = {}): AlertEvent => {
  const a = anomaly();
  return { type: "anomaly.triggered", anomaly: a, explanation: explainWithTemplate({ anomaly: a }), occurredAt: T, ...over };
};

/** Decodes RFC 2047 B-words (and unfolds) — the reader's side. */
function decodeHeader(value: string): string {
  return value.replace(/\r\n /g, "").replace(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/g, (_, b64: string) => `\u0000${b64}\u0000`).split("\u0000").map((piece, i) => (i % 2 === 1 ? piece : piece)).reduce<{ out: string; bytes: number[] }>((acc, piece, i) => {
    if (i % 2 === 1) acc.bytes.push(...Buffer.from(piece, "base64"));
    else {
      if (acc.bytes.length) acc.out += Buffer.from(acc.bytes).toString("utf8");
      acc.bytes = [];
      acc.out += piece;
    }
    return acc;
  }, { out: "", bytes: [] }).out;
}

function parse(raw: string) {
  const [head, ...rest] = raw.split("\r\n\r\n");
  const headers = new Map<string, string>();
  for (const line of head!.replace(/\r\n /g, "\u0001").split("\r\n")) {
    const i = line.indexOf(":");
    headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 2).replace(/\u0001/g, "\r\n "));
  }
  const body = rest.join("\r\n\r\n");
  const boundary = /boundary="([^"]+)"/.exec(headers.get("content-type") ?? "")![1]!;
  const parts = body.split(`--${boundary}`).slice(1, -1).map((p) => {
    const [ph, pb] = p.replace(/^\r\n/, "").split("\r\n\r\n");
    return { type: /Content-Type: ([^;]+)/.exec(ph!)![1], text: Buffer.from(pb!.replace(/\r\n/g, ""), "base64").toString("utf8") };
  });
  return { headers, parts, body };
}

describe("email content", () => {
  it("has a subject, text and HTML with the numbers and the episode id", () => {
    const m = buildEmail(event());
    expect(m.subject).toBe('[Ayvlo] Critical anomaly: checkout.revenue{region="eu"} 400 (expected 900–1,100)');
    expect(m.text).toContain("Episode: anm_test");
    expect(m.text).toContain("Likely causes:");
    expect(m.html).toContain("<td>anm_test</td>");
  });
  it("escapes HTML in user-controlled text", () => {
    const m = buildEmail(event({ anomaly: anomaly({ tags: { team: "<script>alert(1)</script>" } }), explanation: null, links: { anomaly: "javascript:alert(1)" } }));
    expect(m.html).not.toContain("<script>");
    expect(m.html).toContain("&lt;script&gt;");
    expect(m.html).not.toContain("javascript:");
  });
});

describe("MIME message", () => {
  const base = { from: { email: "alerts@ayvlo.dev", name: "Ayvlo" }, to: [{ email: "ops@example.com" }], text: "plain ✓", html: "<p>html ✓</p>", messageId: "ntf_1@ayvlo.dev", date: T };

  it("is CRLF-only with the required headers and both parts decodable", () => {
    const raw = buildMimeMessage({ ...base, subject: "Ünïcödé ⚠️ revenue down" });
    expect(raw.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    const { headers, parts } = parse(raw);
    expect(headers.get("from")).toBe('"Ayvlo" <alerts@ayvlo.dev>');
    expect(headers.get("to")).toBe("ops@example.com");
    expect(headers.get("message-id")).toBe("<ntf_1@ayvlo.dev>");
    expect(headers.get("mime-version")).toBe("1.0");
    expect(headers.get("date")).toBe("Mon, 03 Mar 2025 14:00:00 +0000");
    expect(decodeHeader(headers.get("subject")!)).toBe("Ünïcödé ⚠️ revenue down");
    expect(parts).toEqual([{ type: "text/plain", text: "plain ✓" }, { type: "text/html", text: "<p>html ✓</p>" }]);
  });

  it("accepts a message id with or without angle brackets", () => {
    expect(parse(buildMimeMessage({ ...base, subject: "s", messageId: "<ntf_9@ayvlo.dev>" })).headers.get("message-id")).toBe("<ntf_9@ayvlo.dev>");
  });

  it("keeps every line short, and ASCII subjects readable", () => {
    const raw = buildMimeMessage({ ...base, subject: "plain subject", text: "x".repeat(10_000), html: "é".repeat(5_000) });
    for (const line of raw.split("\r\n")) expect(line.length).toBeLessThanOrEqual(78);
    expect(parse(raw).headers.get("subject")).toBe("plain subject");
  });

  it("property: encoded words round-trip any text, split on character boundaries, ≤ 75 chars each", () => {
    const rnd = mulberry32(4);
    const alphabet = ["a", " ", "é", "ß", "€", "中", "😀", "ñ", "\u0301", "?", "="];
    for (let i = 0; i < 300; i++) {
      const text = Array.from({ length: Math.floor(rnd() * 120) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join("");
      const encoded = encodeWords(text);
      for (const word of encoded.split("\r\n ")) {
        expect(word.length).toBeLessThanOrEqual(75);
        expect(Buffer.from(word.slice(10, -2), "base64").toString("utf8")).not.toContain("\uFFFD");
      }
      expect(decodeHeader(encoded)).toBe(text);
    }
  });

  it("encodes non-ASCII display names and quotes ASCII ones", () => {
    expect(formatMailbox({ email: "a@b.co", name: 'Ops "Team"' })).toBe('"Ops \\"Team\\"" <a@b.co>');
    expect(decodeHeader(formatMailbox({ email: "a@b.co", name: "Équipe" }).split(" <")[0]!)).toBe("Équipe");
  });

  it("refuses header injection", () => {
    expect(() => buildMimeMessage({ ...base, subject: "hi\r\nBcc: evil@example.com" })).toThrow(TypeError);
    expect(() => formatMailbox({ email: "a@b.co\r\nBcc: x@y.z" })).toThrow(TypeError);
    expect(() => formatMailbox({ email: "a@b.co>, <x@y.z" })).toThrow(TypeError);
    expect(() => buildMimeMessage({ ...base, subject: "x", headers: { "X-Bad\r\nBcc": "v" } })).toThrow(TypeError);
  });

  it("builds the whole alert email with episode headers", () => {
    const raw = buildEmailMessage(event(), { to: ["a@example.com", "b@example.com"], from: "alerts@ayvlo.dev" }, "ntf_2@ayvlo.dev", T);
    const { headers, parts } = parse(raw);
    expect(headers.get("to")).toBe("a@example.com, b@example.com");
    expect(headers.get("x-ayvlo-episode")).toBe("anm_test");
    expect(headers.get("x-ayvlo-event")).toBe("anomaly.triggered");
    expect(parts[0]?.text).toContain("Episode: anm_test");
  });
});
