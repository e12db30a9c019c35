/**
 * Login risk: a 0–100 score from signals the login route gathers, with the
 * reasons that made it. Points (capped at 100 in total):
 * - failed attempts on the account recently: 8 each, at most 40;
 * - a device not seen for this account: 25;
 * - impossible travel since the last login: 45;
 * - a country not seen for this account: 15;
 * - IP reputation (0 good … 100 bad, e.g. a threat score): up to 30 (× 0.3);
 * - an anonymising network (Tor, hosting provider, VPN): 20.
 * At or above MFA_RISK_THRESHOLD a second factor is demanded; at or above
 * BLOCK_RISK_THRESHOLD the login is refused even with one.
 */

/** What the login route knows about an attempt. */
export interface RiskSignals {
  failedAttempts: number;
  newDevice: boolean;
  impossibleTravel: boolean;
  newCountry?: boolean;
  ipReputation?: number;
  anonymizingNetwork?: boolean;
}

/** One contribution to the score. */
export interface RiskReason {
  code: "failed_attempts" | "new_device" | "impossible_travel" | "new_country" | "ip_reputation" | "anonymizing_network";
  points: number;
}

/** Demand a second factor at or above this score. */
export const MFA_RISK_THRESHOLD = 40;
/** Refuse the login at or above this score. */
export const BLOCK_RISK_THRESHOLD = 90;

/** The 0–100 risk of a login attempt and the reasons, largest first. */
export function riskScore(signals: RiskSignals): { score: number; reasons: RiskReason[] } {
  const reasons: RiskReason[] = [];
  const add = (code: RiskReason["code"], points: number) => {
    if (points > 0) reasons.push({ code, points: Math.round(points) });
  };
  add("failed_attempts", Math.min(40, 8 * Math.max(0, Math.floor(signals.failedAttempts || 0))));
  add("new_device", signals.newDevice ? 25 : 0);
  add("impossible_travel", signals.impossibleTravel ? 45 : 0);
  add("new_country", signals.newCountry ? 15 : 0);
  const reputation = signals.ipReputation;
  add("ip_reputation", reputation !== undefined && Number.isFinite(reputation) ? 0.3 * Math.min(100, Math.max(0, reputation)) : 0);
  add("anonymizing_network", signals.anonymizingNetwork ? 20 : 0);
  reasons.sort((a, b) => b.points - a.points);
  return { score: Math.min(100, reasons.reduce((sum, r) => sum + r.points, 0)), reasons };
}

/** What a score calls for: let in, ask for a second factor, or refuse. */
export function riskAction(score: number, thresholds: { mfa?: number; block?: number } = {}): "allow" | "mfa" | "block" {
  if (score >= (thresholds.block ?? BLOCK_RISK_THRESHOLD)) return "block";
  return score >= (thresholds.mfa ?? MFA_RISK_THRESHOLD) ? "mfa" : "allow";
}

/** A place and time a login came from (degrees, epoch ms) — from `request.cf`. */
export interface GeoPoint {
  lat: number;
  lon: number;
  at: number;
}

/** Faster than this between two logins cannot be one person travelling: a little above an airliner's cruise. */
export const MAX_TRAVEL_KMH = 900;
/** Below this distance, geolocation noise (city-level IP data) is ignored. */
export const MIN_TRAVEL_KM = 100;

/** Great-circle distance in km (haversine, mean Earth radius). */
export function distanceKm(a: Pick<GeoPoint, "lat" | "lon">, b: Pick<GeoPoint, "lat" | "lon">): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Whether getting from `prev` to `next` needs more than `maxKmh`; also the distance and speed. */
export function impossibleTravel(prev: GeoPoint, next: GeoPoint, maxKmh = MAX_TRAVEL_KMH): { impossible: boolean; km: number; kmh: number } {
  const km = distanceKm(prev, next);
  const hours = Math.abs(next.at - prev.at) / 3_600_000;
  const kmh = hours > 0 ? km / hours : km > 0 ? Number.POSITIVE_INFINITY : 0;
  return { impossible: km >= MIN_TRAVEL_KM && kmh > maxKmh, km, kmh };
}
