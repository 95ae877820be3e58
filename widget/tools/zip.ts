// Packs widget.zip for the amoCRM marketplace: manifest.json, script.js, the bundles, i18n/ and
// images/ at the archive's root, with our server's origin written into script.js.
// Run: WIDGET_API_ORIGIN=https://our.server npx tsx widget/tools/zip.ts (after the Vite build).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { strToU8, zipSync, type Zippable } from "fflate";
import { readFileSync } from "node:fs";
import { ROOT, readText, scriptWithApiOrigin, widgetFiles } from "./files";

export const ZIP_PATH = path.join(ROOT, "widget.zip");

// A fixed date keeps the archive byte-identical between builds of the same files.
const MTIME = new Date("2025-01-01T00:00:00Z");

/** The origin from WIDGET_API_ORIGIN, else PUBLIC_ORIGIN from wrangler.toml's [vars]. */
export function defaultApiOrigin(): string {
  const fromEnv = process.env.WIDGET_API_ORIGIN?.trim();
  if (fromEnv) return fromEnv.replace(/\/+$/, "");
  const toml = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
  const m = /^PUBLIC_ORIGIN\s*=\s*"([^"]+)"/m.exec(toml);
  if (!m?.[1]) throw new Error("Set WIDGET_API_ORIGIN (our server's https origin) or PUBLIC_ORIGIN in wrangler.toml");
  return m[1].replace(/\/+$/, "");
}

export function buildArchive(apiOrigin: string): Uint8Array {
  const tree: Zippable = {};
  for (const f of widgetFiles()) {
    const data = f.name === "script.js" ? strToU8(scriptWithApiOrigin(readText(f.source), apiOrigin)) : new Uint8Array(readFileSync(f.source));
    tree[f.name] = [data, { mtime: MTIME, level: 9 }];
  }
  return zipSync(tree);
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const origin = defaultApiOrigin();
  const zip = buildArchive(origin);
  writeFileSync(ZIP_PATH, zip);
  console.log(`widget.zip: ${(zip.length / 1024).toFixed(1)} KB, the widget calls ${origin}`);
  if (!origin.startsWith("https://") || /127\.0\.0\.1|localhost/.test(origin)) {
    console.warn(`warning: ${origin} is not a public https origin; set WIDGET_API_ORIGIN=https://… before uploading to amoCRM`);
  }
}
