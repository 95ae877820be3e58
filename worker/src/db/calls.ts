// Tenant rows of call results (from LPTracker leads and from imported files), deduplicated by
// call id, with whether each was posted to amoCRM.
import { and, asc, desc, eq, gte, inArray, lte, sql, type SQL } from "drizzle-orm";
import { callResults } from "./schema";
import { scoped, type Tenant } from "./tenant";

export type CallRow = typeof callResults.$inferSelect;
export type NewCall = Omit<typeof callResults.$inferInsert, "accountId" | "id" | "createdAt" | "updatedAt">;

/** Inserts the calls not seen before; returns how many were new. */
export const insertCalls = scoped(async (t: Tenant, calls: NewCall[]): Promise<number> => {
  let inserted = 0;
  // D1 binds at most 100 parameters per statement: a call row has up to 18 columns.
  for (let i = 0; i < calls.length; i += 5) {
    const chunk = calls.slice(i, i + 5);
    const rows = await t.db
      .insert(callResults)
      .values(chunk.map((c) => ({ ...c, accountId: t.accountId })))
      .onConflictDoNothing({ target: [callResults.accountId, callResults.source, callResults.callId] })
      .returning({ id: callResults.id });
    inserted += rows.length;
  }
  return inserted;
});

/** Call rows to write in a job's final batch: new ones inserted, known ones updated by id. */
export const callWriteQueries = scoped((t: Tenant, fresh: NewCall[], updates: { id: number; patch: Parameters<typeof setCallSync>[2] }[]) => {
  const queries = [];
  // D1 binds at most 100 parameters per statement: a call row has up to 18 columns.
  for (let i = 0; i < fresh.length; i += 5) {
    queries.push(
      t.db
        .insert(callResults)
        .values(fresh.slice(i, i + 5).map((c) => ({ ...c, accountId: t.accountId })))
        .onConflictDoNothing({ target: [callResults.accountId, callResults.source, callResults.callId] }),
    );
  }
  for (const u of updates) queries.push(t.db.update(callResults).set({ ...u.patch, updatedAt: Date.now() }).where(and(eq(callResults.accountId, t.accountId), eq(callResults.id, u.id))));
  return queries;
});

export const callsForLptLeads = scoped(async (t: Tenant, lptLeadIds: string[]): Promise<CallRow[]> => {
  if (!lptLeadIds.length) return [];
  return t.db
    .select()
    .from(callResults)
    .where(and(eq(callResults.accountId, t.accountId), inArray(callResults.lptLeadId, lptLeadIds)))
    .orderBy(desc(callResults.startedAt));
});

export const pendingCallsForLead = scoped(async (t: Tenant, lptLeadId: string): Promise<CallRow[]> => {
  return t.db
    .select()
    .from(callResults)
    .where(and(eq(callResults.accountId, t.accountId), eq(callResults.lptLeadId, lptLeadId), inArray(callResults.syncStatus, ["pending", "failed"])));
});

export const setCallSync = scoped(async (t: Tenant, id: number, patch: { syncStatus: "posted" | "failed"; amoCallId?: string | null; error?: string | null; amoLeadId?: string | null; amoContactId?: string | null }) => {
  await t.db
    .update(callResults)
    .set({ ...patch, updatedAt: Date.now() })
    .where(and(eq(callResults.accountId, t.accountId), eq(callResults.id, id)));
});

export interface CallFilter {
  from?: number;
  to?: number;
  result?: string;
  syncStatus?: CallRow["syncStatus"];
  sort?: "startedAt" | "duration";
  dir?: "asc" | "desc";
  limit?: number;
  offset?: number;
}

export const listCalls = scoped(async (t: Tenant, f: CallFilter) => {
  const where: SQL | undefined = and(
    eq(callResults.accountId, t.accountId),
    f.from ? gte(callResults.startedAt, f.from) : undefined,
    f.to ? lte(callResults.startedAt, f.to) : undefined,
    f.result ? eq(callResults.result, f.result) : undefined,
    f.syncStatus ? eq(callResults.syncStatus, f.syncStatus) : undefined,
  );
  const column = f.sort === "duration" ? callResults.duration : callResults.startedAt;
  const order = f.dir === "asc" ? asc(column) : desc(column);
  const limit = Math.min(Math.max(f.limit ?? 50, 1), 5000);
  const [items, total] = await Promise.all([
    t.db.select().from(callResults).where(where).orderBy(order, desc(callResults.id)).limit(limit).offset(f.offset ?? 0),
    t.db.select({ n: sql<number>`count(*)` }).from(callResults).where(where),
  ]);
  return { items, total: total[0]?.n ?? 0 };
});
