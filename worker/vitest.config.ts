// Worker suites run inside workerd (vitest-pool-workers) with the real local D1, Queues, R2 and
// Durable Objects from wrangler.toml. The simulators run in Node (global setup) on fixed ports.
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { createServer } from "node:net";
import { simOrigins, TEST_BINDINGS } from "./test/worker/bindings.ts";

/** A free loopback port, so that several test runs on one machine never collide. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const root = path.resolve(import.meta.dirname, "..");

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(root, "migrations"));
  process.env.SIM_AMO_PORT ??= String(await freePort());
  process.env.SIM_LPT_PORT ??= String(await freePort());
  const ports = { amocrm: Number(process.env.SIM_AMO_PORT), lptracker: Number(process.env.SIM_LPT_PORT) };
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: path.join(root, "wrangler.toml") },
        miniflare: {
          bindings: { ...TEST_BINDINGS, ...simOrigins(ports), TEST_MIGRATIONS: migrations, CHAOS_EVENTS_PER_ACCOUNT: process.env.CHAOS_EVENTS_PER_ACCOUNT ?? "100" },
          // Miniflare delivers one batch at a time where Cloudflare runs consumers side by side;
          // bigger local batches give the suites the concurrency production has.
          queueConsumers: {
            "sync-jobs": { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 6, deadLetterQueue: "sync-jobs-dlq" },
            "hook-intake": { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 6, deadLetterQueue: "sync-jobs-dlq" },
            "sync-jobs-dlq": { maxBatchSize: 10, maxBatchTimeout: 1 },
          },
        },
      }),
    ],
    test: {
      root,
      include: ["worker/test/worker/**/*.test.ts"],
      setupFiles: ["worker/test/worker/setup.ts"],
      globalSetup: ["worker/test/worker/global-setup.ts"],
      // The suites mostly wait on the simulated APIs' rate limits, not on the CPU: more files side by
      // side (one workerd each) shorten the run even on two cores.
      maxWorkers: 6,
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  };
});
