/**
 * What every member reports for one point: a non-negative surprise in
 * z-like units (0 = perfectly ordinary) and the side of the deviation.
 * The ensemble turns surprises into tail probabilities per member.
 */
export interface MemberResult {
  surprise: number;
  sign: number;
}

export const MEMBER_NAMES = ["robust_z", "iqr", "esd", "seasonal", "iforest", "lof", "changepoint", "discord", "knn"] as const;
export type MemberName = (typeof MEMBER_NAMES)[number];
