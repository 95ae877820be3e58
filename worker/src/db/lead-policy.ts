// Tenant rows of the per-project lead policy, and its round-robin counter: one atomic
// `UPDATE … SET rr_next = rr_next + 1 … RETURNING` per new lead, so concurrent jobs never share a slot.
import { and, eq, sql } from "drizzle-orm";
import { leadPolicies } from "./schema";
import { scoped, type Tenant } from "./tenant";
import { DEFAULT_LEAD_POLICY, type LeadPolicy } from "../sync/plan/lead-policy";

export interface StoredLeadPolicy extends LeadPolicy {
  saved: boolean;
  /** Slots the round-robin has handed out so far. */
  rrNext: number;
  updatedAt: number | null;
}

export const getLeadPolicy = scoped(async (t: Tenant, projectId: number): Promise<StoredLeadPolicy> => {
  const r = await t.db.select().from(leadPolicies).where(and(eq(leadPolicies.accountId, t.accountId), eq(leadPolicies.projectId, projectId))).get();
  if (!r) return { ...DEFAULT_LEAD_POLICY, saved: false, rrNext: 0, updatedAt: null };
  return {
    repeatMode: r.repeatMode,
    repeatPipelines: r.repeatPipelines,
    assignMode: r.assignMode,
    fixedUserId: r.fixedUserId,
    rrUsers: r.rrUsers,
    staffMap: r.staffMap,
    fallbackUserId: r.fallbackUserId,
    contactOwnerWins: r.contactOwnerWins,
    saved: true,
    rrNext: r.rrNext,
    updatedAt: r.updatedAt,
  };
});

/** Saves the policy; the round-robin counter goes on where it was. */
export const saveLeadPolicy = scoped(async (t: Tenant, projectId: number, p: LeadPolicy, userId: number | null): Promise<void> => {
  const values = {
    repeatMode: p.repeatMode,
    repeatPipelines: p.repeatPipelines,
    assignMode: p.assignMode,
    fixedUserId: p.fixedUserId,
    rrUsers: p.rrUsers,
    staffMap: p.staffMap,
    fallbackUserId: p.fallbackUserId,
    contactOwnerWins: p.contactOwnerWins,
    updatedBy: userId,
  };
  await t.db
    .insert(leadPolicies)
    .values({ accountId: t.accountId, projectId, ...values })
    .onConflictDoUpdate({ target: [leadPolicies.accountId, leadPolicies.projectId], set: { ...values, updatedAt: Date.now() } });
});

/**
 * Takes the next round-robin slot of a project: its number, counted from 1. D1 runs one write at
 * a time, so two leads arriving together get two different numbers.
 */
export const takeRoundRobinSlot = scoped(async (t: Tenant, projectId: number): Promise<number> => {
  const rows = await t.db
    .update(leadPolicies)
    .set({ rrNext: sql`${leadPolicies.rrNext} + 1` })
    .where(and(eq(leadPolicies.accountId, t.accountId), eq(leadPolicies.projectId, projectId)))
    .returning({ n: leadPolicies.rrNext });
  const n = rows[0]?.n;
  if (n === undefined) throw new Error(`LPTracker project ${projectId} has no saved lead policy to take a round-robin slot from.`);
  return n;
});

/** The user a slot gives: slots go round the list in its order. */
export function roundRobinUser(users: number[], slot: number): number {
  return users[(slot - 1) % users.length]!;
}
