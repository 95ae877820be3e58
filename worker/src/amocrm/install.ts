// The install: a callback records the pending install and answers at once; this job exchanges
// the code (it lives 20 minutes, so retries are worth it), seals the tokens into the account's
// gate, stores the account, fills the metadata cache and registers our amoCRM webhook.
import { eq } from "drizzle-orm";
import type { Env } from "../env";
import { config } from "../env";
import { makeDb } from "../db/client";
import { installs } from "../db/schema";
import { tenant, type Tenant } from "../db/tenant";
import { upsertInstalledAccount } from "../db/accounts";
import { writeAudit } from "../db/audit";
import { secretBox } from "../lib/secret-box";
import { logError, logInfo } from "../lib/log";
import { amoGate } from "./gate";
import { amoHeaders, amoOrigin, decodeAccessToken, exchangeCode, OAuthError, tokenPairSchema, type TokenPair } from "./oauth";
import { AmoClient } from "./client";
import { refreshMetadata } from "./metadata";
import { amoAccountInfoSchema, amoWebhooksAnswerSchema, type AmoAccountInfo } from "../contracts/amocrm";
import { RetryLater } from "../queue/retry";
import { resumeHeld } from "../sync/run/hold";
import { errorText } from "../lib/error-text";

const CODE_LIFETIME_MS = 20 * 60 * 1000;
/**
 * Status changes and edits are what flow back to LPTracker; new leads in amoCRM are not ours to copy.
 * `delete_unsorted` tells us a manager accepted or declined an incoming lead we posted.
 */
export const AMO_WEBHOOK_EVENTS = ["update_lead", "status_lead", "delete_unsorted"];

export function installCodeContext(installId: string): string {
  return `install-code:${installId}`;
}

function installTokensContext(installId: string): string {
  return `install-tokens:${installId}`;
}

export async function runInstallJob(env: Env, installId: string): Promise<void> {
  const cfg = config(env);
  const db = makeDb(env.DB);
  const row = (await db.select().from(installs).where(eq(installs.id, installId)).limit(1))[0];
  if (!row || row.status !== "pending") return;
  const fail = async (message: string) => {
    await db.update(installs).set({ status: "failed", lastError: message, sealedTokens: null, updatedAt: Date.now() }).where(eq(installs.id, installId));
    logError("install failed", new Error(message), { installId, referer: row.referer });
  };

  const box = secretBox(cfg.encryptionKey);
  let pair: TokenPair;
  if (row.sealedTokens) {
    // An earlier run exchanged the code and failed later on: the code is spent, its tokens are not.
    pair = tokenPairSchema.parse(JSON.parse(await box.open(row.sealedTokens, installTokensContext(installId))));
  } else {
    if (Date.now() - row.createdAt > CODE_LIFETIME_MS) return fail("authorization code expired before it could be exchanged");
    const code = await box.open(row.sealedCode, installCodeContext(installId));
    try {
      pair = await exchangeCode(cfg, row.referer, code);
    } catch (err) {
      if (err instanceof OAuthError && err.status >= 400 && err.status < 500) return fail(`amoCRM refused the code: ${err.message}`);
      await db.update(installs).set({ attempts: row.attempts + 1, lastError: errorText(err), updatedAt: Date.now() }).where(eq(installs.id, installId));
      throw new RetryLater(Math.min(5 * 2 ** row.attempts, 120), `code exchange failed: ${errorText(err)}`);
    }
    await db
      .update(installs)
      .set({ sealedTokens: await box.seal(JSON.stringify(pair), installTokensContext(installId)), updatedAt: Date.now() })
      .where(eq(installs.id, installId));
  }

  const claims = decodeAccessToken(pair.accessToken);
  let accountId = Number(claims.account_id ?? 0);
  let info: AmoAccountInfo | null = null;
  if (!accountId) {
    // Older tokens carry no account id: ask the account itself with the fresh token.
    const res = await fetch(`${amoOrigin(cfg, row.referer)}/api/v4/account`, { headers: amoHeaders(cfg, row.referer, { authorization: `Bearer ${pair.accessToken}` }) });
    info = res.ok ? (amoAccountInfoSchema.safeParse(await res.json().catch(() => null)).data ?? null) : null;
    accountId = info?.id ?? 0;
  }
  if (!accountId) return fail("could not learn the amoCRM account id after the code exchange");

  await amoGate(env, accountId).storeTokens({ accountId, domain: row.referer, apiDomain: claims.api_domain ?? null, ...pair });
  const client = new AmoClient(env, accountId);
  info = (await client.read(amoAccountInfoSchema, "/api/v4/account")) ?? info;
  const t = tenant(db, accountId);
  const subdomain = info?.subdomain ?? row.referer.split(".")[0]!;
  const { created, restored, row: account } = await upsertInstalledAccount(t, {
    subdomain,
    domain: row.referer,
    apiDomain: claims.api_domain ?? null,
    name: info?.name ?? null,
  });
  await writeAudit(t, {
    source: "amocrm",
    action: created ? "account.installed" : restored ? "account.restored" : "account.reinstalled",
    message: `${created ? "Installed" : restored ? "Reinstalled within the grace period; data restored" : "Reinstalled"} for ${row.referer} (${row.flow} install).`,
    entityType: "account",
    entityId: accountId,
  });

  await afterInstall(env, t, `${cfg.publicOrigin}/hooks/amocrm/${account.amoHookKey}`);
  // Events held while there were no tokens (saved before the code came, or a reinstall) run now, in order.
  await resumeHeld(env, t, `amoCRM access granted (${row.flow} install)`);
  await db.update(installs).set({ status: "done", accountId, lastError: null, sealedTokens: null, updatedAt: Date.now() }).where(eq(installs.id, installId));
  logInfo("install done", { accountId, flow: row.flow });
}

/** Metadata and our amoCRM webhook; a failure here is visible in the audit log, not fatal. */
async function afterInstall(env: Env, t: Tenant, destination: string): Promise<void> {
  try {
    const meta = await refreshMetadata(env, t);
    await writeAudit(t, { source: "amocrm", action: "metadata.refreshed", message: `Metadata cached: ${meta.pipelines.length} pipelines, ${meta.leadFields.length} lead fields, ${meta.contactFields.length} contact fields, ${meta.users.length} users.` });
  } catch (err) {
    await writeAudit(t, { level: "warn", source: "amocrm", action: "metadata.failed", message: `Metadata refresh failed: ${errorText(err)}` });
  }
  try {
    await ensureAmoWebhook(env, t, destination);
  } catch (err) {
    await writeAudit(t, { level: "warn", source: "amocrm", action: "webhook.failed", message: `Could not register the amoCRM webhook: ${errorText(err)}` });
  }
}

export async function ensureAmoWebhook(env: Env, t: Tenant, destination: string): Promise<void> {
  const client = new AmoClient(env, t.accountId);
  const existing = await client.read(amoWebhooksAnswerSchema, "/api/v4/webhooks", { "filter[destination]": destination });
  const hook = existing?._embedded?.webhooks?.find((w) => w.destination === destination);
  if (hook && AMO_WEBHOOK_EVENTS.every((e) => hook.settings?.includes(e))) return;
  await client.post("/api/v4/webhooks", { destination, settings: AMO_WEBHOOK_EVENTS, sort: 10 });
  await writeAudit(t, { source: "amocrm", action: "webhook.registered", message: `amoCRM webhook registered for ${AMO_WEBHOOK_EVENTS.join(", ")}.` });
}
