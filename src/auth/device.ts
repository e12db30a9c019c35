/**
 * A coarse device fingerprint for new-device detection: the same browser on
 * the same machine should keep its fingerprint across minor updates, so
 * versions are cut to their major number and only stable traits are used
 * (user agent, client-hint platform, first preferred language). It is a
 * signal for the risk score, not an identity: prefer a long-lived device
 * cookie when there is one, and fall back to this.
 */
import { sha256Hex } from "../hash.ts";
import { canonicalJson } from "../audit/canonical.ts";

/** What a request tells about the device. */
export interface DeviceTraits {
  userAgent?: string | null;
  acceptLanguage?: string | null;
  platform?: string | null;
  deviceId?: string | null;
}

/** A user agent with versions cut to the major number and whitespace collapsed. */
export function normalizeUserAgent(userAgent: string): string {
  return userAgent.replace(/(\d+)(?:[._]\d+)+/g, "$1").replace(/\s+/g, " ").trim().toLowerCase();
}

/** Hex SHA-256 fingerprint of the device's stable traits (a device cookie wins when present). */
export function deviceFingerprint(traits: DeviceTraits): Promise<string> {
  if (traits.deviceId) return sha256Hex(canonicalJson({ device_id: traits.deviceId }));
  const language = (traits.acceptLanguage ?? "").split(",")[0]!.split(";")[0]!.trim().toLowerCase();
  const platform = (traits.platform ?? "").replace(/"/g, "").trim().toLowerCase();
  return sha256Hex(canonicalJson({ ua: normalizeUserAgent(traits.userAgent ?? ""), language, platform }));
}

/** True when the fingerprint is not among those seen for the account. */
export function isNewDevice(fingerprint: string, known: readonly string[]): boolean {
  return !known.includes(fingerprint);
}
