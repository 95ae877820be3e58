// amoCRM's Digital Pipeline hook for the widget's action (manifest dp.webhook_url). Unsigned by
// amoCRM, so it is accepted only for an installed account and with that account's DP key; the event
// is stored once per (account, lead, event type, time, action) and queued — no external call here.
import { Hono } from "hono";
import type { AppEnv } from "../lib/hono-env";
import { Problem } from "../lib/problem";
import { tenant } from "../db/tenant";
import { getAccount } from "../db/accounts";
import { insertEvent } from "../db/events";
import { constantTimeEqual, sha256Hex } from "../lib/keys";
import { logWarn } from "../lib/log";
import { storedDpKey } from "../sync/run/dp-action";
import { parseDpHook, readDpBody } from "../sync/intake/dp-hook";

export const DP_HOOK_PATH = "/hooks/amocrm/dp";
const REJECTED_BODY_CAP = 16 * 1024;

/** A refused hook is kept for inspection, but never with the action's key (form or JSON). */
function redactKey(raw: string): string {
  return raw.replace(/((?:%5B|\[)key(?:%5D|\])=)[^&]*/gi, "$1***").replace(/("key"\s*:\s*")[^"]*/g, "$1***");
}

export function dpHookRoutes() {
  const r = new Hono<AppEnv>();

  r.post(DP_HOOK_PATH, async (c) => {
    const raw = new TextDecoder().decode(await c.req.arrayBuffer());
    const read = readDpBody(c.req.header("content-type") ?? "", raw);
    if (!read.ok) throw new Problem("dp_hook_malformed", { problem: read.error });
    const parsed = parseDpHook(read.body);
    const accountId = parsed.ok ? parsed.hook.accountId : parsed.accountId;
    const account = accountId ? await getAccount(tenant(c.var.db, accountId)) : null;
    // Unknown and uninstalled accounts learn nothing: the same 404 as a wrong URL.
    if (!account || account.status === "uninstalled" || account.status === "pending") throw new Problem("dp_hook_not_installed");
    const t = tenant(c.var.db, account.accountId);
    if (!parsed.ok) {
      await insertEvent(t, { source: "amocrm", action: "rejected", dedupeKey: `rejected:${await sha256Hex(raw)}`, payload: redactKey(raw).slice(0, REJECTED_BODY_CAP), status: "rejected", error: `Digital Pipeline hook: ${parsed.reason}` });
      logWarn("DP hook rejected", { accountId: account.accountId, reason: parsed.reason });
      throw new Problem("dp_hook_refused", { problem: parsed.reason });
    }
    const expected = await storedDpKey(c.var.db, c.var.cfg.encryptionKey, account.accountId);
    if (!expected || !constantTimeEqual(parsed.key, expected)) {
      logWarn("DP hook with a wrong key", { accountId: account.accountId });
      throw new Problem("dp_hook_key_mismatch");
    }
    const { hook } = parsed;
    const settingsHash = (await sha256Hex(JSON.stringify(hook.settings))).slice(0, 12);
    const dedupeKey = `dp:${hook.leadId}:${hook.eventType}:${hook.time || (await sha256Hex(raw)).slice(0, 16)}:${settingsHash}`;
    const eventId = await insertEvent(t, { source: "amocrm", action: "dp", dedupeKey, projectId: hook.settings.projectId, externalId: String(hook.leadId), payload: JSON.stringify(hook) });
    if (eventId === null) return c.json({ ok: true, dedupeKey, duplicate: true });
    await c.env.SYNC_QUEUE.send({ kind: "event", accountId: account.accountId, eventId });
    return c.json({ ok: true, dedupeKey, eventId });
  });

  return r;
}
