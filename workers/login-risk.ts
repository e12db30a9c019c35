import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { base64UrlEncode } from "../src/audit/index.ts";
import { deviceFingerprint, impossibleTravel, isNewDevice, riskAction, riskScore, type RiskReason } from "../src/auth/index.ts";
import type { JsonObject } from "../src/audit/index.ts";
import type { FailureRecord } from "../src/auth/index.ts";
import { randomId } from "../src/ids.ts";
import type { AppEnv } from "./app-env.ts";
import { audited } from "./audit.ts";
import type { UserRow } from "./db/accounts.ts";
import { type Db } from "./db/account-security.ts";
import { d1 } from "./db/d1.ts";
import { clearFailures, failureRecords, insertLoginEvent, recentLogins, type LoginEventRow } from "./db/logins.ts";
import { startSession } from "./sessions.ts";

// What a login request tells about where it comes from, the risk of it, and
// how every successful login ends, whatever proved it.

const RECENT_FAILURES_MS = 24 * 3_600_000;

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

/** The risk of a login as audit data: score, reason codes, what it called for. */
export const riskData = (risk: LoginRisk) => ({ risk: risk.score, reasons: risk.reasons.map((r) => r.code), action: risk.action });

/** The risk of a login by `user` from `client` (`account`: the account's failure record, read if not given). */
export async function loginRisk(db: Db, user: UserRow, client: LoginClient, account?: FailureRecord, now = Date.now()): Promise<LoginRisk> {
  const record = account ?? (await failureRecords(db, [`account:${user.id}`]))[`account:${user.id}`]!;
  // Failures count as risk while recent; an old streak says little about this attempt.
  const recentFailures = record.lastFailureAt !== null && now - record.lastFailureAt < RECENT_FAILURES_MS ? record.failures : 0;
  return assessRisk(client, await recentLogins(db, user.tenantId, user.id), recentFailures, now);
}

/**
 * The end of every successful login (password, passkey, magic link): audited `auth.login_succeeded` with the risk, the login
 * kept in the history, the account's failures cleared — in one batch with
 * `changes` — then the device cookie and the session.
 */
export async function completeLogin(c: Context<AppEnv>, user: UserRow, client: LoginClient, risk: LoginRisk, amr: string[], changes: Parameters<typeof audited>[3] = [], details: JsonObject = {}) {
  const db = d1(c.env);
  const now = Date.now();
  await audited(
    c.env,
    user.tenantId,
    { actor: `user:${user.id}`, action: "auth.login_succeeded", target: `user:${user.id}`, data: { ...details, amr, new_device: risk.newDevice, ...riskData(risk) }, personal: { subject: `user:${user.id}`, fields: clientPersonal(client) } },
    [
      clearFailures(db, `account:${user.id}`),
      insertLoginEvent(db, { id: randomId("lgn"), tenantId: user.tenantId, userId: user.id, at: now, ip: client.ip, country: client.country, city: client.city, latitude: client.latitude, longitude: client.longitude, deviceFingerprint: client.fingerprint, method: amr.join("+"), risk: risk.score }),
      ...(changes ?? []),
    ],
  );
  setDeviceCookie(c, client);
  return startSession(c, user, amr);
}
