/**
 * Secret rotation with a grace period. An endpoint keeps a list of secrets;
 * rotating adds a new one and gives the others an expiry `grace_s` later. Until
 * then deliveries carry one signature per live secret, so a receiver that still
 * has the old secret keeps verifying while it switches over.
 */

export interface EndpointSecret {
  secret: string;
  created_at: number;
  /** Epoch ms after which the secret no longer signs; null for the current one. */
  expires_at: number | null;
}

/** The list after rotating to `newSecret` at `now`: older secrets expire `graceS` later (sooner if already due); expired ones are dropped. */
export function rotateSecret(secrets: readonly EndpointSecret[], newSecret: string, now: number, graceS: number): EndpointSecret[] {
  const graceEnd = now + Math.max(0, graceS) * 1_000;
  const kept = liveSecrets(secrets, now)
    .map((s) => ({ ...s, expires_at: s.expires_at === null ? graceEnd : Math.min(s.expires_at, graceEnd) }))
    .filter((s) => s.expires_at > now);
  return [{ secret: newSecret, created_at: now, expires_at: null }, ...kept];
}

/** Secrets still valid at `now`, newest first. */
export function liveSecrets(secrets: readonly EndpointSecret[], now: number): EndpointSecret[] {
  return secrets.filter((s) => s.expires_at === null || now < s.expires_at).sort((a, b) => b.created_at - a.created_at);
}

/** The secret values to sign with at `now` (pass to `webhookHeaders`). */
export function signingSecrets(secrets: readonly EndpointSecret[], now: number): string[] {
  return liveSecrets(secrets, now).map((s) => s.secret);
}
