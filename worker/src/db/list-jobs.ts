// Tenant rows of list actions: the job (what was selected, for which project, how far it got) and
// one item per selected entity with its result and the reason.
import { and, asc, eq, sql } from "drizzle-orm";
import { listJobItems, listJobs, type ROW_STATUSES } from "./schema";
import { scoped, type Tenant } from "./tenant";

export type ListJobRow = typeof listJobs.$inferSelect;
export type ListItemRow = typeof listJobItems.$inferSelect;
export type ListItemStatus = (typeof ROW_STATUSES)[number];

export interface NewListJob {
  entity: "leads" | "contacts";
  projectId: number;
  countSelected: number;
  requestedBy: number;
  items: { entityType: "lead" | "contact" | "company"; entityId: number; name: string | null }[];
}

/** D1 binds at most 100 parameters per statement; 9 columns a row keeps a chunk under it. */
const ITEM_ROWS_PER_INSERT = 10;

export const createListJob = scoped(async (t: Tenant, job: NewListJob): Promise<number> => {
  const [row] = await t.db
    .insert(listJobs)
    .values({ accountId: t.accountId, entity: job.entity, projectId: job.projectId, total: job.items.length, countSelected: job.countSelected, requestedBy: job.requestedBy })
    .returning({ id: listJobs.id });
  const id = row!.id;
  const values = job.items.map((it, position) => ({ accountId: t.accountId, jobId: id, position, entityType: it.entityType, entityId: it.entityId, name: it.name }));
  const inserts = [];
  for (let i = 0; i < values.length; i += ITEM_ROWS_PER_INSERT) inserts.push(t.db.insert(listJobItems).values(values.slice(i, i + ITEM_ROWS_PER_INSERT)));
  const [first, ...rest] = inserts;
  if (first) await t.db.batch([first, ...rest]);
  return id;
});

export const getListJob = scoped(async (t: Tenant, id: number): Promise<ListJobRow | null> => {
  const rows = await t.db.select().from(listJobs).where(and(eq(listJobs.accountId, t.accountId), eq(listJobs.id, id))).limit(1);
  return rows[0] ?? null;
});

export const listJobItemsOf = scoped(async (t: Tenant, jobId: number): Promise<ListItemRow[]> =>
  t.db.select().from(listJobItems).where(and(eq(listJobItems.accountId, t.accountId), eq(listJobItems.jobId, jobId))).orderBy(asc(listJobItems.position)),
);

export const pendingItems = scoped(async (t: Tenant, jobId: number, limit: number): Promise<ListItemRow[]> =>
  t.db
    .select()
    .from(listJobItems)
    .where(and(eq(listJobItems.accountId, t.accountId), eq(listJobItems.jobId, jobId), eq(listJobItems.status, "pending")))
    .orderBy(asc(listJobItems.position))
    .limit(limit),
);

export const finishItem = scoped(async (t: Tenant, jobId: number, position: number, status: Exclude<ListItemStatus, "pending">, code: string, reason: string | null, lptLeadIds: number[] = [], name?: string) => {
  await t.db
    .update(listJobItems)
    .set({ status, reasonCode: code, reason, lptLeadIds, updatedAt: Date.now(), ...(name ? { name } : {}) })
    .where(and(eq(listJobItems.accountId, t.accountId), eq(listJobItems.jobId, jobId), eq(listJobItems.position, position)));
});

export const setListJobStatus = scoped(async (t: Tenant, id: number, status: "running" | "done" | "failed", error: string | null = null) => {
  const now = Date.now();
  await t.db
    .update(listJobs)
    .set({ status, error, updatedAt: now, ...(status === "running" ? {} : { finishedAt: now }) })
    .where(and(eq(listJobs.accountId, t.accountId), eq(listJobs.id, id)));
});

/** How many items ended each way so far. */
export const listJobCounts = scoped(async (t: Tenant, jobId: number): Promise<Record<ListItemStatus, number>> => {
  const rows = await t.db
    .select({ status: listJobItems.status, n: sql<number>`count(*)` })
    .from(listJobItems)
    .where(and(eq(listJobItems.accountId, t.accountId), eq(listJobItems.jobId, jobId)))
    .groupBy(listJobItems.status);
  const out: Record<ListItemStatus, number> = { pending: 0, created: 0, updated: 0, skipped: 0, failed: 0 };
  for (const r of rows) out[r.status] = r.n;
  return out;
});
