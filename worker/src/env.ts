// Bindings and configuration of the Worker, typed in one place, and the check that names whatever
// is missing instead of letting a request crash on it later.
import type { HookMessage, JobMessage } from "./queue/messages";
import { Problem } from "./lib/problem";

/**
 * Bindings, vars and secrets as `wrangler types` reads them from wrangler.toml and .dev.vars.example
 * (worker/worker-configuration.d.ts; `npm run types` regenerates it, `npm run types:check` fails when
 * it is stale).
 */
type Generated = Cloudflare.Env;
type VarName = { [K in keyof Generated]-?: Generated[K] extends string ? K : never }[keyof Generated];

/**
 * The Worker's env: the generated bindings, with the queues typed by their messages. Every var and
 * secret may be missing or malformed in a deploy, so each is optional here and `config()` checks it.
 */
export type Env = Omit<Generated, VarName | "SYNC_QUEUE" | "HOOK_QUEUE" | "ASSETS"> &
  Partial<Pick<Generated, VarName>> & {
    SYNC_QUEUE: Queue<JobMessage>;
    HOOK_QUEUE: Queue<HookMessage>;
    /** Absent when the Worker runs without its static assets (the Worker test pool). */
    ASSETS?: Fetcher;
    /** Optional vars that wrangler.toml leaves out (their defaults live in `config()`). */
    AMOCRM_TIMEOUT_MS?: string;
    LPTRACKER_TIMEOUT_MS?: string;
    /** Seconds to wait for amoCRM's OAuth code after an install before the widget calls it lost (default 120). */
    INSTALL_WAIT_SECONDS?: string;
    /** Sandbox only (read by sandbox.ts): the origin of the local amoCRM host page, allowed by the widget API's CORS. */
    DEV_HOST_ORIGIN?: string;
  };

/** Configuration after validation: every required value is present. */
export interface Config {
  publicOrigin: string;
  amoClientId: string;
  amoClientSecret: string;
  amoRedirectUri: string;
  lptApiOrigin: string;
  amoApiOrigin: string | null;
  encryptionKey: string;
  sessionSecret: string;
  amoRatePerSecond: number;
  lptRatePerSecond: number;
  amoTimeoutMs: number;
  lptTimeoutMs: number;
  maxBodyBytes: number;
  maxUploadBytes: number;
  uninstallGraceDays: number;
  installWaitMs: number;
  sandbox: boolean;
  /** The sandbox's amoCRM host page origin; null outside the sandbox. */
  devHostOrigin: string | null;
}

const REQUIRED = ["PUBLIC_ORIGIN", "AMOCRM_CLIENT_ID", "AMOCRM_CLIENT_SECRET", "AMOCRM_REDIRECT_URI", "ENCRYPTION_KEY", "SESSION_SECRET"] as const;
const BINDINGS = ["DB", "SYNC_QUEUE", "HOOK_QUEUE", "FILES", "AMO_GATE", "LPT_GATE", "LPT_HOOK_LIMITER", "AMO_HOOK_LIMITER", "INSTALL_LIMITER"] as const;

function num(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value && Number.isFinite(n) && n > 0 ? n : fallback;
}

export function trimOrigin(value: string): string {
  let end = value.length;
  while (end > 0 && value.charCodeAt(end - 1) === 0x2f) end--;
  return value.slice(0, end);
}

export interface InvalidVar {
  name: string;
  /** What is wrong and how to fix it, in one sentence. */
  reason: string;
}

const PLACEHOLDER = /^replace[-_ ]with/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** `id:<base64>`, or a bare base64 key (its id is then its position, as secret-box reads it). */
const KEY_ENTRY = /^(?:([A-Za-z0-9_-]{1,16}):)?([A-Za-z0-9+/_=-]{1,128})$/;

function httpUrl(value: string, originOnly: boolean): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not an absolute URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must start with https:// (or http:// locally)";
  if (originOnly && (url.pathname !== "/" || url.search || url.hash)) return `must be an origin without a path, e.g. ${url.origin}`;
  return null;
}

function decodedLength(b64: string): number | null {
  try {
    return atob(b64.replace(/-/g, "+").replace(/_/g, "/")).length;
  } catch {
    return null;
  }
}

/** ENCRYPTION_KEY: `id:<32 bytes base64>` entries, comma-separated, newest first, ids unique. */
function checkEncryptionKey(spec: string): string | null {
  const fix = "generate one with `openssl rand -base64 32` and set `v1:<that value>` (to rotate: `v2:<new>,v1:<old>`)";
  const ids = new Set<string>();
  const parts = spec.split(",").map((p) => p.trim());
  if (parts.length > 16) return `has ${parts.length} keys; keep at most 16 (retire old ones once the cron re-sealed everything)`;
  if (/replace/i.test(spec)) return `is still the placeholder from .dev.vars.example; ${fix}`;
  for (const [i, part] of parts.entries()) {
    const m = KEY_ENTRY.exec(part);
    if (!m) return `entry "${part.slice(0, 24)}${part.length > 24 ? "…" : ""}" is not \`<id>:<base64>\`; ${fix}`;
    const id = m[1] ?? `v${i + 1}`;
    const b64 = m[2]!;
    if (ids.has(id)) return `key id "${id}" appears twice; give each key its own id`;
    ids.add(id);
    const n = decodedLength(b64);
    if (n === null) return `key "${id}" is not base64; ${fix}`;
    if (n !== 32) return `key "${id}" decodes to ${n} bytes, not 32; ${fix}`;
  }
  return null;
}

function checkSecret(value: string, min: number, how: string): string | null {
  if (PLACEHOLDER.test(value)) return `is still the placeholder from .dev.vars.example; ${how}`;
  if (value.length < min) return `is ${value.length} characters long; use at least ${min} (${how})`;
  return null;
}

function checkNumber(value: string | undefined, integer: boolean): string | null {
  if (value === undefined || value.trim() === "") return null;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) return `"${value.slice(0, 32)}" is not a positive ${integer ? "whole " : ""}number; set a number such as the default, or remove it`;
  return null;
}

/** Every variable whose format is wrong, with the reason and the fix. Presence is checked before. */
export function invalidVars(env: Env): InvalidVar[] {
  const out: InvalidVar[] = [];
  const add = (name: string, reason: string | null) => {
    if (reason) out.push({ name, reason });
  };
  add("PUBLIC_ORIGIN", httpUrl(trimOrigin(env.PUBLIC_ORIGIN!.trim()), true));
  add("AMOCRM_CLIENT_ID", UUID.test(env.AMOCRM_CLIENT_ID!.trim()) ? null : "is not the integration's id (a UUID such as 00000000-0000-4000-8000-000000000001); copy it from the integration's settings in amoCRM");
  add("AMOCRM_CLIENT_SECRET", checkSecret(env.AMOCRM_CLIENT_SECRET!.trim(), 16, "copy the secret key from the integration's settings in amoCRM"));
  add("AMOCRM_REDIRECT_URI", httpUrl(env.AMOCRM_REDIRECT_URI!.trim(), false));
  add("ENCRYPTION_KEY", checkEncryptionKey(env.ENCRYPTION_KEY!.trim()));
  add("SESSION_SECRET", checkSecret(env.SESSION_SECRET!.trim(), 32, "generate one with `openssl rand -hex 32`"));
  if (env.LPTRACKER_API_ORIGIN?.trim()) add("LPTRACKER_API_ORIGIN", httpUrl(trimOrigin(env.LPTRACKER_API_ORIGIN.trim()), true));
  if (env.AMOCRM_API_ORIGIN?.trim()) add("AMOCRM_API_ORIGIN", httpUrl(trimOrigin(env.AMOCRM_API_ORIGIN.trim()), true));
  for (const name of ["AMOCRM_RATE_PER_SECOND", "LPTRACKER_RATE_PER_SECOND", "AMOCRM_TIMEOUT_MS", "LPTRACKER_TIMEOUT_MS"] as const) add(name, checkNumber(env[name], false));
  for (const name of ["MAX_BODY_BYTES", "MAX_UPLOAD_BYTES", "UNINSTALL_GRACE_DAYS"] as const) add(name, checkNumber(env[name], true));
  return out;
}

const cache = new WeakMap<Env, Config | Problem>();

/** Reads and checks the configuration; throws a 500 problem naming every missing value. */
export function config(env: Env): Config {
  const hit = cache.get(env);
  if (hit instanceof Problem) throw hit;
  if (hit) return hit;
  const missing: string[] = [];
  for (const name of REQUIRED) if (!env[name] || !String(env[name]).trim()) missing.push(name);
  for (const name of BINDINGS) if (!env[name]) missing.push(`${name} (binding)`);
  if (missing.length) {
    throw new Problem("config_missing", { names: missing.join(", ") }, { missing });
  }
  // A malformed value fails every request the same way, /healthz included, instead of a 500 later.
  const invalid = invalidVars(env);
  if (invalid.length) {
    const problem = new Problem("config_invalid", { problems: invalid.map((v) => `${v.name} ${v.reason}`).join("; ") }, { invalid });
    cache.set(env, problem);
    throw problem;
  }
  const cfg: Config = {
    publicOrigin: trimOrigin(env.PUBLIC_ORIGIN!),
    amoClientId: env.AMOCRM_CLIENT_ID!,
    amoClientSecret: env.AMOCRM_CLIENT_SECRET!,
    amoRedirectUri: env.AMOCRM_REDIRECT_URI!,
    lptApiOrigin: trimOrigin(env.LPTRACKER_API_ORIGIN || "https://direct.lptracker.ru"),
    amoApiOrigin: env.AMOCRM_API_ORIGIN ? trimOrigin(env.AMOCRM_API_ORIGIN) : null,
    encryptionKey: env.ENCRYPTION_KEY!.trim(),
    sessionSecret: env.SESSION_SECRET!,
    amoRatePerSecond: num(env.AMOCRM_RATE_PER_SECOND, 7),
    lptRatePerSecond: num(env.LPTRACKER_RATE_PER_SECOND, 2),
    amoTimeoutMs: num(env.AMOCRM_TIMEOUT_MS, 20_000),
    lptTimeoutMs: num(env.LPTRACKER_TIMEOUT_MS, 20_000),
    maxBodyBytes: num(env.MAX_BODY_BYTES, 1_048_576),
    maxUploadBytes: num(env.MAX_UPLOAD_BYTES, 20 * 1_048_576),
    uninstallGraceDays: num(env.UNINSTALL_GRACE_DAYS, 30),
    installWaitMs: num(env.INSTALL_WAIT_SECONDS, 120) * 1000,
    // Only the sandbox entry (sandbox.ts) turns these on; the production entry has no sandbox switch.
    sandbox: false,
    devHostOrigin: null,
  };
  cache.set(env, cfg);
  return cfg;
}
