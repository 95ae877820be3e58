// Builds the widget's Preact code into readable (not minified) UMD bundles that script.js loads
// through amoCRM's RequireJS: app.js (+ style.css) for the card panel, and settings.js for the
// settings modal and the mapping editor. Vite 8 cannot emit AMD; UMD carries the AMD `define` branch.
import path from "node:path";
import { build, defineConfig, type InlineConfig, type Plugin } from "vite";

const root = import.meta.dirname;
// Tests build into their own directory so that parallel test files never share one output.
const outDir = process.env.WIDGET_DIST_DIR || path.join(root, "dist");

function bundle(entry: string, name: string, fileName: string, vendors: string, emptyOutDir: boolean): InlineConfig {
  return {
    root,
    configFile: false,
    logLevel: "warn",
    // Third-party code (Preact, signals) arrives minified from npm; ours stays as written.
    // Classic `h(tag, props, ...children)` calls are shorter than the automatic runtime's objects.
    oxc: { jsx: { runtime: "classic", pragma: "h", pragmaFrag: "Fragment", development: false } },
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
      lib: {
        entry: path.join(root, "src", entry),
        name,
        formats: ["umd"],
        fileName: () => fileName,
        cssFileName: "style",
      },
      rolldownOptions: {
        output: {
          banner: `/* LPTracker for amoCRM: ${fileName}, built by Vite from widget/src (not minified). Includes ${vendors} (MIT). */`,
          comments: { annotation: false, jsdoc: false, legal: true },
        },
      },
    },
  };
}

/** The second bundle: lib mode builds one UMD entry at a time, so it runs once the first is written. */
function settingsBundle(): Plugin {
  return {
    name: "lptw-settings-bundle",
    apply: "build",
    async closeBundle() {
      await build(bundle("settings.tsx", "LptWidgetSettings", "settings.js", "Preact and @preact/signals", false));
    },
  };
}

// The nested build must not read this file again; the main one is this file.
const { configFile: _nested, ...app } = bundle("app.tsx", "LptWidgetApp", "app.js", "Preact", true);

export default defineConfig({ ...app, plugins: [settingsBundle()] });
