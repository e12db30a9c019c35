/**
 * IP address literals as bytes, and the special-purpose ranges they fall in
 * (IANA IPv4/IPv6 special-purpose registries). Parsing is lenient on purpose:
 * IPv4 accepts every form `inet_aton` does (`127.1`, `0x7f.0.0.1`, `017700000001`,
 * `2130706433`), so a literal cannot slip past as "not an IP".
 */

export type AddressClass =
  | "public"
  | "unspecified"
  | "loopback"
  | "private"
  | "link_local"
  | "shared"
  | "metadata"
  | "multicast"
  | "reserved"
  | "ipv4_mapped";

/** Parses an IPv4 literal in any inet_aton form (1–4 parts, decimal, 0x hex or 0-octal) to 4 bytes, or null. */
export function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length > 4 || parts.some((p) => p === "")) return null;
  const values: number[] = [];
  for (const part of parts) {
    let value: number;
    if (/^0x[0-9a-f]*$/i.test(part)) value = part.length === 2 ? 0 : parseInt(part.slice(2), 16);
    else if (/^0[0-7]+$/.test(part)) value = parseInt(part.slice(1), 8);
    else if (/^(0|[1-9][0-9]*)$/.test(part)) value = Number(part);
    else return null;
    if (!Number.isSafeInteger(value)) return null;
    values.push(value);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255) || last >= 256 ** (4 - values.length)) return null;
  const out = new Uint8Array(4);
  values.forEach((v, i) => (out[i] = v));
  for (let i = 3, rest = last; i >= values.length; i--, rest = Math.floor(rest / 256)) out[i] = rest % 256;
  return out;
}

/** Parses an IPv6 literal (without brackets; `::` and a trailing dotted quad allowed) to 16 bytes, or null. */
export function parseIpv6(text: string): Uint8Array | null {
  if (!/^[0-9a-f:.]+$/i.test(text)) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string, mayEndInIpv4: boolean): number[] | null => {
    if (s === "") return [];
    const out: number[] = [];
    const pieces = s.split(":");
    for (const [i, piece] of pieces.entries()) {
      if (piece.includes(".")) {
        if (!mayEndInIpv4 || i !== pieces.length - 1) return null;
        if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(piece)) return null;
        const v4 = piece.split(".").map(Number);
        if (v4.some((b) => b > 255)) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-f]{1,4}$/i.test(piece)) return null;
        out.push(parseInt(piece, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? groups(halves[1]!, true) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...Array<number>(missing).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

function inPrefix(bytes: Uint8Array, prefix: readonly number[], bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const byte = Math.floor(i / 8);
    const mask = 0x80 >> i % 8;
    if ((bytes[byte]! & mask) !== ((prefix[byte] ?? 0) & mask)) return false;
  }
  return true;
}

const V4_RANGES: Array<[number[], number, AddressClass]> = [
  [[169, 254, 169, 254], 32, "metadata"],
  [[0, 0, 0, 0], 32, "unspecified"],
  [[0], 8, "reserved"],
  [[10], 8, "private"],
  [[100, 64], 10, "shared"],
  [[127], 8, "loopback"],
  [[169, 254], 16, "link_local"],
  [[172, 16], 12, "private"],
  [[192, 0, 0], 24, "reserved"],
  [[192, 0, 2], 24, "reserved"],
  [[192, 88, 99], 24, "reserved"],
  [[192, 168], 16, "private"],
  [[198, 18], 15, "reserved"],
  [[198, 51, 100], 24, "reserved"],
  [[203, 0, 113], 24, "reserved"],
  [[224], 4, "multicast"],
  [[240], 4, "reserved"],
];

/** The special-purpose class of an IPv4 address, or "public". */
export function classifyIpv4(bytes: Uint8Array): AddressClass {
  for (const [prefix, bits, cls] of V4_RANGES) if (inPrefix(bytes, prefix, bits)) return cls;
  return "public";
}

const V6_RANGES: Array<[number[], number, AddressClass]> = [
  [[0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54], 128, "metadata"],
  [[], 128, "unspecified"],
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 128, "loopback"],
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96, "ipv4_mapped"],
  [[], 96, "reserved"], // IPv4-compatible (deprecated)
  [[0x01, 0x00], 64, "reserved"], // discard-only
  [[0x20, 0x01, 0x0d, 0xb8], 32, "reserved"], // documentation
  [[0x20, 0x01, 0x00, 0x00], 32, "reserved"], // Teredo: tunnels to an embedded IPv4
  [[0xfc], 7, "private"],
  [[0xfe, 0x80], 10, "link_local"],
  [[0xfe, 0xc0], 10, "private"], // site-local (deprecated)
  [[0xff], 8, "multicast"],
];

/** The special-purpose class of an IPv6 address; NAT64 and 6to4 addresses are judged by the IPv4 inside. */
export function classifyIpv6(bytes: Uint8Array): AddressClass {
  for (const [prefix, bits, cls] of V6_RANGES) if (inPrefix(bytes, prefix, bits)) return cls;
  if (inPrefix(bytes, [0x00, 0x64, 0xff, 0x9b], 96) || inPrefix(bytes, [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48)) {
    return classifyIpv4(bytes.subarray(12, 16));
  }
  if (inPrefix(bytes, [0x20, 0x02], 16)) return classifyIpv4(bytes.subarray(2, 6));
  return "public";
}
