// The production bundle (wrangler.toml's `main`, built as `wrangler deploy --dry-run` builds it)
// carries no sandbox code: no host page, no /dev/* routes, no parse bench, no chaos switch, no
// SANDBOX switch. The sandbox entry's bundle is built the same way and must carry them, so a marker
// that stopped matching anything would show here rather than let the check pass vacuously.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, SANDBOX_ENTRY } from "../../scripts/sandbox-lib";

const MARKERS = ["/dev/", "host-boot", "parse-bench", "devHostRoutes", "SANDBOX", "chaos"];

let dir = "";
let production = "";
let sandbox = "";

function build(outdir: string, entry?: string): string {
  execFileSync(path.join(ROOT, "node_modules", ".bin", "wrangler"), ["deploy", ...(entry ? [entry] : []), "--dry-run", "--outdir", outdir], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "1" },
    stdio: "pipe",
  });
  return readFileSync(path.join(outdir, entry ? `${path.basename(entry, ".ts")}.js` : "index.js"), "utf8");
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "bundle-check-"));
  production = build(path.join(dir, "production"));
  sandbox = build(path.join(dir, "sandbox"), SANDBOX_ENTRY);
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("production bundle", () => {
  it("is the whole Worker (routes, queue consumer, Durable Objects)", () => {
    for (const piece of ["/oauth/amocrm/disconnect", "/api/admin/imports", "/hooks/lptracker/", "AmoAccountGate", "LptConnectionGate", "handleQueue"]) {
      expect(production, piece).toContain(piece);
    }
  });

  it.each(MARKERS)("does not contain %s", (marker) => {
    expect(production.includes(marker)).toBe(false);
  });

  it("the sandbox entry's bundle does contain the sandbox markers (the check above is not vacuous)", () => {
    for (const marker of ["/dev/", "host-boot", "parse-bench", "devHostRoutes", "SANDBOX"]) expect(sandbox, marker).toContain(marker);
  });
});
