// Rule actions that are separate writes once the amoCRM lead exists: notes, tasks, and the
// LPTracker stage. Each action of an event runs once, even when the job is retried: a done action
// leaves an audit row keyed by event and position, and a retry looks for it first.
import { and, eq } from "drizzle-orm";
import type { Env } from "../../env";
import type { AmoClient } from "../../amocrm/client";
import type { LptClient } from "../../lptracker/client";
import type { Tenant } from "../../db/tenant";
import { auditLog } from "../../db/schema";
import type { AuditEntry } from "../../db/audit";
import type { RulePlan } from "../types";

async function alreadyDone(t: Tenant, eventId: number, key: string): Promise<boolean> {
  const rows = await t.db
    .select({ id: auditLog.id })
    .from(auditLog)
    .where(and(eq(auditLog.accountId, t.accountId), eq(auditLog.eventId, eventId), eq(auditLog.entityType, "rule_action"), eq(auditLog.entityId, key)))
    .limit(1);
  return rows.length > 0;
}

/** "12 v3": the rule and the version whose action this was. */
const ruleRef = (a: { ruleId: number; ruleVersion?: number }) => `${a.ruleId}${a.ruleVersion ? ` v${a.ruleVersion}` : ""}`;

export interface ActionContext {
  amoLeadId: number;
  lptLeadId: number | null;
  eventId: number;
  step: (e: Omit<AuditEntry, "eventId">) => Promise<void>;
}

export async function runAmoRuleActions(_env: Env, t: Tenant, amo: AmoClient, lpt: LptClient | null, plan: RulePlan, ctx: ActionContext): Promise<void> {
  for (const [index, action] of plan.actions.entries()) {
    const key = `${ctx.eventId}:${index}:${action.type}`;
    if (!["add_note", "create_task", "lpt_set_stage"].includes(action.type)) continue;
    if (await alreadyDone(t, ctx.eventId, key)) continue;
    if (action.type === "add_note") {
      await amo.post("/api/v4/leads/notes", [{ entity_id: ctx.amoLeadId, note_type: "common", params: { text: action.text } }]);
      await ctx.step({ source: "rules", action: "rule.note_added", message: `Note added to amoCRM lead ${ctx.amoLeadId} (rule ${ruleRef(action)}).`, entityType: "rule_action", entityId: key });
    } else if (action.type === "create_task") {
      const completeTill = Math.floor(Date.now() / 1000) + Math.round(action.dueInHours * 3600);
      await amo.post("/api/v4/tasks", [
        {
          text: action.text,
          complete_till: completeTill,
          entity_id: ctx.amoLeadId,
          entity_type: "leads",
          task_type_id: action.taskTypeId,
          ...(action.responsibleUserId ? { responsible_user_id: action.responsibleUserId } : {}),
        },
      ]);
      await ctx.step({ source: "rules", action: "rule.task_created", message: `Task «${action.text}» created on amoCRM lead ${ctx.amoLeadId}, due in ${action.dueInHours} h (rule ${ruleRef(action)}).`, entityType: "rule_action", entityId: key });
    } else if (action.type === "lpt_set_stage" && lpt && ctx.lptLeadId) {
      await lpt.setLeadStage(ctx.lptLeadId, action.stageId);
      await ctx.step({ source: "rules", action: "rule.lpt_stage_set", message: `LPTracker lead ${ctx.lptLeadId} moved to stage ${action.stageId} (rule ${ruleRef(action)}).`, entityType: "rule_action", entityId: key });
    }
  }
}
