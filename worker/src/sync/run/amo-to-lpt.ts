// amoCRM → LPTracker: a status change of a linked amoCRM lead moves the LPTracker lead to the
// mapped stage (or the stage a rule names). Our own writes come back as amoCRM webhooks; those
// echoes are recognised from what we stored and skipped without a request. Before anything is
// written, the status is checked against amoCRM itself: the webhook is unsigned, so its status is
// only a hint and a forged one moves nothing.
import type { Env } from "../../env";
import type { Tenant } from "../../db/tenant";
import type { EventRow } from "../../db/events";
import type { JobResult } from "./lpt-to-amo";
import { findLinksByAmo, updateLinkMeta, type LinkRow } from "../../db/links";
import { getStageMap } from "../../db/mapping";
import { writeAudit } from "../../db/audit";
import { LptClient } from "../../lptracker/client";
import { amoGate } from "../../amocrm/gate";
import { RetryLater } from "../../queue/retry";
import { AmoClient } from "../../amocrm/client";
import { amoLeadSchema } from "../../contracts/amocrm";
import { payloadFields } from "./payload";
import { getMetadata } from "../../amocrm/metadata";
import { amoLeadFacts, amoPreviousFacts } from "../rules/facts";
import { leadPatchBody } from "../mapping/amo-payload";
import { amoTrigger, isOwnEcho, loadRules, recordChain, runChain, shapeAmoEvent, type Step } from "../rules/rule-chain";
import { runAmoRuleActions } from "../rules/rule-actions";
import type { StageMapEntry } from "../types";

export async function syncAmoEvent(env: Env, t: Tenant, event: EventRow): Promise<JobResult> {
  const payload = payloadFields(event.payload);
  const amoLeadId = String(payload.id ?? event.externalId);
  const statusId = Number(payload.status_id);
  const pipelineId = Number(payload.pipeline_id);
  const [found] = await findLinksByAmo(t, "lead", [amoLeadId]);
  if (!found) return { status: "skipped", note: `amoCRM lead ${amoLeadId} is not linked to an LPTracker lead` };
  if (!statusId || !pipelineId) return { status: "skipped", note: "the webhook carried no status" };
  // amoCRM sends `update` and `status` for one move: one job at a time per lead, then re-read the link.
  const gate = amoGate(env, t.accountId);
  const lock = await gate.tryLock([`lpt-lead:${found.lptId}`], 60_000);
  if (!lock) throw new RetryLater(2, "another job is syncing the same lead");
  try {
    return await applyStatus(env, t, event, amoLeadId, statusId, pipelineId, payload);
  } finally {
    await gate.unlock(lock);
  }
}

async function applyStatus(env: Env, t: Tenant, event: EventRow, amoLeadId: string, statusId: number, pipelineId: number, payload: Record<string, unknown>): Promise<JobResult> {
  const [link] = await findLinksByAmo(t, "lead", [amoLeadId]);
  if (!link) return { status: "skipped", note: `amoCRM lead ${amoLeadId} is not linked to an LPTracker lead` };
  if (isOwnEcho(link.meta, event.action, pipelineId, statusId)) {
    await writeAudit(t, { source: "amocrm", action: "echo.skipped", message: `amoCRM lead ${amoLeadId} status ${statusId} is our own write; not sent back.`, eventId: event.id });
    return { status: "skipped", note: "echo of our own write" };
  }
  const step: Step = (e) => writeAudit(t, { ...e, eventId: event.id });
  const meta = await getMetadata(t);
  const plan = runChain(await loadRules(t, meta), amoTrigger(event.action), amoLeadFacts(payload, { meta }), amoPreviousFacts(payload));
  const stageMap = link.projectId ? await getStageMap(t, link.projectId) : [];
  const shape = shapeAmoEvent(plan, stageMap, pipelineId, statusId);
  const ruleWrites = shape.responsibleUserId !== undefined || shape.tags.length > 0 || plan.actions.some((a) => a.type === "add_note" || a.type === "create_task");
  const moves = shape.lptStageId !== null && link.meta.lptStage !== shape.lptStageId;
  if (!plan.skipped && (ruleWrites || moves)) {
    // Something would be written on the webhook's word: amoCRM's own status decides (one read,
    // shared with the jobs running together). A status it does not confirm runs no rules and
    // moves nothing to it; the LPTracker stage only follows the status the lead really has.
    const real = await new AmoClient(env, t.accountId).readLead(amoLeadSchema, Number(amoLeadId));
    if (!real) return { status: "skipped", note: `amoCRM lead ${amoLeadId} no longer exists` };
    if (real.pipeline_id !== pipelineId || real.status_id !== statusId) return followRealStatus(env, t, event, link, amoLeadId, statusId, real, stageMap);
  }
  await recordChain(step, plan, `amoCRM lead ${amoLeadId}`);
  if (plan.skipped) return { status: "skipped", note: "skipped by a rule" };
  const done: string[] = [];
  if (shape.responsibleUserId !== undefined || shape.tags.length) {
    const amo = new AmoClient(env, t.accountId);
    const existing = await amo.read(amoLeadSchema, `/api/v4/leads/${amoLeadId}`);
    await amo.patch(`/api/v4/leads/${amoLeadId}`, leadPatchBody(Number(amoLeadId), { tags: shape.tags, customFields: [], responsibleUserId: shape.responsibleUserId }, existing));
    await step({ source: "amocrm", action: "lead.updated", message: `amoCRM lead ${amoLeadId} updated by rules (${[shape.responsibleUserId !== undefined ? `responsible ${shape.responsibleUserId}` : "", shape.tags.length ? `tags ${shape.tags.join(", ")}` : ""].filter(Boolean).join("; ")}).`, entityType: "amo_lead", entityId: amoLeadId });
    // The PATCH comes back as an update webhook with this status: remembered as the rules' own write.
    link.meta = { ...link.meta, amoRuleWrote: { pipelineId, statusId, at: Date.now() } };
    await updateLinkMeta(t, link.id, link.meta);
    done.push("amoCRM lead updated");
  }
  if (plan.actions.some((a) => a.type === "add_note" || a.type === "create_task")) {
    await runAmoRuleActions(env, t, new AmoClient(env, t.accountId), null, plan, { amoLeadId: Number(amoLeadId), lptLeadId: Number(link.lptId), eventId: event.id, step });
    done.push("rule notes/tasks added");
  }
  if (shape.lptStageId === null) {
    if (done.length) return { status: "done", note: done.join(", ") };
    return { status: "skipped", note: `no LPTracker stage is mapped to amoCRM status ${statusId}` };
  }
  if (link.meta.lptStage === shape.lptStageId) {
    if (done.length) return { status: "done", note: done.join(", ") };
    return { status: "skipped", note: "LPTracker lead is already at that stage" };
  }
  await new LptClient(env, t.accountId).setLeadStage(link.lptId, shape.lptStageId);
  // The move is the user's, not ours: remembered as seen (for reconciliation), not as our write, so
  // that amoCRM's sibling webhook of the same move still runs its own trigger's rules.
  await updateLinkMeta(t, link.id, { ...link.meta, amoSeen: { pipelineId, statusId, at: Date.now() }, lptStage: shape.lptStageId, lptWroteStage: shape.lptStageId });
  await writeAudit(t, {
    source: "lptracker",
    action: "lpt.stage_set",
    message: `LPTracker lead ${link.lptId} moved to stage ${shape.lptStageId} after amoCRM lead ${amoLeadId} moved to status ${statusId}${shape.stageFrom === "rule" ? " (by a rule)" : ""}.`,
    eventId: event.id,
    entityType: "lpt_lead",
    entityId: link.lptId,
  });
  return { status: "done", note: `LPTracker lead ${link.lptId} → stage ${shape.lptStageId}` };
}

/**
 * A webhook whose status amoCRM does not confirm (forged, or overtaken by a later move that has its
 * own webhook): its rules are not run, and the LPTracker stage follows the status the lead has.
 */
async function followRealStatus(
  env: Env,
  t: Tenant,
  event: EventRow,
  link: LinkRow,
  amoLeadId: string,
  statusId: number,
  real: { pipeline_id: number; status_id: number },
  stageMap: StageMapEntry[],
): Promise<JobResult> {
  await writeAudit(t, {
    level: "warn",
    source: "amocrm",
    action: "webhook.status_mismatch",
    message: `The webhook said amoCRM lead ${amoLeadId} is in status ${statusId}, amoCRM says ${real.status_id}; acting on amoCRM's, the webhook's rules are not run.`,
    eventId: event.id,
    entityType: "amo_lead",
    entityId: amoLeadId,
  });
  if (isOwnEcho(link.meta, "status", real.pipeline_id, real.status_id)) return { status: "skipped", note: "amoCRM has the status we wrote ourselves" };
  const entry = stageMap.find((e) => e.amoPipelineId === real.pipeline_id && e.amoStatusId === real.status_id && e.direction !== "to_amo");
  if (!entry) return { status: "skipped", note: `no LPTracker stage is mapped to amoCRM status ${real.status_id}` };
  if (link.meta.lptStage === entry.lptStageId) return { status: "skipped", note: "LPTracker lead is already at that stage" };
  await new LptClient(env, t.accountId).setLeadStage(link.lptId, entry.lptStageId);
  await updateLinkMeta(t, link.id, { ...link.meta, amoSeen: { pipelineId: real.pipeline_id, statusId: real.status_id, at: Date.now() }, lptStage: entry.lptStageId, lptWroteStage: entry.lptStageId });
  await writeAudit(t, {
    source: "lptracker",
    action: "lpt.stage_set",
    message: `LPTracker lead ${link.lptId} moved to stage ${entry.lptStageId}: amoCRM lead ${amoLeadId} is in status ${real.status_id}.`,
    eventId: event.id,
    entityType: "lpt_lead",
    entityId: link.lptId,
  });
  return { status: "done", note: `LPTracker lead ${link.lptId} → stage ${entry.lptStageId}` };
}
