// The widget's Digital Pipeline action: the per-account key that stands in for the signature amoCRM
// does not send, and the sync job that performs the chosen LPTracker action on the lead as amoCRM
// has it now (the hook itself is read in dp-hook.ts).
import { and, eq } from "drizzle-orm";
import type { Env } from "../../env";
import type { Db } from "../../db/client";
import type { Tenant } from "../../db/tenant";
import type { EventRow } from "../../db/events";
import { auditLog, dpKeys } from "../../db/schema";
import { writeAudit, type AuditEntry } from "../../db/audit";
import { findLinksByAmo } from "../../db/links";
import { getProject } from "../../db/lptracker";
import { getMetadata } from "../../amocrm/metadata";
import { AmoClient } from "../../amocrm/client";
import { LptClient } from "../../lptracker/client";
import { lptProjectSchema } from "../../lptracker/project-schema";
import { dpHookSchema, renderDpTemplate } from "../intake/dp-hook";
import { randomKey } from "../../lib/keys";
import { secretBox } from "../../lib/secret-box";
import type { JobResult } from "./lpt-to-amo";
import { pushAmoLead, readAmoLead, setLinkedStage } from "./lpt-push";
import type { AmoLead } from "../../contracts/amocrm";

const dpKeyContext = (accountId: number) => `dp-key:${accountId}`;

/** The account's DP key, made on first use; stored sealed like every other secret. */
export async function dpKeyFor(db: Db, encryptionKey: string, accountId: number): Promise<string> {
  const existing = await storedDpKey(db, encryptionKey, accountId);
  if (existing) return existing;
  await db.insert(dpKeys).values({ accountId, key: await secretBox(encryptionKey).seal(randomKey(24), dpKeyContext(accountId)) }).onConflictDoNothing();
  return (await storedDpKey(db, encryptionKey, accountId))!;
}

export async function storedDpKey(db: Db, encryptionKey: string, accountId: number): Promise<string | null> {
  const [row] = await db.select({ key: dpKeys.key }).from(dpKeys).where(eq(dpKeys.accountId, accountId)).limit(1);
  return row ? secretBox(encryptionKey).open(row.key, dpKeyContext(accountId)) : null;
}

async function commentDone(t: Tenant, eventId: number): Promise<boolean> {
  const rows = await t.db
    .select({ id: auditLog.id })
    .from(auditLog)
    .where(and(eq(auditLog.accountId, t.accountId), eq(auditLog.eventId, eventId), eq(auditLog.entityType, "dp_action"), eq(auditLog.entityId, `${eventId}:comment`)))
    .limit(1);
  return rows.length > 0;
}

async function templateValues(t: Tenant, lead: AmoLead): Promise<Record<string, string>> {
  const meta = await getMetadata(t);
  const pipeline = meta.pipelines.find((p) => p.id === lead.pipeline_id);
  const status = pipeline?.statuses.find((s) => s.id === lead.status_id);
  const user = meta.users.find((u) => u.id === lead.responsible_user_id);
  return {
    "lead.id": String(lead.id),
    "lead.name": lead.name ?? "",
    "lead.price": lead.price === null || lead.price === undefined ? "" : String(lead.price),
    pipeline: pipeline?.name ?? String(lead.pipeline_id),
    status: status?.name ?? String(lead.status_id),
    responsible: user?.name ?? "",
    date: new Date().toLocaleString("ru-RU", { timeZone: "Europe/Moscow" }),
  };
}

/** The sync job of a stored DP event: the lead is read from amoCRM again, never taken from the hook. */
export async function runDpEvent(env: Env, t: Tenant, event: EventRow): Promise<JobResult> {
  const hook = dpHookSchema.parse(JSON.parse(event.payload));
  const step = (e: Omit<AuditEntry, "eventId">) => writeAudit(t, { ...e, eventId: event.id });
  const amo = new AmoClient(env, t.accountId);
  const lpt = new LptClient(env, t.accountId);
  const s = hook.settings;
  const lead = await readAmoLead(amo, hook.leadId);
  if (!lead) {
    await step({ level: "warn", source: "amocrm", action: "dp.lead_missing", message: `amoCRM has no lead ${hook.leadId} (deleted?); the Digital Pipeline action did nothing.` });
    return { status: "skipped", note: `amoCRM lead ${hook.leadId} not found` };
  }
  if (hook.statusId && (lead.status_id !== hook.statusId || lead.pipeline_id !== hook.pipelineId)) {
    await step({ source: "amocrm", action: "dp.lead_moved_on", message: `amoCRM lead ${lead.id} is now in status ${lead.status_id} (the hook named ${hook.statusId}); the action runs on the lead as it is now.` });
  }
  const project = await getProject(t, s.projectId);
  if (!project || !project.enabled) return { status: "skipped", note: `LPTracker project ${s.projectId} is not connected to this account; choose another project in the Digital Pipeline action` };
  if (s.stageId) {
    const schema = await lptProjectSchema(env, t, s.projectId);
    if (!schema.stages.some((st) => st.id === s.stageId)) return { status: "skipped", note: `LPTracker project ${s.projectId} has no stage ${s.stageId} any more; choose the stage again in the Digital Pipeline action` };
  }

  if (s.action === "create_update") {
    const r = await pushAmoLead({ env, t, amo, lpt, lead, projectId: s.projectId, step });
    return { status: r.status === "skipped" ? "skipped" : "done", note: r.note };
  }
  if (s.action === "set_stage") {
    const [link] = await findLinksByAmo(t, "lead", [lead.id]);
    if (!link) {
      // Nothing to move yet: the lead is created at the chosen stage, which is where the team wants it.
      const r = await pushAmoLead({ env, t, amo, lpt, lead, projectId: s.projectId, stageId: s.stageId, step });
      return { status: r.status === "skipped" ? "skipped" : "done", note: r.note };
    }
    const moved = await setLinkedStage(lpt, t, link, s.stageId!, lead);
    if (!moved) return { status: "skipped", note: `LPTracker lead ${link.lptId} is already at stage ${s.stageId}` };
    await step({ source: "lptracker", action: "lpt.stage_set", message: `LPTracker lead ${link.lptId} moved to stage ${s.stageId} by the Digital Pipeline action (amoCRM lead ${lead.id}).`, entityType: "lpt_lead", entityId: link.lptId });
    return { status: "done", note: `LPTracker lead ${link.lptId} → stage ${s.stageId}` };
  }
  const [link] = await findLinksByAmo(t, "lead", [lead.id]);
  if (!link) return { status: "skipped", note: `amoCRM lead ${lead.id} is not linked to an LPTracker lead; put the action «create or update» before the comment` };
  if (await commentDone(t, event.id)) return { status: "skipped", note: "the comment of this event was already added" };
  const text = renderDpTemplate(s.comment ?? "", await templateValues(t, lead));
  await lpt.comment(link.lptId, text);
  await step({ source: "lptracker", action: "lpt.comment_added", message: `Comment added to LPTracker lead ${link.lptId} by the Digital Pipeline action (amoCRM lead ${lead.id}).`, entityType: "dp_action", entityId: `${event.id}:comment` });
  return { status: "done", note: `comment added to LPTracker lead ${link.lptId}` };
}
