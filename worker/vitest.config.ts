// Worker suites run inside workerd (vitest-pool-workers) with the real local D1, Queues, R2 and
// Durable Objects from wrangler.toml. The simulators run in Node (global setup) on fixed ports.
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { TEST_BINDINGS } from "./test/worker/bindings.ts";

const root = path.resolve(import.meta.dirname, "..");

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(root, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: path.join(root, "wrangler.toml") },
        miniflare: {
          bindings: { ...TEST_BINDINGS, TEST_MIGRATIONS: migrations },
        },
      }),
    ],
    test: {
      root,
      include: ["worker/test/worker/**/*.test.ts"],
      setupFiles: ["worker/test/worker/setup.ts"],
      globalSetup: ["worker/test/worker/global-setup.ts"],
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  };
});
