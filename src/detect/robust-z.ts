import type { MemberResult } from "./member.ts";
import { robustCenterScale } from "./scale.ts";

/** Robust z-score: distance from the window median in MAD-sigmas. */
export function robustZ(sorted: readonly number[], x: number): MemberResult & { center: number; scale: number } {
  const { center, scale } = robustCenterScale(sorted);
  const z = (x - center) / scale;
  return { surprise: Math.abs(z), sign: Math.sign(z), center, scale };
}
