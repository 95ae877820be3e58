// What the settings modal says while an install or a switch-on waits for amoCRM's OAuth code:
// amoCRM sends it on its own schedule (3 s, never resent), so the wait can end in tokens, a refused
// code, or nothing at all, and the admin needs to know which.
import { and, desc, eq, gte, inArray } from "drizzle-orm";
import type { Config } from "../env";
import type { Db } from "../db/client";
import type { AccountRow } from "../db/accounts";
import { installs } from "../db/schema";
import type { AccessWait } from "../api-types";

export type { AccessWait };

/** An install row older than this before the wait began belongs to an earlier attempt. */
const EARLIER_ATTEMPT_MS = 2 * 60 * 1000;

export function isAwaitingAccess(account: Pick<AccountRow, "status" | "pausedAt" | "awaitingAccessSince">): boolean {
  if (account.pausedAt !== null) return false;
  return (account.status === "pending" || account.status === "uninstalled") && account.awaitingAccessSince !== null;
}

export async function accessWait(db: Db, cfg: Pick<Config, "publicOrigin" | "installWaitMs">, account: AccountRow, now: number = Date.now()): Promise<AccessWait | null> {
  if (!isAwaitingAccess(account)) return null;
  const since = account.awaitingAccessSince!;
  const reconnect_url = `${cfg.publicOrigin}/oauth/amocrm/start`;
  const rows = await db
    .select({ status: installs.status, lastError: installs.lastError })
    .from(installs)
    .where(and(eq(installs.referer, account.domain), inArray(installs.status, ["pending", "failed"]), gte(installs.createdAt, since - EARLIER_ATTEMPT_MS)))
    .orderBy(desc(installs.createdAt))
    .limit(1);
  const latest = rows[0];
  if (latest?.status === "pending") return { state: "exchanging", since, reconnect_url };
  if (latest?.status === "failed") return { state: "failed", since, detail: latest.lastError ?? undefined, reconnect_url };
  return { state: now - since > cfg.installWaitMs ? "lost" : "waiting", since, reconnect_url };
}
