// Tenant rows of the LPTracker side: the connection (login + sealed password) and its projects,
// each with the secret key of its webhook URL.
import { and, eq } from "drizzle-orm";
import type { Db } from "./client";
import { lptConnections, lptProjects } from "./schema";
import { scoped, type Tenant } from "./tenant";
import { constantTimeEqual, randomKey } from "../lib/keys";

export type LptConnectionRow = typeof lptConnections.$inferSelect;
export type LptProjectRow = typeof lptProjects.$inferSelect;

export const getConnection = scoped(async (t: Tenant): Promise<LptConnectionRow | null> => {
  const rows = await t.db.select().from(lptConnections).where(eq(lptConnections.accountId, t.accountId)).limit(1);
  return rows[0] ?? null;
});

export const saveConnection = scoped(async (t: Tenant, login: string, sealedPassword: string): Promise<LptConnectionRow> => {
  const now = Date.now();
  await t.db
    .insert(lptConnections)
    .values({ accountId: t.accountId, login, sealedPassword, status: "active" })
    .onConflictDoUpdate({ target: lptConnections.accountId, set: { login, sealedPassword, status: "active", lastError: null, updatedAt: now } });
  return (await getConnection(t))!;
});

export const listProjects = scoped(async (t: Tenant): Promise<LptProjectRow[]> => {
  return t.db.select().from(lptProjects).where(eq(lptProjects.accountId, t.accountId)).orderBy(lptProjects.projectId);
});

export const getProject = scoped(async (t: Tenant, projectId: number): Promise<LptProjectRow | null> => {
  const rows = await t.db.select().from(lptProjects).where(and(eq(lptProjects.accountId, t.accountId), eq(lptProjects.projectId, projectId))).limit(1);
  return rows[0] ?? null;
});

/** Selects exactly these projects: new ones get a webhook key, others are disabled (keys kept). */
export const selectProjects = scoped(async (t: Tenant, connectionId: number, projects: { id: number; name: string }[]): Promise<LptProjectRow[]> => {
  const existing = await listProjects(t);
  const wanted = new Set(projects.map((p) => p.id));
  const now = Date.now();
  for (const p of projects) {
    const row = existing.find((e) => e.projectId === p.id);
    if (row) {
      await t.db.update(lptProjects).set({ enabled: true, name: p.name, connectionId, updatedAt: now }).where(eq(lptProjects.id, row.id));
    } else {
      await t.db.insert(lptProjects).values({ accountId: t.accountId, connectionId, projectId: p.id, name: p.name, hookKey: randomKey(32), hookStatus: "pending" });
    }
  }
  for (const row of existing) {
    if (!wanted.has(row.projectId) && row.enabled) {
      await t.db.update(lptProjects).set({ enabled: false, updatedAt: now }).where(eq(lptProjects.id, row.id));
    }
  }
  forgetHookKeys();
  return listProjects(t);
});

export const setHookStatus = scoped(async (t: Tenant, projectId: number, status: "registered" | "failed", error: string | null) => {
  await t.db
    .update(lptProjects)
    .set({ hookStatus: status, hookError: error, updatedAt: Date.now() })
    .where(and(eq(lptProjects.accountId, t.accountId), eq(lptProjects.projectId, projectId)));
});

/** Finds the project a webhook key belongs to (cross-tenant by design: the key is the identity). */
export async function projectByHookKey(db: Db, key: string): Promise<LptProjectRow | null> {
  if (!/^[A-Za-z0-9_-]{20,80}$/.test(key)) return null;
  const rows = await db.select().from(lptProjects).where(eq(lptProjects.hookKey, key)).limit(1);
  const row = rows[0];
  return row && constantTimeEqual(row.hookKey, key) ? row : null;
}

/** What the webhook intake needs to know about a key. */
export interface HookTarget {
  accountId: number;
  projectId: number;
}

// Per-isolate memory of recently seen webhook keys, so the intake answers without a D1 round trip.
// Only enabled projects are kept, for HOOK_KEY_TTL_MS; a key disabled in another isolate can be
// accepted that long after, and the queue consumer checks the project again before storing.
const HOOK_KEY_TTL_MS = 30_000;
const HOOK_KEY_MAX = 5_000;
const hookKeys = new Map<string, { target: HookTarget; until: number }>();

export async function hookTargetByKey(db: Db, key: string): Promise<HookTarget | null> {
  const now = Date.now();
  const hit = hookKeys.get(key);
  if (hit && hit.until > now) return hit.target;
  const row = await projectByHookKey(db, key);
  if (!row || !row.enabled) {
    hookKeys.delete(key);
    return null;
  }
  if (hookKeys.size >= HOOK_KEY_MAX) hookKeys.clear();
  const target = { accountId: row.accountId, projectId: row.projectId };
  hookKeys.set(key, { target, until: now + HOOK_KEY_TTL_MS });
  return target;
}

/** Drops the intake's memory of keys, after projects were enabled or disabled in this isolate. */
export function forgetHookKeys(): void {
  hookKeys.clear();
}
