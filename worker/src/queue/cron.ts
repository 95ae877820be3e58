// The periodic passes, each bounded so one cron run stays inside the Worker's limits: keep idle
// tokens alive, refresh metadata daily, requeue events whose enqueue was lost, drive on imports
// whose queue message was lost, restart drains of held events, reconcile missed webhooks, purge
// tenants whose uninstall grace period is over, and re-seal secrets under the newest key (rekey.ts).
import { and, eq, lte, lt, inArray, isNotNull, isNull } from "drizzle-orm";
import type { Env } from "../env";
import { makeDb } from "../db/client";
import { tenant } from "../db/tenant";
import { accounts, events, imports, metadataCache } from "../db/schema";
import { accountsNeedingKeepAlive, activeAccountIds } from "../db/accounts";
import { purgeExpiredAccounts } from "../db/purge";
import { purgeStaleInstalls } from "../db/installs";
import { amoGate } from "../amocrm/gate";
import { lptGate } from "../lptracker/gate";
import { refreshMetadata } from "../amocrm/metadata";
import { reconcileAccount } from "../sync/run/reconcile";
import { redriveImport, STALLED_AFTER_MS } from "../imports/jobs";
import { writeAudit } from "../db/audit";
import { HELD_STATUSES, startDrain } from "../sync/run/hold";
import { logError, logInfo } from "../lib/log";
import { rotateKeys } from "./rekey";

const DAY = 24 * 3600 * 1000;

export async function keepTokensAlive(env: Env, now: number): Promise<number> {
  const ids = await accountsNeedingKeepAlive(makeDb(env.DB), now - 30 * DAY, 20);
  for (const id of ids) {
    const r = await amoGate(env, id).refresh();
    if (!r.ok) logError("keep-alive refresh failed", new Error(r.detail ?? "unknown"), { accountId: id });
  }
  return ids.length;
}

export async function refreshStaleMetadata(env: Env, now: number): Promise<number> {
  const db = makeDb(env.DB);
  const stale = await db
    .selectDistinct({ id: metadataCache.accountId })
    .from(metadataCache)
    .innerJoin(accounts, eq(accounts.accountId, metadataCache.accountId))
    .where(and(eq(metadataCache.kind, "pipelines"), lte(metadataCache.fetchedAt, now - DAY), eq(accounts.status, "active")))
    .limit(5);
  for (const { id } of stale) await refreshMetadata(env, tenant(db, id)).catch((err) => logError("metadata refresh failed", err, { accountId: id }));
  return stale.length;
}

/** Events stored but never picked up (the enqueue after the insert failed) go back to the queue. */
export async function requeueStuckEvents(env: Env, now: number): Promise<number> {
  const db = makeDb(env.DB);
  const stuck = await db
    .select({ id: events.id, accountId: events.accountId })
    .from(events)
    .where(and(inArray(events.status, ["received"]), lt(events.updatedAt, now - 5 * 60 * 1000)))
    .limit(100);
  if (stuck.length) await env.SYNC_QUEUE.sendBatch(stuck.map((e) => ({ body: { kind: "event" as const, accountId: e.accountId, eventId: e.id } })));
  return stuck.length;
}

/** Imports parsing or processing without progress for a while: their parse or chunk jobs are sent again. */
export async function redriveStalledImports(env: Env, now: number): Promise<number> {
  const stalled = await makeDb(env.DB)
    .select({ id: imports.id, accountId: imports.accountId })
    .from(imports)
    .where(and(inArray(imports.status, ["parsing", "processing"]), lt(imports.updatedAt, now - STALLED_AFTER_MS)))
    .limit(20);
  let redriven = 0;
  for (const imp of stalled) {
    try {
      if (await redriveImport(env, imp.accountId, imp.id)) redriven++;
    } catch (err) {
      logError("stalled import re-drive failed", err, { accountId: imp.accountId, importId: imp.id });
    }
  }
  return redriven;
}

/** Accounts that can sync but still hold events (a drain message was lost): their drain starts again. */
export async function restartDrains(env: Env): Promise<number> {
  const rows = await makeDb(env.DB)
    .selectDistinct({ id: events.accountId })
    .from(events)
    .innerJoin(accounts, eq(accounts.accountId, events.accountId))
    .where(and(inArray(events.status, [...HELD_STATUSES]), eq(accounts.status, "active"), isNull(accounts.pausedAt)))
    .limit(50);
  for (const r of rows) await startDrain(env, r.id);
  return rows.length;
}

export async function reconcileAll(env: Env, now: number): Promise<number> {
  const db = makeDb(env.DB);
  let repairs = 0;
  // A switched-off widget is not reconciled: what changed meanwhile arrives as paused webhooks.
  const paused = new Set((await db.select({ id: accounts.accountId }).from(accounts).where(isNotNull(accounts.pausedAt))).map((r) => r.id));
  for (const id of (await activeAccountIds(db)).filter((a) => !paused.has(a)).slice(0, 20)) {
    try {
      repairs += (await reconcileAccount(env, tenant(db, id), now)).repairs.length;
    } catch (err) {
      await writeAudit(tenant(db, id), { level: "warn", source: "reconcile", action: "reconcile.failed", message: `Reconciliation pass failed: ${(err as Error).message}` });
    }
  }
  return repairs;
}

export async function purgeUninstalled(env: Env, now: number): Promise<number[]> {
  const purged = await purgeExpiredAccounts(makeDb(env.DB), now);
  for (const id of purged) {
    await amoGate(env, id).forgetTokens();
    await lptGate(env, id).forget(id);
    let cursor: string | undefined;
    do {
      const list = await env.FILES.list({ prefix: `accounts/${id}/`, cursor });
      if (list.objects.length) await env.FILES.delete(list.objects.map((o) => o.key));
      cursor = list.truncated ? list.cursor : undefined;
    } while (cursor);
    logInfo("tenant purged", { accountId: id });
  }
  return purged;
}

export async function runCron(env: Env, now: number): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const tasks: [string, () => Promise<unknown>][] = [
    ["keepAlive", () => keepTokensAlive(env, now)],
    ["metadata", () => refreshStaleMetadata(env, now)],
    ["requeued", () => requeueStuckEvents(env, now)],
    ["importsRedriven", () => redriveStalledImports(env, now)],
    ["drains", () => restartDrains(env)],
    ["repairs", () => reconcileAll(env, now)],
    ["purged", () => purgeUninstalled(env, now)],
    ["rekeyed", () => rotateKeys(env, now)],
    ["staleInstallsPurged", () => purgeStaleInstalls(makeDb(env.DB), now)],
  ];
  for (const [name, task] of tasks) {
    try {
      out[name] = await task();
    } catch (err) {
      logError(`cron task ${name} failed`, err);
      out[name] = `failed: ${(err as Error).message}`;
    }
  }
  return out;
}
