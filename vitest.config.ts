import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Three projects: `unit` runs the pure domain code in `src/` on Node;
// `workers` runs everything that touches bindings inside workerd, against
// real D1 (migrations applied), Durable Objects, R2 and Queues; `e2e` runs on
// Node against a `wrangler dev` of its own (test/e2e).
export default defineConfig(async () => {
  const migrations = await readD1Migrations("migrations");
  return {
    test: {
      projects: [
        {
          test: {
            name: "unit",
            include: ["test/unit/**/*.test.ts"],
            environment: "node",
          },
        },
        {
          plugins: [
            cloudflareTest(({ inject }) => ({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  // The local receiver that stands in for webhook targets, Slack and PagerDuty.
                  RECEIVER_URL: `http://127.0.0.1:${inject("receiverPort")}`,
                  TEST_MIGRATIONS: migrations,
                  AYVLO_ADMIN_TOKEN: "test-admin-token-0123456789abcdef",
                  AYVLO_BENCH_ROUTES: "1",
                  // Access logs are one JSON line per request: keep test output to warnings and errors.
                  AYVLO_LOG_LEVEL: "warn",
                },
              },
            })),
          ],
          test: {
            name: "workers",
            include: ["test/**/*.test.ts"],
            exclude: ["test/unit/**", "test/e2e/**"],
            setupFiles: ["test/setup.ts"],
            globalSetup: ["test/receiver/global-setup.ts"],
            // Alerting flows wait on real queues and alarms (batch timeout 1 s, retry backoff).
            testTimeout: 30_000,
          },
        },
        {
          // End to end on Node: its own `wrangler dev` (fresh state, loopback,
          // random port) and the local receiver, driven over the public HTTP API.
          test: {
            name: "e2e",
            include: ["test/e2e/**/*.test.ts"],
            environment: "node",
            // One wrangler dev at a time: each is a whole workerd.
            fileParallelism: false,
            // Starting wrangler dev (bundle, migrations, workerd) can take a while on a busy machine.
            hookTimeout: 240_000,
            testTimeout: 120_000,
          },
        },
      ],
    },
  };
});
