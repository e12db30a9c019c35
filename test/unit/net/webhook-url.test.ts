import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../../src/detect/prng.ts";
import { classifyIpv4, classifyIpv6, parseIpv4, parseIpv6 } from "../../../src/net/ip.ts";
import { checkDestinationUrl } from "../../../src/net/webhook-url.ts";

const prod = (url: string) => checkDestinationUrl(url, { production: true });
const dev = (url: string) => checkDestinationUrl(url, { production: false });

describe("destination URLs in production", () => {
  it("accepts public https URLs and normalises them", () => {
    expect(prod("https://hooks.example.com/ayvlo?x=1")).toEqual({ ok: true, url: "https://hooks.example.com/ayvlo?x=1" });
    expect(prod("https://EXAMPLE.com:8443/a")).toEqual({ ok: true, url: "https://example.com:8443/a" });
    expect(prod("https://8.8.8.8/")).toMatchObject({ ok: true });
    expect(prod("https://[2606:4700:4700::1111]/")).toMatchObject({ ok: true });
  });

  const refused: Array<[string, string]> = [
    ["http://hooks.example.com/", "https_required"],
    ["ftp://example.com/", "unsupported_scheme"],
    ["javascript:alert(1)", "unsupported_scheme"],
    ["not a url", "invalid_url"],
    ["https://user:pw@example.com/", "credentials_in_url"],
    ["https://localhost/", "blocked_host"],
    ["https://localhost./", "blocked_host"],
    ["https://api.localhost/", "blocked_host"],
    ["https://db.internal/", "blocked_host"],
    ["https://printer.local/", "blocked_host"],
    ["https://intranet/", "blocked_host"],
    ["https://metadata.google.internal/computeMetadata/v1/", "metadata"],
    ["https://169.254.169.254/latest/meta-data/", "metadata"],
    ["https://[fd00:ec2::254]/", "metadata"],
    ["https://127.0.0.1/", "loopback"],
    ["https://127.9.9.9/", "loopback"],
    ["https://[::1]/", "loopback"],
    ["https://0.0.0.0/", "unspecified"],
    ["https://[::]/", "unspecified"],
    ["https://10.1.2.3/", "private"],
    ["https://172.16.0.1/", "private"],
    ["https://172.31.255.255/", "private"],
    ["https://192.168.1.1/", "private"],
    ["https://[fc00::1]/", "private"],
    ["https://[fdab:1234::1]/", "private"],
    ["https://169.254.1.1/", "link_local"],
    ["https://[fe80::1]/", "link_local"],
    ["https://[febf::1]/", "link_local"],
    ["https://100.64.0.1/", "shared"],
    ["https://100.127.255.255/", "shared"],
    ["https://224.0.0.1/", "multicast"],
    ["https://255.255.255.255/", "reserved"],
    ["https://[::ffff:127.0.0.1]/", "ipv4_mapped"],
    ["https://[::ffff:8.8.8.8]/", "ipv4_mapped"],
    ["https://[64:ff9b::10.0.0.1]/", "private"],
    ["https://[2002:7f00:1::]/", "loopback"],
    // IPv4 literals in disguise
    ["https://2130706433/", "loopback"],
    ["https://0x7f000001/", "loopback"],
    ["https://017700000001/", "loopback"],
    ["https://0x7f.0.0.1/", "loopback"],
    ["https://0177.0.0.1/", "loopback"],
    ["https://127.1/", "loopback"],
    ["https://10.0x10.1/", "private"],
    ["https://0/", "unspecified"],
    ["https://3232235777/", "private"],
  ];
  it.each(refused)("refuses %s (%s)", (url, reason) => {
    expect(prod(url)).toEqual({ ok: false, reason });
  });

  it("keeps the boundaries of each range exact", () => {
    expect(prod("https://172.15.255.255/").ok).toBe(true);
    expect(prod("https://172.32.0.0/").ok).toBe(true);
    expect(prod("https://100.63.255.255/").ok).toBe(true);
    expect(prod("https://100.128.0.0/").ok).toBe(true);
    expect(prod("https://11.0.0.0/").ok).toBe(true);
    expect(prod("https://[fbff::1]/").ok).toBe(true);
    expect(prod("https://[fec0::1]/").ok).toBe(false);
  });
});

describe("destination URLs in development", () => {
  it("allows http and loopback, still refuses metadata and odd schemes", () => {
    expect(dev("http://localhost:8787/hook")).toEqual({ ok: true, url: "http://localhost:8787/hook" });
    expect(dev("http://127.0.0.1:9000/")).toMatchObject({ ok: true });
    expect(dev("http://[::1]:9000/")).toMatchObject({ ok: true });
    expect(dev("http://169.254.169.254/")).toEqual({ ok: false, reason: "metadata" });
    expect(dev("http://metadata.google.internal/")).toEqual({ ok: false, reason: "metadata" });
    expect(dev("file:///etc/passwd")).toEqual({ ok: false, reason: "unsupported_scheme" });
  });
});

describe("IP parsing", () => {
  it("parses every inet_aton form of IPv4 the same as Node's URL parser", () => {
    const rnd = mulberry32(11);
    for (let i = 0; i < 500; i++) {
      const b = Array.from({ length: 4 }, () => Math.floor(rnd() * 256));
      const n = ((b[0]! * 256 + b[1]!) * 256 + b[2]!) * 256 + b[3]!;
      const forms = [b.join("."), String(n), `0x${n.toString(16)}`, `0${n.toString(8)}`, b.map((x) => `0x${x.toString(16)}`).join("."), `${b[0]}.${b[1]! * 65536 + b[2]! * 256 + b[3]!}`];
      for (const form of forms) {
        expect(parseIpv4(form)).toEqual(Uint8Array.from(b));
        expect(new URL(`http://${form}/`).hostname).toBe(b.join("."));
      }
    }
  });
  it("rejects names and out-of-range parts", () => {
    for (const bad of ["example.com", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "1.16777216", "08.1.1.1", "1..2.3", ""]) expect(parseIpv4(bad)).toBeNull();
  });
  it("parses IPv6 with ::, embedded IPv4 and agrees with URL's canonical form", () => {
    expect(parseIpv6("::1")).toEqual(Uint8Array.from([...Array(15).fill(0), 1]));
    expect(parseIpv6("::ffff:1.2.3.4")).toEqual(Uint8Array.from([...Array(10).fill(0), 0xff, 0xff, 1, 2, 3, 4]));
    const rnd = mulberry32(5);
    for (let i = 0; i < 300; i++) {
      const groups = Array.from({ length: 8 }, () => (rnd() < 0.4 ? 0 : Math.floor(rnd() * 65536)).toString(16));
      const canonical = new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
      expect(parseIpv6(canonical)).toEqual(parseIpv6(groups.join(":")));
    }
    for (const bad of ["1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "::g", "1.2.3.4::"]) expect(parseIpv6(bad)).toBeNull();
  });
  it("classifies by range", () => {
    expect(classifyIpv4(Uint8Array.from([8, 8, 8, 8]))).toBe("public");
    expect(classifyIpv6(parseIpv6("2606:4700::1")!)).toBe("public");
    expect(classifyIpv6(parseIpv6("2001:db8::1")!)).toBe("reserved");
    expect(classifyIpv6(parseIpv6("64:ff9b::8.8.8.8")!)).toBe("public");
  });
});
