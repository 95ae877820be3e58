// amoCRM's "integration disabled" hook: checks the HMAC signature, confirms with amoCRM that our
// access is really gone, then marks the account uninstalled (its data is kept for the grace period,
// then purged) and makes its Durable Object drop the tokens.
import { Hono, type Context } from "hono";
import { and, eq, gt, ne } from "drizzle-orm";
import { config, type Env } from "../env";
import type { AppEnv } from "../lib/hono-env";
import { Problem } from "../lib/problem";
import { logError, logInfo, logWarn } from "../lib/log";
import { errorText } from "../lib/error-text";
import { accounts, auditLog } from "../db/schema";
import { getAccount } from "../db/accounts";
import { tenant, type Tenant } from "../db/tenant";
import { writeAudit } from "../db/audit";
import { makeDb } from "../db/client";
import { RetryLater } from "../queue/retry";
import { amoGate } from "../amocrm/gate";
import { isPlainObject } from "../lib/json-guard";
import { auditText } from "../lib/audit-texts";

const DAY_MS = 24 * 60 * 60 * 1000;
const FIELDS = ["account_id", "client_uuid", "signature"] as const;
type Field = (typeof FIELDS)[number];
type HookParams = Partial<Record<Field, string>>;

function scalar(value: unknown): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (typeof v === "string") return v.trim() || undefined;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

function pick(source: Record<string, unknown>): HookParams {
  const out: HookParams = {};
  for (const f of FIELDS) {
    const v = scalar(source[f]);
    if (v !== undefined) out[f] = v;
  }
  return out;
}

/**
 * amoCRM's exact request is not documented (query GET per one implementation, JSON POST per
 * another), so every shape is read; `variant` says which one carried the fields.
 */
async function readParams(c: Context<AppEnv>): Promise<{ params: HookParams; variant: string }> {
  const sources: [string, HookParams][] = [];
  if (c.req.method === "POST") {
    const type = (c.req.header("content-type") ?? "").toLowerCase();
    if (type.includes("multipart/form-data")) {
      sources.push(["multipart", pick(await c.req.parseBody().catch(() => ({})))]);
    } else {
      const text = (await c.req.text()).trim();
      if (text) {
        if (type.includes("json") || text.startsWith("{")) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            throw new Problem("disconnect_body_invalid");
          }
          if (isPlainObject(parsed)) sources.push(["json", pick(parsed)]);
        } else {
          sources.push(["form", pick(Object.fromEntries(new URLSearchParams(text)))]);
        }
      }
    }
  }
  sources.push(["query", pick(c.req.query())]);

  const params: HookParams = {};
  const used = new Set<string>();
  for (const [name, found] of sources) {
    for (const f of FIELDS) {
      if (params[f] === undefined && found[f] !== undefined) {
        params[f] = found[f];
        used.add(name);
      }
    }
  }
  return { params, variant: used.size ? [...used].join("+") : "none" };
}

function hexBytes(hex: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return null;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** `signature` = hex HMAC-SHA256(client secret, "{client_uuid}|{account_id}"); verify() compares in constant time. */
export async function verifyDisconnectSignature(secret: string, clientUuid: string, accountId: string, signature: string): Promise<boolean> {
  const mac = hexBytes(signature);
  if (!mac) return false;
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  return crypto.subtle.verify("HMAC", key, mac, enc.encode(`${clientUuid}|${accountId}`));
}

/** Drops the account's amoCRM tokens. A failure must not fail the hook: amoCRM does not resend it. */
async function forgetAmoTokens(env: Env, t: Tenant, requestId: string): Promise<boolean> {
  try {
    await amoGate(env, t.accountId).forgetTokens();
    return true;
  } catch (err) {
    logError("disconnect: could not drop amoCRM tokens", err, { accountId: t.accountId, requestId });
    await writeAudit(t, {
      level: "error",
      source: "amocrm",
      action: "account.tokens_not_forgotten",
      ...auditText("tokens_not_forgotten"),
      requestId,
    }).catch(() => undefined);
    return false;
  }
}

async function disconnect(c: Context<AppEnv>): Promise<Response> {
  const cfg = c.var.cfg;
  const requestId = c.var.requestId;
  const { params, variant } = await readParams(c);
  logInfo("amoCRM disconnect hook received", {
    requestId,
    method: c.req.method,
    contentType: c.req.header("content-type") ?? null,
    variant,
    fields: FIELDS.filter((f) => params[f] !== undefined),
    accountId: params.account_id ?? null,
  });

  const { account_id: rawAccountId, client_uuid: clientUuid, signature } = params;
  if (!rawAccountId || !clientUuid || !signature) {
    throw new Problem("disconnect_fields_missing", {}, {
      missing: FIELDS.filter((f) => params[f] === undefined),
    });
  }
  const accountId = /^\d{1,15}$/.test(rawAccountId) ? Number(rawAccountId) : 0;
  if (!Number.isSafeInteger(accountId) || accountId <= 0) throw new Problem("disconnect_account_invalid");
  if (clientUuid !== cfg.amoClientId) {
    logWarn("disconnect hook for another integration refused", { requestId, accountId });
    throw new Problem("disconnect_client_mismatch", {}, { reason: "client" });
  }
  if (!(await verifyDisconnectSignature(cfg.amoClientSecret, clientUuid, rawAccountId, signature))) {
    logWarn("disconnect hook with a bad signature refused", { requestId, accountId });
    throw new Problem("disconnect_signature_mismatch", {}, { reason: "signature" });
  }

  const t = tenant(c.var.db, accountId);
  const account = await getAccount(t);
  if (!account) {
    logInfo("disconnect hook for an account we do not know; nothing to do", { requestId, accountId });
    return c.json({ ok: true });
  }
  // A repeated hook must not push the purge date further out.
  if (account.status === "uninstalled") {
    await forgetAmoTokens(c.env, t, requestId);
    return c.json({ ok: true });
  }
  const outcome = await decideDisconnect(c.env, t, { variant, requestId, recheck: false });
  if (outcome === "refused") {
    throw new Problem("disconnect_access_still_valid", {}, { reason: "access_still_valid" });
  }
  if (outcome === "pending") return c.json({ ok: true, pending: true }, 202);
  return c.json({ ok: true });
}

/** How long after a refused hook the access is asked about once more (amoCRM may revoke a moment after it calls). */
export const LIVE_RECHECK_SECONDS = 300;
/** The first retry when amoCRM could not be asked; later ones double, up to an hour. */
const UNKNOWN_RETRY_SECONDS = 60;

export interface DisconnectCheck {
  variant: string;
  requestId?: string;
  /** A second look after a refusal: when amoCRM still accepts us then, the hook is dropped for good. */
  recheck: boolean;
}

async function askAmo(env: Env, accountId: number): Promise<{ verdict: "gone" | "live" | "unknown"; detail: string }> {
  try {
    return await amoGate(env, accountId).confirmAccessGone();
  } catch (err) {
    return { verdict: "unknown", detail: `the account gate failed: ${errorText(err)}` };
  }
}

/**
 * Applies a signed uninstall hook only once amoCRM confirms our access is gone: `uninstalled`; our
 * token still works: `refused` (audited, nothing changed; one later re-check is queued unless this
 * is it); amoCRM unreachable: `pending` (a queued check retries, nothing is wiped meanwhile).
 */
export async function decideDisconnect(env: Env, t: Tenant, check: DisconnectCheck, attempts = 0): Promise<"uninstalled" | "refused" | "pending"> {
  const { verdict, detail } = await askAmo(env, t.accountId);
  if (verdict === "gone") {
    await markUninstalled(env, t, check, detail);
    return "uninstalled";
  }
  if (verdict === "live") {
    logWarn("disconnect hook refused: amoCRM still accepts our access", { requestId: check.requestId, accountId: t.accountId, recheck: check.recheck });
    // A hook replayed over and over leaves one audit row and one queued re-check per window, not one per request.
    if (!check.recheck && (await recentAudit(t, "account.disconnect_refused", LIVE_RECHECK_SECONDS * 1000))) return "refused";
    await writeAudit(t, {
      level: "warn",
      source: "amocrm",
      action: "account.disconnect_refused",
      ...auditText(check.recheck ? "disconnect_refused_final" : "disconnect_refused", {}, { variant: check.variant, detail, recheck: check.recheck }),
      requestId: check.requestId,
    });
    if (!check.recheck) {
      await env.SYNC_QUEUE.send({ kind: "disconnect-check", accountId: t.accountId, variant: check.variant, requestId: check.requestId, recheck: true }, { delaySeconds: LIVE_RECHECK_SECONDS });
    }
    return "refused";
  }
  logWarn("disconnect hook pending: amoCRM could not confirm the access is gone", { requestId: check.requestId, accountId: t.accountId, detail });
  if (attempts === 0 && !(await recentAudit(t, "account.disconnect_pending", UNKNOWN_RETRY_SECONDS * 1000))) {
    await writeAudit(t, {
      level: "warn",
      source: "amocrm",
      action: "account.disconnect_pending",
      ...auditText("disconnect_pending", {}, { variant: check.variant, detail }),
      requestId: check.requestId,
    });
    await env.SYNC_QUEUE.send({ kind: "disconnect-check", accountId: t.accountId, variant: check.variant, requestId: check.requestId, recheck: check.recheck }, { delaySeconds: UNKNOWN_RETRY_SECONDS });
  }
  return "pending";
}

async function recentAudit(t: Tenant, action: string, withinMs: number): Promise<boolean> {
  const rows = await t.db
    .select({ id: auditLog.id })
    .from(auditLog)
    .where(and(eq(auditLog.accountId, t.accountId), eq(auditLog.action, action), gt(auditLog.at, Date.now() - withinMs)))
    .limit(1);
  return rows.length > 0;
}

/** The queued check of a hook amoCRM could not confirm yet (or a refusal's one re-check). */
export async function runDisconnectCheckJob(env: Env, msg: { accountId: number } & DisconnectCheck, attempts: number): Promise<void> {
  const t = tenant(makeDb(env.DB), msg.accountId);
  const account = await getAccount(t);
  if (!account || account.status === "uninstalled") return;
  // `attempts` > 0 keeps a retry from queueing yet another check: the queue's own retry does that.
  const outcome = await decideDisconnect(env, t, msg, Math.max(attempts, 1));
  if (outcome === "pending") throw new RetryLater(Math.min(UNKNOWN_RETRY_SECONDS * 2 ** attempts, 3600), "amoCRM could not confirm the uninstall yet");
}

/** Out of retries: amoCRM never answered. Nothing is wiped; the keep-alive refresh finds a real revocation later. */
export async function deadDisconnectCheckJob(env: Env, accountId: number, attempts: number): Promise<void> {
  await writeAudit(tenant(makeDb(env.DB), accountId), {
    level: "error",
    source: "amocrm",
    action: "account.disconnect_unconfirmed",
    ...auditText("disconnect_unconfirmed", { attempts }),
  });
}

async function markUninstalled(env: Env, t: Tenant, check: DisconnectCheck, confirmation: string): Promise<void> {
  const cfg = config(env);
  const db = makeDb(env.DB);
  const now = Date.now();
  const purgeAfter = now + cfg.uninstallGraceDays * DAY_MS;
  // The status condition keeps a hook and its queued check from both starting the grace period.
  const done = await db
    .update(accounts)
    .set({ status: "uninstalled", statusReason: "disabled in amoCRM", uninstalledAt: now, purgeAfter, updatedAt: now })
    .where(and(eq(accounts.accountId, t.accountId), ne(accounts.status, "uninstalled")))
    .returning({ id: accounts.accountId });
  if (done.length) {
    await writeAudit(t, {
      level: "warn",
      source: "amocrm",
      action: "account.uninstalled",
      ...auditText("uninstalled", { days: cfg.uninstallGraceDays }, { purgeAfter, variant: check.variant, confirmation }),
      requestId: check.requestId,
    });
  }
  await forgetAmoTokens(env, t, check.requestId ?? "queue");
}

export function disconnectRoutes() {
  const r = new Hono<AppEnv>();
  r.get("/oauth/amocrm/disconnect", disconnect);
  r.post("/oauth/amocrm/disconnect", disconnect);
  return r;
}
