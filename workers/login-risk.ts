import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { base64UrlEncode } from "../src/audit/index.ts";
import { deviceFingerprint, impossibleTravel, isNewDevice, riskAction, riskScore, type RiskReason } from "../src/auth/index.ts";
import type { AppEnv } from "./app-env.ts";
import type { LoginEventRow } from "./db/logins.ts";

// What a login request tells about where it comes from, and the risk of it.

/** A long-lived random id per browser: the strongest new-device signal we have. */
export const DEVICE_COOKIE = "__Host-ayvlo_device";
const DEVICE_TTL_S = 400 * 86_400; // the longest a browser keeps a cookie

export interface LoginClient {
  ip: string | null;
  userAgent: string | null;
  country: string | null;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
  /** The device cookie presented, or a fresh one (then `knownCookie` is false). */
  deviceId: string;
  knownCookie: boolean;
  fingerprint: string;
}

const num = (v: unknown): number | null => {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : null;
};
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v.slice(0, 200) : null);

/** The client facts of a login: IP (cf-connecting-ip), geolocation (request.cf), device. */
export async function loginClient(c: Context<AppEnv>): Promise<LoginClient> {
  const cf = ((c.req.raw as { cf?: Record<string, unknown> }).cf ?? {}) as Record<string, unknown>;
  const presented = getCookie(c, DEVICE_COOKIE);
  const knownCookie = !!presented && /^[A-Za-z0-9_-]{16,64}$/.test(presented);
  const deviceId = knownCookie ? presented! : base64UrlEncode(crypto.getRandomValues(new Uint8Array(24)));
  const userAgent = str(c.req.header("user-agent"));
  return {
    ip: str(c.req.header("cf-connecting-ip")),
    userAgent,
    country: str(cf.country),
    city: str(cf.city),
    latitude: num(cf.latitude),
    longitude: num(cf.longitude),
    deviceId,
    knownCookie,
    fingerprint: await deviceFingerprint({ userAgent, acceptLanguage: c.req.header("accept-language") ?? null, deviceId }),
  };
}

/** Keeps (or gives) the browser its device id. */
export function setDeviceCookie(c: Context<AppEnv>, client: LoginClient): void {
  setCookie(c, DEVICE_COOKIE, client.deviceId, { path: "/", secure: true, httpOnly: true, sameSite: "Lax", maxAge: DEVICE_TTL_S });
}

export interface LoginRisk {
  score: number;
  reasons: RiskReason[];
  action: "allow" | "mfa" | "block";
  newDevice: boolean;
}

/**
 * The risk of this login against the user's history: a device (cookie) not
 * seen before, travel from the last located login faster than a plane, a new
 * country, recent failures. A user with no history has nothing to differ from.
 */
export function assessRisk(client: LoginClient, history: LoginEventRow[], failedAttempts: number, now: number): LoginRisk {
  const newDevice = history.length > 0 && isNewDevice(client.fingerprint, history.map((e) => e.deviceFingerprint));
  const lastPlace = history.find((e) => e.latitude !== null && e.longitude !== null);
  const travel =
    lastPlace && client.latitude !== null && client.longitude !== null
      ? impossibleTravel({ lat: lastPlace.latitude!, lon: lastPlace.longitude!, at: lastPlace.at }, { lat: client.latitude, lon: client.longitude, at: now }).impossible
      : false;
  const countries = history.map((e) => e.country).filter((x): x is string => x !== null);
  const newCountry = client.country !== null && countries.length > 0 && !countries.includes(client.country);
  const { score, reasons } = riskScore({ failedAttempts, newDevice, impossibleTravel: travel, newCountry });
  return { score, reasons, action: riskAction(score), newDevice };
}

/** The personal part of a login's audit entry (erasable; the chain keeps a commitment). */
export function clientPersonal(client: LoginClient) {
  return { ip: client.ip, user_agent: client.userAgent, country: client.country, city: client.city, latitude: client.latitude, longitude: client.longitude };
}
