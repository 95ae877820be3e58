// amoCRM's "integration disabled" hook: checks the HMAC signature, marks the account uninstalled
// (its data is kept for the grace period, then purged) and makes its Durable Object drop the tokens.
import { Hono, type Context } from "hono";
import { eq } from "drizzle-orm";
import type { Env } from "../env";
import type { AppEnv } from "../lib/hono-env";
import { Problem } from "../lib/problem";
import { logError, logInfo, logWarn } from "../lib/log";
import { accounts } from "../db/schema";
import { getAccount } from "../db/accounts";
import { tenant, type Tenant } from "../db/tenant";
import { auditInsert, writeAudit } from "../db/audit";
import { amoGate } from "../amocrm/gate";

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
            throw new Problem("bad-request", "The disconnect hook body is not valid JSON.");
          }
          if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) sources.push(["json", pick(parsed as Record<string, unknown>)]);
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

function hexBytes(hex: string): Uint8Array | null {
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
    const stub = amoGate(env, t.accountId) as unknown as { forgetTokens?: () => Promise<void> };
    if (typeof stub.forgetTokens !== "function") throw new Error("the account gate has no forgetTokens()");
    await stub.forgetTokens();
    return true;
  } catch (err) {
    logError("disconnect: could not drop amoCRM tokens", err, { accountId: t.accountId, requestId });
    await writeAudit(t, {
      level: "error",
      source: "amocrm",
      action: "account.tokens_not_forgotten",
      message: "Не удалось удалить токены amoCRM после отключения / Could not delete the amoCRM tokens after the uninstall",
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
    throw new Problem("bad-request", "The disconnect hook needs `account_id`, `client_uuid` and `signature`.", {
      missing: FIELDS.filter((f) => params[f] === undefined),
    });
  }
  const accountId = /^\d{1,15}$/.test(rawAccountId) ? Number(rawAccountId) : 0;
  if (!Number.isSafeInteger(accountId) || accountId <= 0) throw new Problem("bad-request", "`account_id` must be a positive integer.");
  if (clientUuid !== cfg.amoClientId) {
    logWarn("disconnect hook for another integration refused", { requestId, accountId });
    throw new Problem("unauthorized", "`client_uuid` is not this integration's id.", { reason: "client" });
  }
  if (!(await verifyDisconnectSignature(cfg.amoClientSecret, clientUuid, rawAccountId, signature))) {
    logWarn("disconnect hook with a bad signature refused", { requestId, accountId });
    throw new Problem("unauthorized", "The disconnect hook signature does not match.", { reason: "signature" });
  }

  const t = tenant(c.var.db, accountId);
  const account = await getAccount(t);
  if (!account) {
    logInfo("disconnect hook for an account we do not know; nothing to do", { requestId, accountId });
    return c.json({ ok: true });
  }
  // A repeated hook must not push the purge date further out.
  if (account.status !== "uninstalled") {
    const now = Date.now();
    const purgeAfter = now + cfg.uninstallGraceDays * DAY_MS;
    await c.var.db.batch([
      c.var.db
        .update(accounts)
        .set({ status: "uninstalled", statusReason: "disabled in amoCRM", uninstalledAt: now, purgeAfter, updatedAt: now })
        .where(eq(accounts.accountId, accountId)),
      auditInsert(t, {
        level: "warn",
        source: "amocrm",
        action: "account.uninstalled",
        message: `Интеграция отключена в amoCRM; данные будут удалены через ${cfg.uninstallGraceDays} дн., если её не установят снова / The integration was disabled in amoCRM; data is deleted after ${cfg.uninstallGraceDays} days unless it is reinstalled`,
        data: { purgeAfter, variant },
        requestId,
      }),
    ]);
  }
  await forgetAmoTokens(c.env, t, requestId);
  return c.json({ ok: true });
}

export function disconnectRoutes() {
  const r = new Hono<AppEnv>();
  r.get("/oauth/amocrm/disconnect", disconnect);
  r.post("/oauth/amocrm/disconnect", disconnect);
  return r;
}
