// widget.zip against amoCRM's rules (docs/amocrm.md §5–6): files at the root, a complete manifest,
// matching dictionaries, images of the right size, readable own code apart from the vendor files
// loaded through RequireJS, namespaced CSS that follows the dark theme, the card's JavaScript within
// its 15 KB gzip budget, and a release archive only with a public https origin and real contacts.
import { gzipSync } from "node:zlib";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { strFromU8, unzipSync } from "fflate";
import { build } from "vite";
import { buildArchive, loadReleaseConfig, packFromCli, ReleaseConfigError, releaseProblems, type ReleaseConfig } from "../../../widget/tools/zip";
import { ROOT } from "../../../widget/tools/files";
import { keyPaths, type Dict } from "../../../widget/src/i18n";
import { TEXT_WORDS, WIDGET_TEXT_CODES } from "../../src/contracts/texts";

const CARD_BUDGET_BYTES = 15 * 1024;
const IMAGE_MAX_BYTES = 300 * 1024;
const IMAGES: Record<string, [number, number]> = {
  "logo_main.png": [400, 272],
  "logo_small.png": [108, 108],
  "logo_medium.png": [240, 84],
  "logo_min.png": [84, 84],
  "logo.png": [130, 100],
};
const TEST_ORIGIN = "https://lpt-sync.acme-integrations.ru";
const TEST_SUPPORT = { link: "https://acme-integrations.ru/support/lptracker", email: "help@acme-integrations.ru" };
const RELEASE: ReleaseConfig = { apiOrigin: TEST_ORIGIN, support: TEST_SUPPORT };

let files: Record<string, Uint8Array>;
const text = (name: string) => strFromU8(files[name]!);
const json = <T>(name: string) => JSON.parse(text(name)) as T;

interface Manifest {
  widget: Record<string, unknown> & { support: { link: string; email: string }; locale: string[] };
  locations: string[];
  settings: Record<string, { name: string; type: string; required?: boolean }>;
  advanced: { title: string };
  dp?: { settings: Record<string, { name: string; type: string; required?: boolean }>; action_multiple: boolean; webhook_url: string };
}

function lookup(dict: Dict, key: string): unknown {
  return key.split(".").reduce<unknown>((node, part) => (node && typeof node === "object" ? (node as Dict)[part] : undefined), dict);
}

function pngSize(bytes: Uint8Array): [number, number] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect(strFromU8(bytes.subarray(1, 4))).toBe("PNG");
  return [view.getUint32(16), view.getUint32(20)];
}

/** Lines of our own modules inside a bundle (rolldown marks each module with `// widget/src/...`). */
function ownLines(bundle: string): string[] {
  const out: string[] = [];
  let own = false;
  for (const line of bundle.split("\n")) {
    const marker = /^\s*\/\/ ((?:widget|node_modules)\/\S+)$/.exec(line);
    if (marker) own = marker[1]!.startsWith("widget/");
    else if (own) out.push(line);
  }
  return out;
}

function readability(lines: string[]) {
  const code = lines.filter((l) => l.trim());
  const avg = code.reduce((sum, l) => sum + l.length, 0) / code.length;
  const indented = code.filter((l) => /^\s+\S/.test(l)).length / code.length;
  return { lines: code.length, avg, indented, longest: Math.max(...code.map((l) => l.length)) };
}

const gz = (data: Uint8Array | string) => gzipSync(data, { level: 9 }).length;

let distDir: string;

beforeAll(async () => {
  distDir = mkdtempSync(path.join(os.tmpdir(), "widget-dist-"));
  process.env.WIDGET_DIST_DIR = distDir;
  await build({ configFile: path.join(ROOT, "widget", "vite.config.ts"), logLevel: "error" });
  files = unzipSync(buildArchive(RELEASE));
}, 60_000);

afterAll(() => {
  delete process.env.WIDGET_DIST_DIR;
  rmSync(distDir, { recursive: true, force: true });
});

describe("widget.zip layout", () => {
  it("has manifest.json, script.js and the bundles at its root, plus i18n/ and images/", () => {
    const names = Object.keys(files).sort();
    for (const f of ["manifest.json", "script.js", "vendor.js", "vendor-signals.js", "app.js", "settings.js", "style.css", "i18n/ru.json", "i18n/en.json"]) expect(names).toContain(f);
    for (const name of names) expect(name).toMatch(/^(?:[\w.-]+|i18n\/[a-z]{2}\.json|images\/[\w.-]+\.png)$/);
  });
  it("writes our server's origin into script.js and the support contacts into script.js and manifest.json", () => {
    expect(text("script.js")).toContain(`var API_ORIGIN = "${TEST_ORIGIN}";`);
    expect(json<Manifest>("manifest.json").widget.support).toEqual(TEST_SUPPORT);
    expect(text("script.js")).toContain(`email: "${TEST_SUPPORT.email}"`);
    expect(text("script.js")).toContain(`link: "${TEST_SUPPORT.link}"`);
    // amoCRM posts the Digital Pipeline action's hook here: our Worker, from the release configuration.
    expect(json<Manifest>("manifest.json").dp?.webhook_url).toBe(`${TEST_ORIGIN}/hooks/amocrm/dp`);
  });
});

describe("manifest.json", () => {
  it("declares what amoCRM requires", () => {
    const m = json<Manifest>("manifest.json");
    expect(m.widget.interface_version).toBe(2);
    expect(m.widget.init_once).toBe(false);
    expect(m.widget.installation).toBe(true);
    expect(m.widget.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(m.widget.support.link).toMatch(/^https:\/\/\S+$/);
    expect(m.widget.support.email).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/);
    expect(m.locations).toEqual(expect.arrayContaining(["lcard-1", "ccard-1", "settings", "advanced_settings"]));
    expect(m.advanced.title).toBeTruthy();
  });
  it("offers the Digital Pipeline action and the list actions (dp block, 174×109 logo_dp.png, llist-0/clist-0)", () => {
    const m = json<Manifest>("manifest.json");
    expect(m.locations).toEqual(expect.arrayContaining(["digital_pipeline", "llist-0", "clist-0"]));
    expect(m.dp?.action_multiple).toBe(false);
    expect(Object.keys(m.dp?.settings ?? {}).sort()).toEqual(["action", "comment", "key", "project_id", "stage_id"]);
    expect(files["images/logo_dp.png"]).toBeTruthy();
    expect(pngSize(files["images/logo_dp.png"]!)).toEqual([174, 109]);
    for (const locale of m.widget.locale) {
      const dict = json<Dict>(`i18n/${locale}.json`);
      for (const s of Object.values(m.dp!.settings)) expect(typeof lookup(dict, s.name), `${locale}: ${s.name}`).toBe("string");
    }
  });
  it("lists exactly the locales it ships dictionaries for", () => {
    const m = json<Manifest>("manifest.json");
    const shipped = Object.keys(files)
      .filter((f) => f.startsWith("i18n/"))
      .map((f) => f.slice(5, -5))
      .sort();
    expect([...m.widget.locale].sort()).toEqual(shipped);
  });
  it("asks for consent in a settings field before anything goes to our server", () => {
    const m = json<Manifest>("manifest.json");
    expect(m.settings.consent).toMatchObject({ type: "custom", required: true });
  });
  it("uses i18n keys that every dictionary has, within the marketplace's length limits", () => {
    const m = json<Manifest>("manifest.json");
    const keys = [m.widget.name, m.widget.description, m.widget.short_description, m.advanced.title, ...Object.values(m.settings).map((s) => s.name)] as string[];
    for (const locale of m.widget.locale) {
      const dict = json<Dict>(`i18n/${locale}.json`);
      for (const key of keys) expect(typeof lookup(dict, key), `${locale}: ${key}`).toBe("string");
      expect((lookup(dict, m.widget.name as string) as string).length).toBeLessThanOrEqual(30);
      expect((lookup(dict, m.widget.short_description as string) as string).length).toBeLessThanOrEqual(60);
      expect((lookup(dict, m.widget.description as string) as string).length).toBeLessThanOrEqual(400);
      // Kommo's naming rule (changelog): no word over 19 characters, symbols without spaces joining words.
      for (const word of (lookup(dict, m.widget.name as string) as string).split(/\s+/)) expect(word.length, `${locale}: ${word}`).toBeLessThanOrEqual(19);
      for (const key of keys) expect(lookup(dict, key) as string, `${locale}: ${key}`).not.toMatch(/<[a-z/]/i);
    }
  });
  it("names the same support contacts as script.js shows", () => {
    const m = json<Manifest>("manifest.json");
    const script = text("script.js");
    expect(script).toContain(`email: "${m.widget.support.email}"`);
    expect(script).toContain(`link: "${m.widget.support.link}"`);
  });
});

describe("i18n", () => {
  it("has the same keys in Russian and English", () => {
    expect(keyPaths(json<Dict>("i18n/en.json"))).toEqual(keyPaths(json<Dict>("i18n/ru.json")));
  });
  it("carries the stored texts' words from the Worker's catalogue, so the bundles need no copy", () => {
    for (const lang of ["ru", "en"] as const) {
      const dict = json<Dict>(`i18n/${lang}.json`);
      for (const code of WIDGET_TEXT_CODES) expect(lookup(dict, `texts.${code}`), `${lang}: ${code}`).toBe(TEXT_WORDS[lang][code]);
    }
    for (const name of ["app.js", "settings.js"]) expect(text(name)).not.toContain(TEXT_WORDS.ru.install_reinstall_action);
  });
  it("has every key the widget's code asks for", () => {
    const dict = json<Dict>("i18n/ru.json");
    const srcDir = path.join(ROOT, "widget", "src");
    const sources = readdirSync(srcDir, { recursive: true, encoding: "utf8" })
      .filter((f) => /\.tsx?$/.test(f))
      .map((f) => readFileSync(path.join(srcDir, f), "utf8"))
      .join("\n");
    const used = new Set([...sources.matchAll(/\bt\(\s*"([a-z_]+(?:\.[A-Za-z_]+)+)"/g)].map((m) => m[1]!));
    expect(used.size).toBeGreaterThan(50);
    for (const key of used) expect(typeof lookup(dict, key), key).toBe("string");
  });
});

describe("images", () => {
  it("come in amoCRM's sizes, each at most 300 KB", () => {
    for (const [name, size] of Object.entries(IMAGES)) {
      const png = files[`images/${name}`];
      expect(png, name).toBeDefined();
      expect(pngSize(png!), name).toEqual(size);
      expect(png!.length, name).toBeLessThanOrEqual(IMAGE_MAX_BYTES);
    }
  });
});

describe("script.js", () => {
  it("is readable source, not minified", () => {
    const r = readability(text("script.js").split("\n"));
    expect(r.lines).toBeGreaterThan(100);
    expect(r.avg).toBeLessThan(60);
    expect(r.longest).toBeLessThan(140);
    expect(r.indented).toBeGreaterThan(0.8);
  });
  it("is an AMD module on jquery whose widget defines every callback, bind_actions returning true", () => {
    let factory: ((jq: unknown) => new () => { callbacks: Record<string, (...a: unknown[]) => unknown> }) | undefined;
    let deps: string[] = [];
    const sandbox = { define: (d: string[], f: typeof factory) => ((deps = d), (factory = f)), window: {}, document: {}, Promise };
    vm.runInNewContext(text("script.js"), sandbox);
    expect(deps).toEqual(["jquery"]);
    const Widget = factory!(() => ({}));
    const widget = new Widget();
    for (const name of ["render", "init", "bind_actions", "settings", "onSave", "destroy", "advancedSettings"]) {
      expect(typeof widget.callbacks[name], name).toBe("function");
    }
    expect(widget.callbacks.bind_actions!()).toBe(true);
  });
  it("sends every request through $authorizedAjax", () => {
    const script = text("script.js");
    expect(script).toContain("self.$authorizedAjax(options)");
    expect(script).not.toMatch(/\$\.ajax\(|\bfetch\(|XMLHttpRequest/);
  });
});

/** The dependency list of a UMD bundle's AMD branch: `define([...], factory)`. */
function amdDeps(source: string): string[] {
  let deps: string[] | null = null;
  const define = Object.assign((d: string[]) => void (deps = d), { amd: true });
  vm.runInNewContext(source, { define, globalThis: {}, self: {} });
  if (!deps) throw new Error("no define() call");
  return deps;
}

/** Runs AMD bundles the way RequireJS would (dependencies relative to the file), answering their exports. */
function loadAmd(names: string[]): Record<string, Record<string, unknown>> {
  const loaded: Record<string, Record<string, unknown>> = {};
  const load = (name: string): Record<string, unknown> => {
    if (loaded[name]) return loaded[name]!;
    let deps: string[] = [];
    let factory: ((...a: unknown[]) => void) | undefined;
    const define = Object.assign((d: string[], f: typeof factory) => ((deps = d), (factory = f)), { amd: true });
    vm.runInNewContext(text(name), { define, globalThis: {}, self: {}, setTimeout, clearTimeout, queueMicrotask, Promise });
    const exports: Record<string, unknown> = {};
    loaded[name] = exports;
    const args = deps.map((d) => (d === "exports" ? exports : load(new URL(d, `https://cdn.example/w/${name}`).pathname.slice(3))));
    factory!(...args);
    return exports;
  };
  for (const n of names) load(n);
  return loaded;
}

const sha12 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex").slice(0, 12);

describe("bundles", () => {
  it("keep our own code readable", () => {
    for (const name of ["app.js", "settings.js"]) {
      const r = readability(ownLines(text(name)));
      expect(r.lines, name).toBeGreaterThan(300);
      expect(r.avg, name).toBeLessThan(90);
      expect(r.indented, name).toBeGreaterThan(0.9);
    }
  });
  it("hold only our code, and the vendor files only Preact and @preact/signals", () => {
    for (const name of ["app.js", "settings.js"]) {
      expect(text(name), name).not.toMatch(/^\s*\/\/ node_modules\//m);
      expect(text(name), name).toMatch(/^\s*\/\/ widget\/src\//m);
    }
    for (const name of ["vendor.js", "vendor-signals.js"]) {
      expect(text(name), name).not.toMatch(/widget\/src\/(?!\S*vendor)/);
      expect(text(name).split("\n")[0], name).toMatch(/third-party only.*MIT/);
    }
  });
  it("load the vendor files through RequireJS as dependencies named by their content hash", () => {
    const vendor = `./vendor.js?v=${sha12(files["vendor.js"]!)}`;
    const signals = `./vendor-signals.js?v=${sha12(files["vendor-signals.js"]!)}`;
    expect(new Set(amdDeps(text("app.js")))).toEqual(new Set(["exports", vendor]));
    expect(new Set(amdDeps(text("settings.js")))).toEqual(new Set(["exports", vendor, signals]));
    expect(new Set(amdDeps(text("vendor-signals.js")))).toEqual(new Set(["exports", vendor]));
    expect(amdDeps(text("vendor.js"))).toEqual(["exports"]);
  });
  it("find in the vendor files everything they import, sharing one Preact", () => {
    const mods = loadAmd(["app.js", "settings.js"]);
    expect(typeof mods["app.js"]!.mountCard).toBe("function");
    expect(typeof mods["settings.js"]!.mountSettings).toBe("function");
    expect(typeof mods["vendor-signals.js"]!.signal).toBe("function");
    const vendor = mods["vendor.js"]!;
    for (const [name, alias] of [["app.js", "preact|preact_hooks"], ["settings.js", "preact|preact_hooks"]] as const) {
      for (const m of text(name).matchAll(new RegExp(`\\b(?:${alias})\\.(\\w+)`, "g"))) expect(vendor[m[1]!], `${name} uses ${m[0]}`).toBeDefined();
    }
    for (const m of text("settings.js").matchAll(/\b_preact_signals\.(\w+)/g)) expect(mods["vendor-signals.js"]![m[1]!], m[0]).toBeDefined();
  });
  it("never inject HTML from API values", () => {
    for (const name of ["app.js", "settings.js"]) {
      // Preact itself handles the prop; our own code must never use it or write HTML strings.
      expect(ownLines(text(name)).join("\n")).not.toMatch(/dangerouslySetInnerHTML|innerHTML|insertAdjacentHTML|document\.write/);
    }
  });
  it("keep the settings and the mapping editor out of the card's bundle", () => {
    expect(text("app.js")).toContain("function mountCard(");
    expect(text("app.js")).not.toMatch(/mountSettings|mountAdvanced|function RowEditor/);
  });
  it("keep the card's JavaScript within 15 KB gzip: script.js, vendor.js and app.js, each gzipped as served", () => {
    const card = ["script.js", "vendor.js", "app.js"].reduce((n, f) => n + gz(files[f]!), 0);
    const sizes = {
      "script.js": gz(files["script.js"]!),
      "vendor.js (Preact + hooks)": gz(files["vendor.js"]!),
      "app.js (card panel)": gz(files["app.js"]!),
      "card total (script.js + vendor.js + app.js)": card,
      "vendor-signals.js": gz(files["vendor-signals.js"]!),
      "settings.js (settings + mapping editor)": gz(files["settings.js"]!),
      "style.css": gz(files["style.css"]!),
    };
    console.log(
      "widget gzip sizes:\n" +
        Object.entries(sizes)
          .map(([k, v]) => `  ${k}: ${(v / 1024).toFixed(2)} KB (${v} B)`)
          .join("\n"),
    );
    expect(card).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
  });
});

describe("release configuration (npm run widget:zip)", () => {
  const good: ReleaseConfig = RELEASE;
  const problems = (patch: Partial<ReleaseConfig> & { link?: string; email?: string }) =>
    releaseProblems({ apiOrigin: patch.apiOrigin ?? good.apiOrigin, support: { link: patch.link ?? good.support.link, email: patch.email ?? good.support.email } });

  it("accepts a public https origin with real contacts", () => {
    expect(releaseProblems(good)).toEqual([]);
  });
  it.each([
    ["http://lpt-sync.acme-integrations.ru", /not https/],
    ["https://127.0.0.1:8787", /loopback or private/],
    ["https://localhost", /loopback or private/],
    ["https://192.168.1.10", /loopback or private/],
    ["https://[::1]:8787", /loopback or private/],
    ["https://lpt.example.com", /placeholder/],
    ["https://lpt-sync.acme-integrations.ru/api", /origin only/],
    ["lpt-sync.acme-integrations.ru", /not a URL/],
  ])("refuses the API origin %s", (apiOrigin, reason) => {
    expect(problems({ apiOrigin }).join("\n")).toMatch(reason);
  });
  it.each([
    ["link", "https://example.com/lptracker-amocrm/support", /placeholder/],
    ["link", "http://acme-integrations.ru/support", /https/],
    ["link", "https://acme-integrations.ru/TODO", /placeholder/],
    ["email", "support@example.com", /placeholder/],
    ["email", "support@acme.test", /placeholder/],
    ["email", "not an address", /not an e-mail/],
  ] as const)("refuses the support %s %s", (key, value, reason) => {
    expect(problems({ [key]: value }).join("\n")).toMatch(reason);
  });
  it("refuses a release build with the reasons and no archive; --sandbox builds one from the repository's placeholders", () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "widget-zip-"));
    try {
      const none = path.join(out, "missing.json");
      expect(() => packFromCli([], { WIDGET_API_ORIGIN: "http://127.0.0.1:8787" }, { outDir: out, configFile: none })).toThrow(ReleaseConfigError);
      try {
        packFromCli([], { WIDGET_API_ORIGIN: "http://127.0.0.1:8787" }, { outDir: out, configFile: none });
      } catch (err) {
        expect((err as Error).message).toMatch(/Refusing to build a release widget\.zip:[\s\S]*not https[\s\S]*support link[\s\S]*--sandbox/);
      }
      expect(() => packFromCli([], {}, { outDir: out, configFile: none })).toThrow(/No API origin/);
      expect(existsSync(path.join(out, "widget.zip"))).toBe(false);
      const sandbox = packFromCli(["--sandbox"], {}, { outDir: out, configFile: none });
      expect(sandbox.file).toBe(path.join(out, "widget-sandbox.zip"));
      expect(sandbox.config.apiOrigin).toMatch(/^http:\/\/127\.0\.0\.1/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
  it("reads widget/release.json, with environment variables taking precedence, and builds the release", () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "widget-zip-"));
    try {
      const file = path.join(out, "release.json");
      writeFileSync(file, JSON.stringify({ apiOrigin: "https://from-file.acme-integrations.ru/", support: TEST_SUPPORT }));
      expect(loadReleaseConfig({}, { file })).toEqual({ apiOrigin: "https://from-file.acme-integrations.ru", support: TEST_SUPPORT });
      expect(loadReleaseConfig({ WIDGET_API_ORIGIN: TEST_ORIGIN, WIDGET_SUPPORT_EMAIL: "team@acme-integrations.ru" }, { file })).toEqual({
        apiOrigin: TEST_ORIGIN,
        support: { link: TEST_SUPPORT.link, email: "team@acme-integrations.ru" },
      });
      const built = packFromCli([], {}, { outDir: out, configFile: file });
      const zipped = unzipSync(new Uint8Array(readFileSync(built.file)));
      expect(strFromU8(zipped["script.js"]!)).toContain('var API_ORIGIN = "https://from-file.acme-integrations.ru";');
      writeFileSync(file, "{ not json");
      expect(() => loadReleaseConfig({}, { file })).toThrow(/not valid JSON/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe("style.css", () => {
  it("namespaces every selector with lptw- and resets nothing global", () => {
    const css = text("style.css").replace(/\/\*[\s\S]*?\*\//g, "");
    const selectors: string[] = [];
    let depth = 0;
    let head = "";
    let inKeyframes = -1;
    for (const ch of css) {
      if (ch === "{") {
        const h = head.trim();
        if (h.startsWith("@keyframes")) {
          expect(h).toMatch(/^@keyframes lptw-/);
          inKeyframes = depth;
        } else if (inKeyframes < 0) {
          selectors.push(...h.split(",").map((s) => s.trim()));
        }
        depth++;
        head = "";
      } else if (ch === "}") {
        depth--;
        if (depth === inKeyframes) inKeyframes = -1;
        head = "";
      } else head += ch;
    }
    expect(selectors.length).toBeGreaterThan(50);
    // The dark theme hangs off amoCRM's own marker on <html>; the rule itself still targets our classes.
    for (const s of selectors) expect(s, s).toMatch(/^(?::root\[data-color-scheme="dark"\] )?\.lptw-[\w-]+/);
  });
});
