// widget.zip against amoCRM's rules (docs/amocrm.md §5–6): files at the root, a complete manifest,
// matching dictionaries, images of the right size, readable own code, namespaced CSS, and the
// card's JavaScript within its 15 KB gzip budget.
import { gzipSync } from "node:zlib";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import vm from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { strFromU8, unzipSync } from "fflate";
import { build } from "vite";
import { buildArchive } from "../../../widget/tools/zip";
import { ROOT } from "../../../widget/tools/files";
import { keyPaths, type Dict } from "../../../widget/src/i18n";

const CARD_BUDGET_BYTES = 15 * 1024;
const IMAGE_MAX_BYTES = 300 * 1024;
const IMAGES: Record<string, [number, number]> = {
  "logo_main.png": [400, 272],
  "logo_small.png": [108, 108],
  "logo_medium.png": [240, 84],
  "logo_min.png": [84, 84],
  "logo.png": [130, 100],
};
const TEST_ORIGIN = "https://lpt-sync.example.net";

let files: Record<string, Uint8Array>;
const text = (name: string) => strFromU8(files[name]!);
const json = <T>(name: string) => JSON.parse(text(name)) as T;

interface Manifest {
  widget: Record<string, unknown> & { support: { link: string; email: string }; locale: string[] };
  locations: string[];
  settings: Record<string, { name: string; type: string; required?: boolean }>;
  advanced: { title: string };
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
  files = unzipSync(buildArchive(TEST_ORIGIN));
}, 60_000);

afterAll(() => {
  delete process.env.WIDGET_DIST_DIR;
  rmSync(distDir, { recursive: true, force: true });
});

describe("widget.zip layout", () => {
  it("has manifest.json, script.js and the bundles at its root, plus i18n/ and images/", () => {
    const names = Object.keys(files).sort();
    for (const f of ["manifest.json", "script.js", "app.js", "settings.js", "style.css", "i18n/ru.json", "i18n/en.json"]) expect(names).toContain(f);
    for (const name of names) expect(name).toMatch(/^(?:[\w.-]+|i18n\/[a-z]{2}\.json|images\/[\w.-]+\.png)$/);
  });
  it("writes our server's origin into script.js", () => {
    expect(text("script.js")).toContain(`var API_ORIGIN = '${TEST_ORIGIN}';`);
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
    }
  });
  it("names the same support contacts as script.js shows", () => {
    const m = json<Manifest>("manifest.json");
    const script = text("script.js");
    expect(script).toContain(`email: '${m.widget.support.email}'`);
    expect(script).toContain(`link: '${m.widget.support.link}'`);
  });
});

describe("i18n", () => {
  it("has the same keys in Russian and English", () => {
    expect(keyPaths(json<Dict>("i18n/en.json"))).toEqual(keyPaths(json<Dict>("i18n/ru.json")));
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

describe("bundles", () => {
  it("keep our own code readable", () => {
    for (const name of ["app.js", "settings.js"]) {
      const r = readability(ownLines(text(name)));
      expect(r.lines, name).toBeGreaterThan(300);
      expect(r.avg, name).toBeLessThan(90);
      expect(r.indented, name).toBeGreaterThan(0.9);
    }
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
  it("keep the card's JavaScript within 15 KB gzip", () => {
    const card = gz(files["app.js"]!);
    const withEntry = gz(Buffer.concat([files["app.js"]!, files["script.js"]!]));
    const sizes = {
      "app.js (card panel)": card,
      "script.js": gz(files["script.js"]!),
      "app.js + script.js": withEntry,
      "settings.js (settings + mapping editor)": gz(files["settings.js"]!),
      "style.css": gz(files["style.css"]!),
    };
    console.log(
      "widget gzip sizes:\n" +
        Object.entries(sizes)
          .map(([k, v]) => `  ${k}: ${(v / 1024).toFixed(1)} KB (${v} B)`)
          .join("\n"),
    );
    expect(card).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
    expect(withEntry).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
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
    for (const s of selectors) expect(s, s).toMatch(/^\.lptw-[\w-]+/);
  });
});
