// Builds the widget and the admin page once per Node test run, before any suite starts: the
// browser suites run side by side and would otherwise rebuild into the same directories while
// another suite's sandbox copies them.
import path from "node:path";
import { build } from "vite";
import { ROOT } from "../../scripts/sandbox-lib";
import { publish } from "../../../widget/tools/publish";

export default async function setup(): Promise<void> {
  const nodeEnv = process.env.NODE_ENV;
  // The production variants, as deployed: Vitest's NODE_ENV=test would give the development ones.
  process.env.NODE_ENV = "production";
  try {
    await build({ configFile: path.join(ROOT, "widget", "vite.config.ts"), logLevel: "error" });
    publish();
    await build({ configFile: path.join(ROOT, "admin/vite.config.ts"), logLevel: "warn" });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}
