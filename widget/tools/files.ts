// Which files make up the widget as amoCRM receives it, and where each comes from: the archive and
// the sandbox copy are built from this one list, so they cannot drift apart.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { minifySync } from "rolldown/utils";

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
  const missing = [...BUNDLES, ...listDir("i18n", ".json").map((f) => `i18n/${f}`)].filter((b) => !existsSync(path.join(dist, b)));
  if (missing.length) throw new Error(`widget/dist lacks ${missing.join(", ")}: run \`vite build --config widget/vite.config.ts\` first`);
  return [
    { name: "manifest.json", source: path.join(WIDGET_DIR, "manifest.json") },
    { name: "script.js", source: path.join(WIDGET_DIR, "script.js") },
    ...BUNDLES.map((b) => ({ name: b, source: path.join(dist, b) })),
    // Published by the build: widget/i18n/<lang>.json with the Worker's shared texts (vite.config.ts).
    ...listDir("i18n", ".json").map((f) => ({ name: `i18n/${f}`, source: path.join(dist, "i18n", f) })),
    // amoCRM takes png/jpg/gif only; logo.svg is the source they are rendered from.
    ...listDir("images", ".png").map((f) => ({ name: `images/${f}`, source: path.join(WIDGET_DIR, "images", f) })),
  ];
}

const ORIGIN_LINE = /^([ \t]*var API_ORIGIN = )'[^'\n]*';/m;

/** script.js with our server's origin filled in (empty: the page's own origin, as in the sandbox). */
export function scriptWithApiOrigin(source: string, origin: string): string {
  if (!ORIGIN_LINE.test(source)) throw new Error("script.js has no `var API_ORIGIN = '…';` line to fill in");
  if (origin && !/^https?:\/\/[^/'\s]+$/.test(origin)) throw new Error(`API origin must look like https://host[:port], got ${JSON.stringify(origin)}`);
  return source.replace(ORIGIN_LINE, `$1'${origin}';`);
}

/**
 * script.js as amoCRM receives it (archive and sandbox): the filled-in source reprinted without its
 * comments, neither minified nor renamed, so a moderator still reads our code as written while the
 * card's 15 KB gzip budget does not pay for the comments (about 0.7 KB).
 */
export function servedScript(source: string): string {
  const out = minifySync("script.js", source, { compress: false, mangle: false, codegen: { removeWhitespace: false } });
  if (out.errors.length) throw new Error(`script.js does not parse: ${out.errors.map((e) => e.message).join("; ")}`);
  return `/* LPTracker for amoCRM: the widget's entry point (widget/script.js without its comments) */\n${out.code}`;
}

export function readText(file: string): string {
  return readFileSync(file, "utf8");
}
