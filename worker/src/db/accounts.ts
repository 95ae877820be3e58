// Tenant rows: the amoCRM accounts that installed us, and the changes install, token refresh and
// uninstall make to them.
import { and, eq, lte, sql } from "drizzle-orm";
import type { Db } from "./client";
import { accounts, type ACCOUNT_STATUSES } from "./schema";
import { scoped, type Tenant } from "./tenant";
import { randomKey } from "../lib/keys";

export type AccountRow = typeof accounts.$inferSelect;
export type InstallStatus = (typeof ACCOUNT_STATUSES)[number];

export const getAccount = scoped(async (t: Tenant): Promise<AccountRow | null> => {
  const rows = await t.db.select().from(accounts).where(eq(accounts.accountId, t.accountId)).limit(1);
  return rows[0] ?? null;
});

export interface InstallFacts {
  subdomain: string;
  domain: string;
  apiDomain: string | null;
  name: string | null;
}

/** Creates the account or brings it back (a reinstall keeps its data and its webhook key). */
export const upsertInstalledAccount = scoped(async (t: Tenant, facts: InstallFacts, now: number = Date.now()): Promise<{ created: boolean; restored: boolean; row: AccountRow }> => {
  const existing = await getAccount(t);
  // A row the widget created before amoCRM's code arrived is a first install all the same.
  const firstInstall = !!existing && existing.installedAt === null && existing.status === "pending";
  if (existing) {
    await t.db
      .update(accounts)
      .set({
        subdomain: facts.subdomain,
        domain: facts.domain,
        apiDomain: facts.apiDomain,
        name: facts.name,
        status: "active",
        statusReason: null,
        installedAt: now,
        uninstalledAt: null,
        purgeAfter: null,
        tokenRefreshedAt: now,
        awaitingAccessSince: null,
        updatedAt: now,
      })
      .where(eq(accounts.accountId, t.accountId));
    const row = (await getAccount(t))!;
    return { created: firstInstall, restored: existing.status === "uninstalled", row };
  }
  await t.db.insert(accounts).values({
    accountId: t.accountId,
    subdomain: facts.subdomain,
    domain: facts.domain,
    apiDomain: facts.apiDomain,
    name: facts.name,
    status: "active",
    amoHookKey: randomKey(),
    installedAt: now,
    tokenRefreshedAt: now,
  });
  return { created: true, restored: false, row: (await getAccount(t))! };
});

/**
 * The widget saved its settings before amoCRM delivered the OAuth code (amoCRM runs onSave and sends
 * the code hook in no documented order): the signed widget token already proves the account, so a
 * pending row holds the connection and the events until the code is exchanged. The wait for amoCRM
 * starts when the widget is installed (onSave), not when the login is merely checked.
 */
export const ensurePendingAccount = scoped(async (t: Tenant, facts: { subdomain: string; domain: string }, now: number = Date.now()): Promise<AccountRow> => {
  await t.db
    .insert(accounts)
    .values({ accountId: t.accountId, subdomain: facts.subdomain, domain: facts.domain, status: "pending", amoHookKey: randomKey(), updatedAt: now })
    .onConflictDoNothing({ target: accounts.accountId });
  return (await getAccount(t))!;
});

/**
 * The widget was switched off (paused) or on in amoCRM. Switching on an account without live tokens
 * (never installed, or disabled by the disconnect hook) starts the wait for amoCRM's fresh code.
 */
export const setAccountPaused = scoped(async (t: Tenant, paused: boolean, now: number = Date.now()): Promise<AccountRow | null> => {
  const row = await getAccount(t);
  if (!row) return null;
  const waiting = !paused && (row.status === "pending" || row.status === "uninstalled");
  await t.db
    .update(accounts)
    .set({
      pausedAt: paused ? (row.pausedAt ?? now) : null,
      awaitingAccessSince: waiting ? (row.status === "pending" ? (row.awaitingAccessSince ?? now) : now) : row.awaitingAccessSince,
      updatedAt: now,
    })
    .where(eq(accounts.accountId, t.accountId));
  return getAccount(t);
});

export const setAccountStatus = scoped(async (t: Tenant, status: InstallStatus, reason: string | null) => {
  await t.db.update(accounts).set({ status, statusReason: reason, updatedAt: Date.now() }).where(eq(accounts.accountId, t.accountId));
});

export const recordTokenRefresh = scoped(async (t: Tenant, domain: string, now: number = Date.now()) => {
  await t.db
    .update(accounts)
    .set({ tokenRefreshedAt: now, domain, subdomain: domain.split(".")[0]!, updatedAt: now })
    .where(eq(accounts.accountId, t.accountId));
});

/** Accounts whose tokens were not refreshed since `before` (for the keep-alive cron). Cross-tenant by design. */
export async function accountsNeedingKeepAlive(db: Db, before: number, limit = 50): Promise<number[]> {
  const rows = await db
    .select({ id: accounts.accountId })
    .from(accounts)
    .where(and(eq(accounts.status, "active"), lte(sql`coalesce(${accounts.tokenRefreshedAt}, 0)`, before)))
    .limit(limit);
  return rows.map((r) => r.id);
}

/** Every active account id (for cron passes that visit each tenant). Cross-tenant by design. */
export async function activeAccountIds(db: Db): Promise<number[]> {
  const rows = await db.select({ id: accounts.accountId }).from(accounts).where(eq(accounts.status, "active"));
  return rows.map((r) => r.id);
}

export async function accountByHookKey(db: Db, key: string): Promise<AccountRow | null> {
  const rows = await db.select().from(accounts).where(eq(accounts.amoHookKey, key)).limit(1);
  return rows[0] ?? null;
}

/** Whether the widget is switched off in amoCRM (its onSave with active 'N'): writes to amoCRM wait. */
export async function widgetSwitchedOff(t: Tenant): Promise<boolean> {
  return (await getAccount(t))?.pausedAt != null;
}
