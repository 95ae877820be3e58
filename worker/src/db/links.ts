// Tenant rows linking an LPTracker entity to its amoCRM twin (lead ↔ lead, contact ↔ contact),
// with what each side last wrote (echo detection) and the snapshot the card shows.
import { and, eq, inArray } from "drizzle-orm";
import { links } from "./schema";
import { scoped, type Tenant } from "./tenant";

export type LinkRow = typeof links.$inferSelect;
export type LinkKind = "lead" | "contact";

export const findLinkByLpt = scoped(async (t: Tenant, kind: LinkKind, lptId: string | number): Promise<LinkRow | null> => {
  const rows = await t.db
    .select()
    .from(links)
    .where(and(eq(links.accountId, t.accountId), eq(links.kind, kind), eq(links.lptId, String(lptId))))
    .limit(1);
  return rows[0] ?? null;
});

export const findLinksByAmo = scoped(async (t: Tenant, kind: LinkKind, amoIds: (string | number)[]): Promise<LinkRow[]> => {
  if (!amoIds.length) return [];
  return t.db
    .select()
    .from(links)
    .where(and(eq(links.accountId, t.accountId), eq(links.kind, kind), inArray(links.amoId, amoIds.map(String))));
});

export const upsertLinkQuery = scoped((t: Tenant, kind: LinkKind, lptId: string | number, amoId: string | number, projectId: number | null, meta: Record<string, unknown>) => {
  const now = Date.now();
  return t.db
    .insert(links)
    .values({ accountId: t.accountId, kind, lptId: String(lptId), amoId: String(amoId), projectId, meta })
    .onConflictDoUpdate({ target: [links.accountId, links.kind, links.lptId], set: { amoId: String(amoId), projectId, meta, updatedAt: now } });
});

export const upsertLink = scoped(async (t: Tenant, kind: LinkKind, lptId: string | number, amoId: string | number, projectId: number | null, meta: Record<string, unknown>) => {
  await upsertLinkQuery(t, kind, lptId, amoId, projectId, meta);
});

export const updateLinkMeta = scoped(async (t: Tenant, id: number, meta: Record<string, unknown>) => {
  await t.db.update(links).set({ meta, updatedAt: Date.now() }).where(and(eq(links.accountId, t.accountId), eq(links.id, id)));
});

export const deleteLink = scoped(async (t: Tenant, id: number) => {
  await t.db.delete(links).where(and(eq(links.accountId, t.accountId), eq(links.id, id)));
});
