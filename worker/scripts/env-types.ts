// Writes worker/worker-configuration.d.ts (the Worker's `Env`) with `wrangler types`, or with `--check`
// fails when the committed file no longer matches wrangler.toml and .dev.vars.example.
// wrangler 4.86's own `types --check` ignores `--env-file`, so it would compare against the secrets of
// whatever .dev.vars happens to exist; this check generates the file afresh and compares instead.
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const ENV_TYPES_FILE = path.join(ROOT, "worker", "worker-configuration.d.ts");

// Runtime types come from @cloudflare/workers-types; vars are plain strings because each deploy
// sets its own; secrets are named by .dev.vars.example, never by a developer's own .dev.vars.
const FLAGS = ["--include-runtime=false", "--strict-vars=false", "--env-file", ".dev.vars.example"];

export function generateEnvTypes(file: string): void {
  execFileSync(path.join(ROOT, "node_modules", ".bin", "wrangler"), ["types", path.relative(ROOT, file), ...FLAGS], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1", CI: "1" },
    stdio: "pipe",
  });
}

/** The header names the output path; two files for the same configuration differ only there. */
function normalise(text: string): string {
  return text.replace(/(running `wrangler types )\S+/, "$1<file>");
}

/** True when `file` is what `wrangler types` generates now (generated beside it, so import paths match). */
export function envTypesCurrent(file: string = ENV_TYPES_FILE): boolean {
  const fresh = path.join(path.dirname(file), `.env-types-check-${process.pid}-${Date.now()}.d.ts`);
  try {
    generateEnvTypes(fresh);
    let committed: string;
    try {
      committed = readFileSync(file, "utf8");
    } catch {
      return false;
    }
    return normalise(readFileSync(fresh, "utf8")) === normalise(committed);
  } finally {
    rmSync(fresh, { force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const rel = path.relative(ROOT, ENV_TYPES_FILE);
  if (process.argv.includes("--check")) {
    if (!envTypesCurrent()) {
      console.error(`${rel} is out of date with wrangler.toml / .dev.vars.example: run \`npm run types\` and commit it.`);
      process.exit(1);
    }
    console.log(`${rel} is up to date.`);
  } else {
    generateEnvTypes(ENV_TYPES_FILE);
    console.log(`Wrote ${rel}.`);
  }
}
