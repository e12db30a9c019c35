// Types for the JavaScript helper that starts an isolated `wrangler dev`
// (bench/lib/wrangler-dev.mjs), as the e2e tests use it.
declare module "*/bench/lib/wrangler-dev.mjs" {
  export interface WranglerDev {
    url: string;
    port: number;
    dir: string;
    logFile: string;
    pid: number;
    /** Kills wrangler's whole process group and removes its state dir. */
    stop(): Promise<void>;
  }
  export function startWranglerDev(options?: {
    root?: string;
    vars?: Record<string, string>;
    keepDir?: boolean;
    readyTimeoutMs?: number;
    log?: (message: string) => void;
  }): Promise<WranglerDev>;
  export function tail(file: string, lines?: number): string;
}
