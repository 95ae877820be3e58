// Packs the widget archive for the amoCRM marketplace: manifest.json, script.js, the bundles, i18n/
// and images/ at the archive's root, with our server's origin and the support contacts written into
// script.js and manifest.json. A release archive refuses anything a real account could not use: an
// http:// or loopback origin, or placeholder contacts. A sandbox archive needs --sandbox.
// Run: npm run widget:zip [-- --sandbox]   (configuration: README → "Release archive")
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { strToU8, zipSync, type Zippable } from "fflate";
import { ROOT, readText, scriptWithApiOrigin, widgetFiles } from "./files";

export const ZIP_PATH = path.join(ROOT, "widget.zip");
export const SANDBOX_ZIP_PATH = path.join(ROOT, "widget-sandbox.zip");
/** Optional file with the release settings; environment variables override it. */
export const RELEASE_CONFIG_PATH = path.join(ROOT, "widget", "release.json");

// A fixed date keeps the archive byte-identical between builds of the same files.
const MTIME = new Date("2025-01-01T00:00:00Z");

export interface ReleaseConfig {
  /** Where the widget sends its requests: our Worker's public origin, `https://host`. */
  apiOrigin: string;
  support: { link: string; email: string };
}

export class ReleaseConfigError extends Error {}

const HOSTS_NOT_PUBLIC = /^(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[::1?\]|10(?:\.\d{1,3}){3}|192\.168(?:\.\d{1,3}){2}|172\.(?:1[6-9]|2\d|3[01])(?:\.\d{1,3}){2})$/i;
/** Reserved names (RFC 2606/6761) and the like: what a template leaves behind, never a real contact. */
const PLACEHOLDER_HOST = /(?:^|\.)(?:example\.(?:com|net|org)|example|test|invalid|localhost|local)$/i;
const PLACEHOLDER_WORD = /\b(?:todo|changeme|change-me|placeholder|your[-_]?(?:domain|company|server)|xxx+)\b/i;

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

/** Every reason the configuration cannot go into a release archive (empty: it can). */
export function releaseProblems(cfg: ReleaseConfig): string[] {
  const out: string[] = [];
  let origin: URL | null = null;
  try {
    origin = new URL(cfg.apiOrigin);
  } catch {
    out.push(`API origin ${JSON.stringify(cfg.apiOrigin)} is not a URL; set WIDGET_API_ORIGIN=https://your-worker.example.ru`);
  }
  if (origin) {
    if (origin.protocol !== "https:") out.push(`API origin ${cfg.apiOrigin} is not https://: amoCRM pages are https and browsers block http requests from them`);
    if (HOSTS_NOT_PUBLIC.test(origin.hostname)) out.push(`API origin ${cfg.apiOrigin} is a loopback or private address that no amoCRM user can reach`);
    else if (PLACEHOLDER_HOST.test(origin.hostname)) out.push(`API origin ${cfg.apiOrigin} is a placeholder host`);
    if (origin.pathname !== "/" || origin.search || origin.hash || origin.username) out.push(`API origin ${cfg.apiOrigin} must be an origin only (https://host[:port]), without a path`);
  }
  const link = cfg.support.link.trim();
  const linkHost = hostOf(link);
  if (!linkHost || !link.startsWith("https://")) out.push(`support link ${JSON.stringify(link)} must be an https:// address; set WIDGET_SUPPORT_LINK`);
  else if (PLACEHOLDER_HOST.test(linkHost) || HOSTS_NOT_PUBLIC.test(linkHost) || PLACEHOLDER_WORD.test(link)) out.push(`support link ${link} is a placeholder; set WIDGET_SUPPORT_LINK to your real support page`);
  const email = cfg.support.email.trim();
  const m = /^[^@\s'"\\]+@([^@\s'"\\]+\.[a-z]{2,})$/i.exec(email);
  if (!m) out.push(`support e-mail ${JSON.stringify(email)} is not an e-mail address; set WIDGET_SUPPORT_EMAIL`);
  else if (PLACEHOLDER_HOST.test(m[1]!) || PLACEHOLDER_WORD.test(email)) out.push(`support e-mail ${email} is a placeholder; set WIDGET_SUPPORT_EMAIL to a mailbox someone reads`);
  return out;
}

/** PUBLIC_ORIGIN from wrangler.toml's [vars]: the sandbox's default origin. */
function wranglerOrigin(): string | null {
  const toml = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
  return /^PUBLIC_ORIGIN\s*=\s*"([^"]+)"/m.exec(toml)?.[1] ?? null;
}

function repoSupport(): ReleaseConfig["support"] {
  const manifest = JSON.parse(readText(path.join(ROOT, "widget", "manifest.json"))) as { widget: { support: ReleaseConfig["support"] } };
  return manifest.widget.support;
}

/**
 * The release settings: environment (WIDGET_API_ORIGIN, WIDGET_SUPPORT_LINK, WIDGET_SUPPORT_EMAIL)
 * over widget/release.json ({ apiOrigin, support: { link, email } }); a sandbox build falls back to
 * PUBLIC_ORIGIN from wrangler.toml and the repository's placeholder contacts.
 */
export function loadReleaseConfig(env: NodeJS.ProcessEnv = process.env, opts: { sandbox?: boolean; file?: string } = {}): ReleaseConfig {
  const file = opts.file ?? RELEASE_CONFIG_PATH;
  let fromFile: Partial<{ apiOrigin: string; support: Partial<ReleaseConfig["support"]> }> = {};
  if (existsSync(file)) {
    try {
      fromFile = JSON.parse(readFileSync(file, "utf8")) as typeof fromFile;
    } catch (err) {
      throw new ReleaseConfigError(`${path.relative(ROOT, file)} is not valid JSON: ${(err as Error).message}`);
    }
  }
  const pick = (envName: string, value: string | undefined) => env[envName]?.trim() || value?.trim() || "";
  const fallback = opts.sandbox ? repoSupport() : { link: "", email: "" };
  const apiOrigin = pick("WIDGET_API_ORIGIN", fromFile.apiOrigin) || (opts.sandbox ? (wranglerOrigin() ?? "") : "");
  if (!apiOrigin) throw new ReleaseConfigError("No API origin: set WIDGET_API_ORIGIN=https://your-worker.example.ru or apiOrigin in widget/release.json");
  return {
    apiOrigin: apiOrigin.replace(/\/+$/, ""),
    support: { link: pick("WIDGET_SUPPORT_LINK", fromFile.support?.link) || fallback.link, email: pick("WIDGET_SUPPORT_EMAIL", fromFile.support?.email) || fallback.email },
  };
}

const SUPPORT_BLOCK = /(var SUPPORT = \{\s*email: )'[^']*'(,\s*link: )'[^']*'/;

/** script.js with the support contacts the settings modal shows filled in. */
export function scriptWithSupport(source: string, support: ReleaseConfig["support"]): string {
  if (!SUPPORT_BLOCK.test(source)) throw new Error("script.js has no `var SUPPORT = { email: '…', link: '…' }` block to fill in");
  for (const v of [support.email, support.link]) if (/['\\\n]/.test(v)) throw new ReleaseConfigError(`support contact ${JSON.stringify(v)} has a quote, backslash or line break`);
  return source.replace(SUPPORT_BLOCK, `$1'${support.email}'$2'${support.link}'`);
}

/** manifest.json with amoCRM's mandatory support contacts (widget.support) filled in. */
export function manifestWithSupport(source: string, support: ReleaseConfig["support"]): string {
  const manifest = JSON.parse(source) as { widget: { support: ReleaseConfig["support"] } };
  manifest.widget.support = { link: support.link, email: support.email };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** The path of our Digital Pipeline hook on the Worker (worker/src/routes/hooks-dp.ts). */
export const DP_HOOK_PATH = "/hooks/amocrm/dp";

/** manifest.json with the Digital Pipeline action's webhook_url on our Worker's origin. */
export function manifestWithDpHook(source: string, apiOrigin: string): string {
  const manifest = JSON.parse(source) as { dp?: { webhook_url?: string } };
  if (!manifest.dp) throw new Error("manifest.json has no `dp` block to point at the Worker");
  manifest.dp.webhook_url = `${apiOrigin.replace(/\/+$/, "")}${DP_HOOK_PATH}`;
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

export function buildArchive(cfg: ReleaseConfig | string): Uint8Array {
  const config: ReleaseConfig = typeof cfg === "string" ? { apiOrigin: cfg, support: repoSupport() } : cfg;
  const tree: Zippable = {};
  for (const f of widgetFiles()) {
    let data: Uint8Array;
    if (f.name === "script.js") data = strToU8(scriptWithSupport(scriptWithApiOrigin(readText(f.source), config.apiOrigin), config.support));
    else if (f.name === "manifest.json") data = strToU8(manifestWithDpHook(manifestWithSupport(readText(f.source), config.support), config.apiOrigin));
    else data = new Uint8Array(readFileSync(f.source));
    tree[f.name] = [data, { mtime: MTIME, level: 9 }];
  }
  return zipSync(tree);
}

/** Builds the archive the command line asks for; refuses a release with the reasons, each on its own line. */
export function packFromCli(argv: string[], env: NodeJS.ProcessEnv = process.env, opts: { outDir?: string; configFile?: string } = {}): { file: string; bytes: number; config: ReleaseConfig } {
  const sandbox = argv.includes("--sandbox");
  const config = loadReleaseConfig(env, { sandbox, file: opts.configFile });
  if (!sandbox) {
    const problems = releaseProblems(config);
    if (problems.length) {
      throw new ReleaseConfigError(
        `Refusing to build a release widget.zip:\n${problems.map((p) => `  - ${p}`).join("\n")}\n` +
          "Set the values (README → «Release archive»), or build a local test archive with `npm run widget:zip -- --sandbox`.",
      );
    }
  }
  const zip = buildArchive(config);
  const file = path.join(opts.outDir ?? ROOT, path.basename(sandbox ? SANDBOX_ZIP_PATH : ZIP_PATH));
  writeFileSync(file, zip);
  return { file, bytes: zip.length, config };
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  try {
    const { file, bytes, config } = packFromCli(process.argv.slice(2));
    console.log(`${path.relative(ROOT, file)}: ${(bytes / 1024).toFixed(1)} KB; the widget calls ${config.apiOrigin}; support ${config.support.link}, ${config.support.email}`);
  } catch (err) {
    if (!(err instanceof ReleaseConfigError)) throw err;
    console.error(err.message);
    process.exitCode = 1;
  }
}
