// Node-side suites: the simulators (imported directly), pure helpers that need no bindings,
// and the browser tests that drive Chromium against a running sandbox.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["worker/sim/**/*.test.ts", "worker/test/node/**/*.test.ts"],
    environment: "node",
    // The widget and the admin page are built once, before any suite; every suite has its own
    // ports and state directory, so two files run side by side (the machines have two cores).
    globalSetup: ["worker/test/node/global-build.ts"],
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
