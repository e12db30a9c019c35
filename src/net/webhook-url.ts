/**
 * Where outbound webhooks may go. In production a destination must be https
 * and must not reach into private infrastructure: loopback, private, link-local,
 * CGNAT, unspecified, multicast and reserved ranges, cloud metadata endpoints,
 * `localhost`/`*.localhost`/`*.internal`/`*.local`, IPv4-mapped IPv6, and IPv4
 * literals in decimal, octal or hex disguise are all refused. In development
 * http and local addresses are allowed, metadata endpoints never.
 *
 * This checks the URL as written. A public name that resolves to a private
 * address (DNS rebinding) can only be caught where the connection is made;
 * Workers' fetch does not reach private networks, which covers that case there.
 */
import { classifyIpv4, classifyIpv6, parseIpv4, parseIpv6, type AddressClass } from "./ip.ts";

export type UrlRefusal =
  | "invalid_url"
  | "unsupported_scheme"
  | "https_required"
  | "credentials_in_url"
  | "blocked_host"
  | Exclude<AddressClass, "public">;

export type UrlCheck = { ok: true; url: string } | { ok: false; reason: UrlRefusal };

const MAX_URL_LENGTH = 2_048;
const METADATA_HOSTS = new Set(["metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal"]);
const BLOCKED_SUFFIXES = [".localhost", ".internal", ".local", ".home.arpa", ".localdomain"];

/** Checks a destination URL; returns the normalised URL or why it is refused. */
export function checkDestinationUrl(raw: string, options: { production: boolean }): UrlCheck {
  if (raw.length > MAX_URL_LENGTH || !URL.canParse(raw)) return { ok: false, reason: "invalid_url" };
  const url = new URL(raw);
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, reason: "unsupported_scheme" };
  const host = url.hostname.toLowerCase().replace(/\.+$/, "");
  if (host === "") return { ok: false, reason: "invalid_url" };
  if (METADATA_HOSTS.has(host)) return { ok: false, reason: "metadata" };

  const cls = addressClass(host);
  if (cls === "metadata") return { ok: false, reason: "metadata" };
  if (!options.production) return { ok: true, url: url.href };

  if (url.protocol !== "https:") return { ok: false, reason: "https_required" };
  if (url.username !== "" || url.password !== "") return { ok: false, reason: "credentials_in_url" };
  if (cls !== null && cls !== "public") return { ok: false, reason: cls };
  if (cls === null && (host === "localhost" || BLOCKED_SUFFIXES.some((s) => host.endsWith(s)) || !host.includes("."))) {
    return { ok: false, reason: "blocked_host" };
  }
  return { ok: true, url: url.href };
}

/** The address class of an IP-literal host, or null for a name. */
function addressClass(host: string): AddressClass | null {
  if (host.startsWith("[") && host.endsWith("]")) {
    const v6 = parseIpv6(host.slice(1, -1));
    return v6 ? classifyIpv6(v6) : "reserved";
  }
  const v4 = parseIpv4(host);
  return v4 ? classifyIpv4(v4) : null;
}
