/** Authentication building blocks: passwords, TOTP, recovery codes, magic links, login risk and lockout. */
export { base32Decode, base32Encode } from "./base32.ts";
export { generateTotpSecret, hotp, totp, totpStep, totpUri, verifyTotp, type TotpAlgorithm, type TotpOptions, type TotpVerification } from "./totp.ts";
export { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode, RECOVERY_CODE_COUNT, verifyRecoveryCode } from "./recovery-codes.ts";
export { hashPassword, parsePasswordHash, PBKDF2_MAX_ITERATIONS, PBKDF2_MIN_ITERATIONS, verifyPassword } from "./password.ts";
export { BLOCK_RISK_THRESHOLD, distanceKm, impossibleTravel, MAX_TRAVEL_KMH, MFA_RISK_THRESHOLD, MIN_TRAVEL_KM, riskAction, riskScore, type GeoPoint, type RiskReason, type RiskSignals } from "./risk.ts";
export { ACCOUNT_LOCKOUT, checkLockout, CLEAN_RECORD, IP_LOCKOUT, lockoutDelay, recordFailure, type FailureRecord, type LockoutPolicy } from "./lockout.ts";
export { deviceFingerprint, isNewDevice, normalizeUserAgent, type DeviceTraits } from "./device.ts";
export { createMagicLink, hashMagicToken, MAGIC_LINK_TTL_MS, verifyMagicLink, type MagicLinkRecord } from "./magic-link.ts";
