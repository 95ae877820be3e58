// Tenant rows of rules, in their order, and their history: every change bumps the rule's version
// and keeps who made it, when, and the rule before and after, so that any version can be restored.
import { and, asc, desc, eq, sql } from "drizzle-orm";
import { rules, ruleVersions, type RuleSnapshot } from "./schema";
import { scoped, type Tenant } from "./tenant";
import type { Rule, RuleAction, RuleGroup, RuleTrigger } from "../sync/types";

type RuleRow = typeof rules.$inferSelect;
export type RuleVersionRow = typeof ruleVersions.$inferSelect;
export type RuleChange = "created" | "updated" | "enabled" | "disabled" | "moved" | "restored" | "deleted";

function toRule(r: RuleRow): Rule {
  return {
    id: r.id,
    name: r.name,
    enabled: r.enabled,
    position: r.position,
    trigger: r.trigger,
    conditions: r.conditions,
    actions: r.actions,
    version: r.version,
  };
}

function snapshot(r: Rule): RuleSnapshot {
  return { name: r.name, enabled: r.enabled, trigger: r.trigger, conditions: r.conditions, actions: r.actions, position: r.position };
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

const historyRow = (t: Tenant, ruleId: number, version: number, change: RuleChange, actor: string | null, before: Rule | null, after: Rule | null, note?: string) =>
  t.db.insert(ruleVersions).values({
    accountId: t.accountId,
    ruleId,
    version,
    change,
    actor,
    before: before ? snapshot(before) : null,
    after: after ? snapshot(after) : null,
    note: note ?? null,
  });

export const createRule = scoped(async (t: Tenant, input: RuleInputData, actor: string | null = null): Promise<Rule> => {
  const max = await t.db.select({ p: sql<number>`coalesce(max(${rules.position}), -1)` }).from(rules).where(eq(rules.accountId, t.accountId));
  const rows = await t.db
    .insert(rules)
    .values({ accountId: t.accountId, ...input, position: (max[0]?.p ?? -1) + 1, version: 1 })
    .returning();
  const rule = toRule(rows[0]!);
  await historyRow(t, rule.id, 1, "created", actor, null, rule);
  return rule;
});

/** Thrown when the rule changed between reading and writing it (another tab, another admin). */
export class RuleConflict extends Error {
  constructor(readonly ruleId: number) {
    super(`Rule ${ruleId} was changed by someone else just now; reload it and try again.`);
  }
}

/**
 * Writes a change and its history row together. The update only lands on the version that was read,
 * so two admins saving at once cannot silently overwrite each other.
 */
export const updateRule = scoped(
  async (t: Tenant, id: number, input: Partial<RuleInputData>, actor: string | null = null, change?: RuleChange, note?: string): Promise<Rule | null> => {
    const current = await getRule(t, id);
    if (!current) return null;
    const version = (current.version ?? 1) + 1;
    const after: Rule = { ...current, ...input, version };
    // A save that only flips the switch is named as such in the history.
    const same = (k: keyof RuleInputData) => JSON.stringify(current[k]) === JSON.stringify(after[k]);
    const onlyToggle = !same("enabled") && same("name") && same("trigger") && same("conditions") && same("actions");
    const kind: RuleChange = change ?? (onlyToggle ? (after.enabled ? "enabled" : "disabled") : "updated");
    const [updated] = await t.db.batch([
      t.db
        .update(rules)
        .set({ ...input, version, updatedAt: Date.now() })
        .where(and(eq(rules.accountId, t.accountId), eq(rules.id, id), eq(rules.version, current.version ?? 1)))
        .returning(),
      historyRow(t, id, version, kind, actor, current, after, note),
    ]);
    if (!updated[0]) throw new RuleConflict(id);
    return toRule(updated[0]);
  },
);

export const deleteRule = scoped(async (t: Tenant, id: number, actor: string | null = null): Promise<boolean> => {
  const current = await getRule(t, id);
  if (!current) return false;
  const [deleted] = await t.db.batch([
    t.db
      .delete(rules)
      .where(and(eq(rules.accountId, t.accountId), eq(rules.id, id)))
      .returning({ id: rules.id }),
    historyRow(t, id, (current.version ?? 1) + 1, "deleted", actor, current, null),
  ]);
  return deleted.length > 0;
});

/** Sets positions in the given order; ids of other accounts or unknown ids are ignored. A moved rule gets a version. */
export const reorderRules = scoped(async (t: Tenant, ids: number[], actor: string | null = null): Promise<Rule[]> => {
  const current = await listRules(t);
  const byId = new Map(current.map((r) => [r.id, r]));
  const valid = ids.filter((id) => byId.has(id));
  const moved = valid.map((id, position) => ({ rule: byId.get(id)!, position })).filter((x) => x.rule.position !== x.position);
  if (moved.length) {
    const [first, ...rest] = moved.flatMap(({ rule, position }) => {
      const version = (rule.version ?? 1) + 1;
      return [
        t.db
          .update(rules)
          .set({ position, version, updatedAt: Date.now() })
          .where(and(eq(rules.accountId, t.accountId), eq(rules.id, rule.id))),
        historyRow(t, rule.id, version, "moved", actor, rule, { ...rule, position, version }),
      ];
    });
    await t.db.batch([first!, ...rest]);
  }
  return listRules(t);
});

/** A rule's history, newest first. Kept after the rule is deleted. */
export const listRuleVersions = scoped(async (t: Tenant, ruleId: number): Promise<RuleVersionRow[]> => {
  return t.db
    .select()
    .from(ruleVersions)
    .where(and(eq(ruleVersions.accountId, t.accountId), eq(ruleVersions.ruleId, ruleId)))
    .orderBy(desc(ruleVersions.version))
    .limit(500);
});

/** Rules deleted and not restored since, with what they were, newest first. */
export const listDeletedRules = scoped(async (t: Tenant): Promise<RuleVersionRow[]> => {
  const present = new Set((await listRules(t)).map((r) => r.id));
  const rows = await t.db
    .select()
    .from(ruleVersions)
    .where(and(eq(ruleVersions.accountId, t.accountId), eq(ruleVersions.change, "deleted")))
    .orderBy(desc(ruleVersions.at))
    .limit(200);
  const seen = new Set<number>();
  return rows.filter((r) => (present.has(r.ruleId) || seen.has(r.ruleId) ? false : (seen.add(r.ruleId), true)));
});

/** What a version of the rule held: its state after that change (before it, for a deletion). */
export function versionContent(row: RuleVersionRow): RuleSnapshot | null {
  return row.after ?? row.before ?? null;
}

/**
 * Puts a rule back to what it was at `version`: a new version that says where it came from. A
 * deleted rule comes back under its old id, at the end of the list.
 */
export const restoreRule = scoped(async (t: Tenant, ruleId: number, from: RuleVersionRow, content: RuleInputData, actor: string | null = null): Promise<Rule> => {
  const note = `restored from version ${from.version}`;
  const current = await getRule(t, ruleId);
  if (current) return (await updateRule(t, ruleId, content, actor, "restored", note))!;
  const [latest] = await listRuleVersions(t, ruleId);
  const version = (latest?.version ?? from.version) + 1;
  const max = await t.db.select({ p: sql<number>`coalesce(max(${rules.position}), -1)` }).from(rules).where(eq(rules.accountId, t.accountId));
  const [inserted] = await t.db.batch([
    t.db
      .insert(rules)
      .values({ id: ruleId, accountId: t.accountId, ...content, position: (max[0]?.p ?? -1) + 1, version })
      .returning(),
    t.db.insert(ruleVersions).values({ accountId: t.accountId, ruleId, version, change: "restored", actor, before: null, after: { ...content, position: (max[0]?.p ?? -1) + 1 }, note }),
  ]);
  return toRule(inserted[0]!);
});
