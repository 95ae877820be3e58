// Tenant cursors of background passes (where reconciliation stopped last time, and so on).
import { and, eq } from "drizzle-orm";
import { cursors } from "./schema";
import { scoped, type Tenant } from "./tenant";

export const getCursor = scoped(async (t: Tenant, name: string): Promise<string | null> => {
  const rows = await t.db.select().from(cursors).where(and(eq(cursors.accountId, t.accountId), eq(cursors.name, name))).limit(1);
  return rows[0]?.value ?? null;
});

export const setCursor = scoped(async (t: Tenant, name: string, value: string) => {
  const now = Date.now();
  await t.db.insert(cursors).values({ accountId: t.accountId, name, value }).onConflictDoUpdate({ target: [cursors.accountId, cursors.name], set: { value, updatedAt: now } });
});
