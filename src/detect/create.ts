import { createEnsemble, DEFAULT_TUNING } from "./ensemble.ts";
import type { Detector, DetectorConfig, DetectorSnapshot } from "./index.ts";

/**
 * Creates a detector, fresh or restored from a snapshot taken by `snapshot()`
 * (a snapshot of an older format is ignored and the detector starts fresh).
 */
export function createDetector(config: DetectorConfig, snapshot?: DetectorSnapshot | null): Detector {
  return createEnsemble(config, snapshot, DEFAULT_TUNING);
}
