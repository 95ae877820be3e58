// Builds the admin page into the Worker's static assets (worker/public/admin/, served under /admin/).
// Run: vite build --config admin/vite.config.ts
import { fileURLToPath } from "node:url";
import path from "node:path";
import { defineConfig, type Plugin } from "vite";
import preact from "@preact/preset-vite";
import * as vocabulary from "../worker/src/sync/schemas.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const SCHEMAS = path.resolve(here, "../worker/src/sync/schemas.ts");

/**
 * The rule constructor reuses the trigger, operator and action lists of sync/schemas.ts, which
 * defines them next to its zod schemas. Importing that module would pull zod (about 30 KB gzip)
 * into the page, so the build serves the page a data-only copy read from the module itself.
 * A page import of anything else from schemas.ts fails the build instead of growing it.
 */
function ruleVocabulary(): Plugin {
  const exported = {
    TRIGGERS: vocabulary.TRIGGERS,
    OPERATORS: vocabulary.OPERATORS,
    ACTIONS_BY_TRIGGER: vocabulary.ACTIONS_BY_TRIGGER,
    MAX_GROUP_DEPTH: vocabulary.MAX_GROUP_DEPTH,
    MAX_CONDITIONS: vocabulary.MAX_CONDITIONS,
    MAX_ACTIONS: vocabulary.MAX_ACTIONS,
  };
  return {
    name: "admin-rule-vocabulary",
    enforce: "pre",
    load(id) {
      if (path.resolve(id.split("?")[0]!) !== SCHEMAS) return null;
      return Object.entries(exported)
        .map(([name, value]) => `export const ${name} = ${JSON.stringify(value)};`)
        .join("\n");
    },
  };
}

export default defineConfig({
  root: here,
  base: "/admin/",
  publicDir: false,
  plugins: [ruleVocabulary(), preact()],
  build: {
    outDir: path.resolve(here, "../worker/public/admin"),
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    // The page must run under a CSP without inline scripts: no inlined module preload helper.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
