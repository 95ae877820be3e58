// Which files make up the widget as amoCRM receives it, and where each comes from: the archive and
// the sandbox copy are built from this one list, so they cannot drift apart.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export const WIDGET_DIR = path.resolve(import.meta.dirname, "..");
export const ROOT = path.resolve(WIDGET_DIR, "..");
/** Where vite.config.ts writes the bundles (WIDGET_DIST_DIR lets a test use a directory of its own). */
export function distDir(): string {
  return process.env.WIDGET_DIST_DIR || path.join(WIDGET_DIR, "dist");
}

/** Bundles vite.config.ts writes; they sit at the archive's root beside script.js. */
export const BUNDLES = ["vendor.js", "vendor-signals.js", "app.js", "settings.js", "actions.js", "style.css"] as const;

export interface WidgetFile {
  /** Path inside the archive (and under /dev/widget/ in the sandbox). */
  name: string;
  source: string;
}

function listDir(dir: string, ext: string): string[] {
  return readdirSync(path.join(WIDGET_DIR, dir))
    .filter((f) => f.endsWith(ext))
    .sort();
}

/** Throws, naming the command to run, when the bundles have not been built. */
export function widgetFiles(): WidgetFile[] {
  const dist = distDir();
  const missing = BUNDLES.filter((b) => !existsSync(path.join(dist, b)));
  if (missing.length) throw new Error(`widget/dist lacks ${missing.join(", ")}: run \`vite build --config widget/vite.config.ts\` first`);
  return [
    { name: "manifest.json", source: path.join(WIDGET_DIR, "manifest.json") },
    { name: "script.js", source: path.join(WIDGET_DIR, "script.js") },
    ...BUNDLES.map((b) => ({ name: b, source: path.join(dist, b) })),
    ...listDir("i18n", ".json").map((f) => ({ name: `i18n/${f}`, source: path.join(WIDGET_DIR, "i18n", f) })),
    // amoCRM takes png/jpg/gif only; logo.svg is the source they are rendered from.
    ...listDir("images", ".png").map((f) => ({ name: `images/${f}`, source: path.join(WIDGET_DIR, "images", f) })),
  ];
}

const ORIGIN_LINE = /^(\s*var API_ORIGIN = )'[^']*';/m;

/** script.js with our server's origin filled in (empty: the page's own origin, as in the sandbox). */
export function scriptWithApiOrigin(source: string, origin: string): string {
  if (!ORIGIN_LINE.test(source)) throw new Error("script.js has no `var API_ORIGIN = '…';` line to fill in");
  if (origin && !/^https?:\/\/[^/'\s]+$/.test(origin)) throw new Error(`API origin must look like https://host[:port], got ${JSON.stringify(origin)}`);
  return source.replace(ORIGIN_LINE, `$1'${origin}';`);
}

export function readText(file: string): string {
  return readFileSync(file, "utf8");
}
