// Deletes every row of an uninstalled account once its grace period is over, and takes an account
// back out of that countdown when it is reinstalled in time.
import { and, eq, exists, getTableColumns, getTableName, is, lte, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { SQLiteTable, type SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Db } from "./client";
import * as schema from "./schema";
import { accounts } from "./schema";
import { scoped, type Tenant } from "./tenant";
import { auditInsert } from "./audit";
import { logError, logInfo } from "../lib/log";
import { auditText } from "../lib/audit-texts";

interface TenantTable {
  table: SQLiteTable;
  accountId: SQLiteColumn;
}

/**
 * Every table of the schema with an `account_id` column except `accounts` itself, found rather
 * than listed, so a table added later is purged without anyone remembering to add it here.
 */
const exported: unknown[] = Object.values(schema);
export const TENANT_TABLES: readonly TenantTable[] = exported
  .filter((v): v is SQLiteTable => is(v, SQLiteTable) && v !== accounts)
  .flatMap((table) => {
    const columns: Record<string, SQLiteColumn | undefined> = getTableColumns(table);
    const column = columns.accountId;
    return column ? [{ table, accountId: column }] : [];
  });

export function tenantTableNames(): string[] {
  return [...TENANT_TABLES.map((t) => getTableName(t.table)), getTableName(accounts)];
}

/** Accounts whose grace period is over; `now` is epoch ms. */
function expired(now: number) {
  return and(eq(accounts.status, "uninstalled"), lte(accounts.purgeAfter, now));
}

/**
 * Purges every account that is uninstalled and past `purgeAfter`: one D1 batch (one transaction)
 * per account. Each delete re-checks the account's state inside that batch, so an account
 * reinstalled between the selection and the batch keeps its data. Cross-tenant by design (cron).
 * Returns the ids whose rows are gone.
 */
export async function purgeExpiredAccounts(db: Db, now: number, limit = 50): Promise<number[]> {
  const due = await db.select({ id: accounts.accountId }).from(accounts).where(expired(now)).orderBy(accounts.purgeAfter).limit(limit);
  const purged: number[] = [];
  for (const { id } of due) {
    const stillDue = exists(
      db
        .select({ one: sql`1` })
        .from(accounts)
        .where(and(eq(accounts.accountId, id), expired(now))),
    );
    const deletes: BatchItem<"sqlite">[] = TENANT_TABLES.map(({ table, accountId }) => db.delete(table).where(and(eq(accountId, id), stillDue)));
    // The account row goes last: until then it is what `stillDue` looks at.
    const last = db
      .delete(accounts)
      .where(and(eq(accounts.accountId, id), expired(now)))
      .returning({ id: accounts.accountId });
    try {
      const [first, ...rest] = deletes;
      const results = await db.batch(first ? [first, ...rest, last] : [last]);
      // The account delete answers its returned rows: one when the account was still due.
      const gone = results[results.length - 1];
      if (Array.isArray(gone) && gone.length) {
        purged.push(id);
        logInfo("purged an uninstalled account after its grace period", { accountId: id, tables: TENANT_TABLES.length + 1 });
      }
    } catch (err) {
      // One failing account must not keep the others' data past their date; the next run retries it.
      logError("purge of an uninstalled account failed", err, { accountId: id });
    }
  }
  return purged;
}

/**
 * A reinstall within the grace period: the purge countdown stops and the data stays. The install
 * flow sets the status itself. Returns whether a countdown was running.
 */
export const restoreAccount = scoped(async (t: Tenant, now: number = Date.now()): Promise<boolean> => {
  const rows = await t.db
    .select({ uninstalledAt: accounts.uninstalledAt, purgeAfter: accounts.purgeAfter })
    .from(accounts)
    .where(eq(accounts.accountId, t.accountId))
    .limit(1);
  const row = rows[0];
  if (!row || (row.uninstalledAt === null && row.purgeAfter === null)) return false;
  await t.db.batch([
    t.db.update(accounts).set({ uninstalledAt: null, purgeAfter: null, updatedAt: now }).where(eq(accounts.accountId, t.accountId)),
    auditInsert(t, {
      source: "system",
      action: "account.restored",
      ...auditText("restored_before_purge", {}, { uninstalledAt: row.uninstalledAt, purgeAfter: row.purgeAfter }),
    }),
  ]);
  return true;
});
