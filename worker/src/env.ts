// Bindings and configuration of the Worker, typed in one place, and the check that names whatever
// is missing instead of letting a request crash on it later.
import type { AmoAccountGate } from "./amocrm/gate";
import type { LptConnectionGate } from "./lptracker/gate";
import type { HookMessage, JobMessage } from "./queue/messages";
import { Problem } from "./lib/problem";

export interface Env {
  DB: D1Database;
  SYNC_QUEUE: Queue<JobMessage>;
  HOOK_QUEUE: Queue<HookMessage>;
  FILES: R2Bucket;
  AMO_GATE: DurableObjectNamespace<AmoAccountGate>;
  LPT_GATE: DurableObjectNamespace<LptConnectionGate>;
  ASSETS?: Fetcher;

  PUBLIC_ORIGIN?: string;
  AMOCRM_CLIENT_ID?: string;
  AMOCRM_CLIENT_SECRET?: string;
  AMOCRM_REDIRECT_URI?: string;
  LPTRACKER_API_ORIGIN?: string;
  AMOCRM_API_ORIGIN?: string;
  ENCRYPTION_KEY?: string;
  SESSION_SECRET?: string;
  AMOCRM_RATE_PER_SECOND?: string;
  LPTRACKER_RATE_PER_SECOND?: string;
  AMOCRM_TIMEOUT_MS?: string;
  LPTRACKER_TIMEOUT_MS?: string;
  MAX_BODY_BYTES?: string;
  MAX_UPLOAD_BYTES?: string;
  UNINSTALL_GRACE_DAYS?: string;
  /** Seconds to wait for amoCRM's OAuth code after an install before the widget calls it lost (default 120). */
  INSTALL_WAIT_SECONDS?: string;
  /** "1" in the local sandbox: the sandbox entry (sandbox.ts) serves /dev/* only then. */
  SANDBOX?: string;
  /** Sandbox only (read by sandbox.ts): the origin of the local amoCRM host page, allowed by the widget API's CORS. */
  DEV_HOST_ORIGIN?: string;
  /** Optional: who processes the data and how to reach them, named on the /privacy page. */
  PRIVACY_OPERATOR?: string;
  PRIVACY_CONTACT?: string;
}

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
const BINDINGS = ["DB", "SYNC_QUEUE", "HOOK_QUEUE", "FILES", "AMO_GATE", "LPT_GATE"] as const;

function num(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value && Number.isFinite(n) && n > 0 ? n : fallback;
}

function trimOrigin(value: string): string {
  return value.replace(/\/+$/, "");
}

const cache = new WeakMap<Env, Config>();

/** Reads and checks the configuration; throws a 500 problem naming every missing value. */
export function config(env: Env): Config {
  const hit = cache.get(env);
  if (hit) return hit;
  const missing: string[] = [];
  for (const name of REQUIRED) if (!env[name] || !String(env[name]).trim()) missing.push(name);
  for (const name of BINDINGS) if (!env[name]) missing.push(`${name} (binding)`);
  if (missing.length) {
    throw new Problem(
      "missing-config",
      `The server is missing configuration: ${missing.join(", ")}. Set secrets with \`wrangler secret put NAME\` (locally in .dev.vars) and vars in wrangler.toml.`,
      { missing },
    );
  }
  const cfg: Config = {
    publicOrigin: trimOrigin(env.PUBLIC_ORIGIN!),
    amoClientId: env.AMOCRM_CLIENT_ID!,
    amoClientSecret: env.AMOCRM_CLIENT_SECRET!,
    amoRedirectUri: env.AMOCRM_REDIRECT_URI!,
    lptApiOrigin: trimOrigin(env.LPTRACKER_API_ORIGIN || "https://direct.lptracker.ru"),
    amoApiOrigin: env.AMOCRM_API_ORIGIN ? trimOrigin(env.AMOCRM_API_ORIGIN) : null,
    encryptionKey: env.ENCRYPTION_KEY!,
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
