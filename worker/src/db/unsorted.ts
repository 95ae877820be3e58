// Tenant rows of incoming leads («Неразобранное»): the per-project setting and every entry we
// posted, with the person's keys (for repeat requests) and the manager's decision.
import { and, desc, eq } from "drizzle-orm";
import { unsortedEntries, unsortedSettings } from "./schema";
import { scoped, type Tenant } from "./tenant";

export type UnsortedEntryRow = typeof unsortedEntries.$inferSelect;
export type UnsortedState = "pending" | "accepted" | "declined";

/** Pending entries looked at for a repeat request: managers work them off, so a project has few. */
const PENDING_SCAN = 500;

export const getUnsortedSetting = scoped(async (t: Tenant, projectId: number): Promise<{ pipelineId: number; updatedAt: number } | null> => {
  const rows = await t.db
    .select()
    .from(unsortedSettings)
    .where(and(eq(unsortedSettings.accountId, t.accountId), eq(unsortedSettings.projectId, projectId)))
    .limit(1);
  return rows[0] ? { pipelineId: rows[0].pipelineId, updatedAt: rows[0].updatedAt } : null;
});

/** `pipelineId` null switches the project back to «straight into the pipeline». */
export const saveUnsortedSetting = scoped(async (t: Tenant, projectId: number, pipelineId: number | null, userId: number | null) => {
  const where = and(eq(unsortedSettings.accountId, t.accountId), eq(unsortedSettings.projectId, projectId));
  if (pipelineId === null) {
    await t.db.delete(unsortedSettings).where(where);
    return;
  }
  await t.db
    .insert(unsortedSettings)
    .values({ accountId: t.accountId, projectId, pipelineId, updatedBy: userId })
    .onConflictDoUpdate({ target: [unsortedSettings.accountId, unsortedSettings.projectId], set: { pipelineId, updatedBy: userId, updatedAt: Date.now() } });
});

export const insertUnsortedEntry = scoped(
  async (t: Tenant, e: { uid: string; projectId: number; lptLeadId: string; amoLeadId: string; amoContactId: string | null; personKeys: string[] }): Promise<void> => {
    await t.db
      .insert(unsortedEntries)
      .values({ accountId: t.accountId, ...e })
      .onConflictDoNothing();
  },
);

export const entryByUid = scoped(async (t: Tenant, uid: string): Promise<UnsortedEntryRow | null> => {
  const rows = await t.db.select().from(unsortedEntries).where(and(eq(unsortedEntries.accountId, t.accountId), eq(unsortedEntries.uid, uid))).limit(1);
  return rows[0] ?? null;
});

/** The entry an LPTracker lead made (a retried job finds the entry its first attempt posted). */
export const entryByLptLead = scoped(async (t: Tenant, lptLeadId: string): Promise<UnsortedEntryRow | null> => {
  const rows = await t.db
    .select()
    .from(unsortedEntries)
    .where(and(eq(unsortedEntries.accountId, t.accountId), eq(unsortedEntries.lptLeadId, lptLeadId)))
    .orderBy(desc(unsortedEntries.id))
    .limit(1);
  return rows[0] ?? null;
});

/** A waiting entry of the project for the same person (any shared phone or e-mail), newest first. */
export const pendingEntryForPerson = scoped(async (t: Tenant, projectId: number, keys: string[]): Promise<UnsortedEntryRow | null> => {
  if (!keys.length) return null;
  const rows = await t.db
    .select()
    .from(unsortedEntries)
    .where(and(eq(unsortedEntries.accountId, t.accountId), eq(unsortedEntries.projectId, projectId), eq(unsortedEntries.state, "pending")))
    .orderBy(desc(unsortedEntries.id))
    .limit(PENDING_SCAN);
  const wanted = new Set(keys);
  return rows.find((r) => r.personKeys.some((k) => wanted.has(k))) ?? null;
});

export const setEntryState = scoped(async (t: Tenant, id: number, state: UnsortedState, resultLeadId: string | null) => {
  await t.db
    .update(unsortedEntries)
    .set({ state, resultLeadId, updatedAt: Date.now() })
    .where(and(eq(unsortedEntries.accountId, t.accountId), eq(unsortedEntries.id, id)));
});
