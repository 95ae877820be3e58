// What a browser suite starts before its tests and stops after them: a fresh frozen sandbox in a
// state directory of its own, and Chromium (the widget and admin page are built once: global-build.ts).
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startSandbox, type Sandbox } from "../../scripts/sandbox-lib";
import { launchChromium, type BrowserHarness } from "./browser-harness";

export interface BrowserSuite {
  sb: Sandbox;
  chromium: BrowserHarness;
  stop(): Promise<void>;
}

export async function startBrowserSuite(name: string, ports: { workerPort: number; amoPort: number; lptPort: number }): Promise<BrowserSuite> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  let sb: Sandbox | undefined;
  let chromium: BrowserHarness | undefined;
  const stop = async () => {
    await chromium?.close();
    await sb?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    sb = await startSandbox({ ...ports, persistTo: stateDir, fresh: true, frozen: true, log: () => {} });
    chromium = await launchChromium();
  } catch (err) {
    await stop();
    throw err;
  }
  return { sb, chromium, stop };
}
