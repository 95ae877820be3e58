// Tenant rows linking an LPTracker entity to its amoCRM twin (lead ↔ lead, contact ↔ contact),
// with what each side last wrote (echo detection) and the snapshot the card shows.
import { and, eq, inArray } from "drizzle-orm";
import { links } from "./schema";
import { scoped, type Tenant } from "./tenant";
import { linkMetaSchema, type LinkMeta } from "../contracts/stored";

export type LinkRow = typeof links.$inferSelect;

/** The row with its meta read part by part: a part of another shape (an older row's) reads as absent. */
function withMeta(row: LinkRow): LinkRow {
  const meta = linkMetaSchema.safeParse(row.meta);
  return { ...row, meta: meta.success ? meta.data : {} };
}
export type LinkKind = "lead" | "contact";

export const findLinkByLpt = scoped(async (t: Tenant, kind: LinkKind, lptId: string | number): Promise<LinkRow | null> => {
  const rows = await t.db
    .select()
    .from(links)
    .where(and(eq(links.accountId, t.accountId), eq(links.kind, kind), eq(links.lptId, String(lptId))))
    .limit(1);
  return rows[0] ? withMeta(rows[0]) : null;
});

export const findLinksByAmo = scoped(async (t: Tenant, kind: LinkKind, amoIds: (string | number)[]): Promise<LinkRow[]> => {
  if (!amoIds.length) return [];
  const rows = await t.db
    .select()
    .from(links)
    .where(and(eq(links.accountId, t.accountId), eq(links.kind, kind), inArray(links.amoId, amoIds.map(String))));
  return rows.map(withMeta);
});

export const upsertLinkQuery = scoped((t: Tenant, kind: LinkKind, lptId: string | number, amoId: string | number, projectId: number | null, meta: LinkMeta) => {
  const now = Date.now();
  return t.db
    .insert(links)
    .values({ accountId: t.accountId, kind, lptId: String(lptId), amoId: String(amoId), projectId, meta })
    .onConflictDoUpdate({ target: [links.accountId, links.kind, links.lptId], set: { amoId: String(amoId), projectId, meta, updatedAt: now } });
});

export const upsertLink = scoped(async (t: Tenant, kind: LinkKind, lptId: string | number, amoId: string | number, projectId: number | null, meta: LinkMeta) => {
  await upsertLinkQuery(t, kind, lptId, amoId, projectId, meta);
});

export const updateLinkMeta = scoped(async (t: Tenant, id: number, meta: LinkMeta) => {
  await t.db.update(links).set({ meta, updatedAt: Date.now() }).where(and(eq(links.accountId, t.accountId), eq(links.id, id)));
});

export const deleteLink = scoped(async (t: Tenant, id: number) => {
  await t.db.delete(links).where(and(eq(links.accountId, t.accountId), eq(links.id, id)));
});
