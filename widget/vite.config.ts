// Builds the widget's code into UMD bundles that script.js loads through amoCRM's RequireJS:
// the vendor files (Preact with its hooks, and @preact/signals, minified as npm ships them), then
// app.js (+ style.css) for the card panel and settings.js for the settings modal and the mapping
// editor, both readable (not minified) and holding only our own code. They name the vendor files
// as AMD dependencies, so the browser loads each once for every bundle. Vite 8 cannot emit AMD;
// UMD carries the AMD `define` branch.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { build, defineConfig, runnerImport, type InlineConfig, type Plugin } from "vite";

const root = import.meta.dirname;
// Tests build into their own directory so that parallel test files never share one output.
const outDir = process.env.WIDGET_DIST_DIR || path.join(root, "dist");

/**
 * Third-party modules, each shipped once in a vendor file of its own: Preact with its hooks (what
 * the card needs) and @preact/signals (only the settings and the mapping editor use it, so the
 * card, with its 15 KB gzip budget, never loads it).
 */
export const VENDOR_FILES = {
  "vendor.js": { entry: "vendor.ts", global: "LptWidgetVendor", modules: ["preact", "preact/hooks"] },
  "vendor-signals.js": { entry: "vendor-signals.ts", global: "LptWidgetSignals", modules: ["@preact/signals"] },
} as const;
type VendorFile = keyof typeof VENDOR_FILES;

// Classic `h(tag, props, ...children)` calls are shorter than the automatic runtime's objects.
const jsx = { runtime: "classic", pragma: "h", pragmaFrag: "Fragment", development: false } as const;

function base(entry: string, name: string, fileName: string, banner: string, emptyOutDir: boolean): InlineConfig {
  return {
    root,
    configFile: false,
    logLevel: "warn",
    oxc: { jsx },
    mode: "production",
    define: { "process.env.NODE_ENV": JSON.stringify("production") },
    build: {
      outDir,
      emptyOutDir,
      minify: false,
      sourcemap: false,
      target: "es2022",
      copyPublicDir: false,
      reportCompressedSize: false,
      lib: { entry: path.join(root, "src", entry), name, formats: ["umd"], fileName: () => fileName, cssFileName: "style" },
      rolldownOptions: {
        output: {
          // After minification, so that the minified vendor files keep it too.
          postBanner: `/* LPTracker for amoCRM, ${fileName}: ${banner} */`,
          comments: { annotation: false, jsdoc: false, legal: true },
          // script.js reads the exports by name; module markers only cost the card's budget.
          generatedCode: { symbols: false },
          esModule: false,
        },
      },
    },
  };
}

/** `./vendor.js?v=<hash of its content>`: relative to the importing bundle's URL in RequireJS, new whenever the file changes. */
function vendorPath(file: VendorFile): string {
  const hash = createHash("sha256").update(readFileSync(path.join(outDir, file))).digest("hex").slice(0, 12);
  return `./${file}?v=${hash}`;
}

/** A bundle whose imports of the given vendor files' modules stay outside it, as AMD dependencies. */
function withVendors(config: InlineConfig, files: VendorFile[]): InlineConfig {
  const paths: Record<string, string> = {};
  const globals: Record<string, string> = {};
  for (const file of files) {
    for (const m of VENDOR_FILES[file].modules) {
      paths[m] = vendorPath(file);
      globals[m] = VENDOR_FILES[file].global;
    }
  }
  config.build!.rolldownOptions = {
    ...config.build!.rolldownOptions,
    external: Object.keys(paths),
    output: { ...config.build!.rolldownOptions!.output, paths, globals },
  };
  return config;
}

const OWN = "our code from widget/src, not minified (Preact is in vendor.js)";
const THIRD_PARTY = "third-party only, minified as on npm (MIT):";

/** lib mode builds one UMD entry at a time, so the bundles that need vendor.js follow it. */
function ownBundles(): Plugin {
  return {
    name: "lptw-own-bundles",
    apply: "build",
    async closeBundle() {
      const signals = base("vendor-signals.ts", VENDOR_FILES["vendor-signals.js"].global, "vendor-signals.js", `${THIRD_PARTY} @preact/signals`, false);
      signals.build!.minify = true;
      await build(withVendors(signals, ["vendor.js"]));
      await build(withVendors(base("app.tsx", "LptWidgetApp", "app.js", OWN, false), ["vendor.js"]));
      await build(withVendors(base("settings.tsx", "LptWidgetSettings", "settings.js", OWN, false), ["vendor.js", "vendor-signals.js"]));
      await build(withVendors(base("actions.tsx", "LptWidgetActions", "actions.js", OWN, false), ["vendor.js"]));
      await publishI18n();
    },
  };
}

/**
 * dist/i18n/<lang>.json: each i18n file with the stored texts' words from the Worker's catalogue,
 * as amoCRM hands them to the widget; the card's bundle then carries no copy of them.
 */
async function publishI18n(): Promise<void> {
  // Loaded through Vite's module runner: the config itself imports no TypeScript sources.
  const { module: i18n } = await runnerImport<typeof import("./src/i18n")>(path.join(root, "src", "i18n.ts"), { configFile: false, logLevel: "warn" });
  mkdirSync(path.join(outDir, "i18n"), { recursive: true });
  for (const file of readdirSync(path.join(root, "i18n")).filter((f) => f.endsWith(".json"))) {
    const dict: import("./src/i18n").Dict = JSON.parse(readFileSync(path.join(root, "i18n", file), "utf8"));
    writeFileSync(path.join(outDir, "i18n", file), `${JSON.stringify(i18n.withTexts(dict, i18n.normalizeLang(file.replace(/\.json$/, ""))), null, 2)}\n`);
  }
}

// The nested builds must not read this file again; the main one (vendor.js) is this file.
const { configFile: _nested, ...vendor } = base("vendor.ts", VENDOR_FILES["vendor.js"].global, "vendor.js", `${THIRD_PARTY} preact, preact/hooks`, true);
vendor.build!.minify = true;

export default defineConfig({ ...vendor, plugins: [ownBundles()] });
