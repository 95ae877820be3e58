// Tenant rows of rules, in their order.
import { and, asc, eq, sql } from "drizzle-orm";
import { rules } from "./schema";
import { scoped, type Tenant } from "./tenant";
import type { Rule, RuleAction, RuleGroup, RuleTrigger } from "../sync/types";

type RuleRow = typeof rules.$inferSelect;

function toRule(r: RuleRow): Rule {
  return {
    id: r.id,
    name: r.name,
    enabled: r.enabled,
    position: r.position,
    trigger: r.trigger as RuleTrigger,
    conditions: r.conditions as RuleGroup,
    actions: r.actions as RuleAction[],
  };
}

export const listRules = scoped(async (t: Tenant): Promise<Rule[]> => {
  const rows = await t.db.select().from(rules).where(eq(rules.accountId, t.accountId)).orderBy(asc(rules.position), asc(rules.id));
  return rows.map(toRule);
});

export const getRule = scoped(async (t: Tenant, id: number): Promise<Rule | null> => {
  const rows = await t.db.select().from(rules).where(and(eq(rules.accountId, t.accountId), eq(rules.id, id))).limit(1);
  return rows[0] ? toRule(rows[0]) : null;
});

export interface RuleInputData {
  name: string;
  enabled: boolean;
  trigger: RuleTrigger;
  conditions: RuleGroup;
  actions: RuleAction[];
}

export const createRule = scoped(async (t: Tenant, input: RuleInputData): Promise<Rule> => {
  const max = await t.db.select({ p: sql<number>`coalesce(max(${rules.position}), -1)` }).from(rules).where(eq(rules.accountId, t.accountId));
  const rows = await t.db
    .insert(rules)
    .values({ accountId: t.accountId, ...input, position: (max[0]?.p ?? -1) + 1 })
    .returning();
  return toRule(rows[0]!);
});

export const updateRule = scoped(async (t: Tenant, id: number, input: Partial<RuleInputData>): Promise<Rule | null> => {
  const rows = await t.db
    .update(rules)
    .set({ ...input, updatedAt: Date.now() })
    .where(and(eq(rules.accountId, t.accountId), eq(rules.id, id)))
    .returning();
  return rows[0] ? toRule(rows[0]) : null;
});

export const deleteRule = scoped(async (t: Tenant, id: number): Promise<boolean> => {
  const rows = await t.db.delete(rules).where(and(eq(rules.accountId, t.accountId), eq(rules.id, id))).returning({ id: rules.id });
  return rows.length > 0;
});

/** Sets positions in the given order; ids of other accounts or unknown ids are ignored. */
export const reorderRules = scoped(async (t: Tenant, ids: number[]): Promise<Rule[]> => {
  const mine = new Set((await listRules(t)).map((r) => r.id));
  const valid = ids.filter((id) => mine.has(id));
  if (valid.length) {
    const [first, ...rest] = valid.map((id, position) =>
      t.db.update(rules).set({ position, updatedAt: Date.now() }).where(and(eq(rules.accountId, t.accountId), eq(rules.id, id))),
    );
    await t.db.batch([first!, ...rest]);
  }
  return listRules(t);
});
