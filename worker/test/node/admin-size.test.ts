// The admin page's JavaScript budget: everything the browser downloads as JS, gzipped, stays
// under 80 KB. Builds into a temporary folder so that it never races the browser tests' build.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { build } from "vite";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const BUDGET_BYTES = 80 * 1024;
const outDir = mkdtempSync(path.join(os.tmpdir(), "admin-size-"));

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe("admin page size", () => {
  it("ships at most 80 KB of gzipped JavaScript, without zod and without inline scripts", async () => {
    // Vitest sets NODE_ENV=test, which would make Vite build the development variant.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = "production";
    try {
      await build({ configFile: path.join(ROOT, "admin/vite.config.ts"), logLevel: "warn", build: { outDir, emptyOutDir: true } });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    const js = files(outDir).filter((f) => f.endsWith(".js"));
    expect(js.length).toBeGreaterThan(0);
    const gz = js.reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
    const raw = js.reduce((n, f) => n + readFileSync(f).length, 0);
    console.log(`admin JS: ${(raw / 1024).toFixed(1)} KB raw, ${(gz / 1024).toFixed(1)} KB gzip in ${js.length} file(s); budget ${BUDGET_BYTES / 1024} KB`);
    expect(gz).toBeLessThanOrEqual(BUDGET_BYTES);
    const bundle = js.map((f) => readFileSync(f, "utf8")).join("\n");
    // The rule vocabulary comes from sync/schemas.ts without its zod schemas.
    expect(bundle).not.toMatch(/ZodError|\$ZodType/);
    expect(bundle).toContain("amo.lead.status_changed");
    const html = readFileSync(path.join(outDir, "index.html"), "utf8");
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/i);
  }, 120_000);
});
