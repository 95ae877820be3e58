// Node-side suites: the simulators (imported directly), pure helpers that need no bindings,
// and the browser tests that drive Chromium against a running sandbox.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["worker/sim/**/*.test.ts", "worker/test/node/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
