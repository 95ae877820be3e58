// Bundle sizes in gzip: the widget's card JS, the admin page's JS and the Worker bundle.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";

const ROOT = path.resolve(import.meta.dirname, "../..");

function gz(file: string): number {
  return gzipSync(readFileSync(file), { level: 9 }).length;
}

function jsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, String(f)))
    .filter((f) => f.endsWith(".js") && statSync(f).isFile());
}

export interface Sizes {
  widgetJsGzip: number;
  widgetScriptJsGzip: number;
  adminJsGzip: number;
  workerGzip: number;
  workerMinified: number;
}

export function measureSizes(): Sizes {
  // The card loads app.js and the Preact vendor file (script.js is counted on its own).
  const widgetApp = path.join(ROOT, "widget", "dist", "app.js");
  const widgetVendor = path.join(ROOT, "widget", "dist", "vendor.js");
  const widgetScript = path.join(ROOT, "widget", "script.js");
  const admin = jsFiles(path.join(ROOT, "worker", "public", "admin"));
  const out = mkdtempSync(path.join(tmpdir(), "worker-bundle-"));
  execFileSync(path.join(ROOT, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--minify", "--outdir", out], {
    cwd: ROOT,
    stdio: "ignore",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  const bundle = jsFiles(out);
  return {
    widgetJsGzip: (existsSync(widgetApp) ? gz(widgetApp) : 0) + (existsSync(widgetVendor) ? gz(widgetVendor) : 0),
    widgetScriptJsGzip: existsSync(widgetScript) ? gz(widgetScript) : 0,
    adminJsGzip: admin.reduce((n, f) => n + gz(f), 0),
    workerGzip: bundle.reduce((n, f) => n + gz(f), 0),
    workerMinified: bundle.reduce((n, f) => n + statSync(f).size, 0),
  };
}
