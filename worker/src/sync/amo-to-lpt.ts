// amoCRM → LPTracker: a status change of a linked amoCRM lead moves the LPTracker lead to the
// mapped stage. Our own writes come back as amoCRM webhooks; those echoes are recognised from what
// we stored and skipped without a request. Anything else is checked against amoCRM itself: the
// webhook is unsigned, so its status is only a hint and a forged one moves nothing.
import type { Env } from "../env";
import type { Tenant } from "../db/tenant";
import type { EventRow } from "../db/events";
import type { JobResult } from "./lpt-to-amo";
import { findLinksByAmo, updateLinkMeta } from "../db/links";
import { getStageMap } from "../db/mapping";
import { writeAudit } from "../db/audit";
import { LptClient } from "../lptracker/client";
import { amoGate } from "../amocrm/gate";
import { AmoClient } from "../amocrm/client";
import { RetryLater } from "../queue/retry";

export async function syncAmoEvent(env: Env, t: Tenant, event: EventRow): Promise<JobResult> {
  const payload = JSON.parse(event.payload) as Record<string, unknown>;
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
    return await applyStatus(env, t, event, amoLeadId, statusId, pipelineId);
  } finally {
    await gate.unlock(lock);
  }
}

async function applyStatus(env: Env, t: Tenant, event: EventRow, amoLeadId: string, statusId: number, pipelineId: number): Promise<JobResult> {
  const [link] = await findLinksByAmo(t, "lead", [amoLeadId]);
  if (!link) return { status: "skipped", note: `amoCRM lead ${amoLeadId} is not linked to an LPTracker lead` };
  const wrote = (link.meta.amoWrote ?? {}) as { pipelineId?: number; statusId?: number };
  if (wrote.pipelineId === pipelineId && wrote.statusId === statusId) {
    await writeAudit(t, { source: "amocrm", action: "echo.skipped", message: `amoCRM lead ${amoLeadId} status ${statusId} is our own write; not sent back.`, eventId: event.id });
    return { status: "skipped", note: "echo of our own write" };
  }
  const stageMap = link.projectId ? await getStageMap(t, link.projectId) : [];
  const mapped = (p: number, s: number) => stageMap.find((e) => e.amoPipelineId === p && e.amoStatusId === s && e.direction !== "to_amo");
  // Whatever the real status is, a webhook naming an unmapped one cannot be a move we act on.
  if (!mapped(pipelineId, statusId)) return { status: "skipped", note: `no LPTracker stage is mapped to amoCRM status ${statusId}` };
  const real = await new AmoClient(env, t.accountId).readLead<{ id: number; pipeline_id: number; status_id: number }>(Number(amoLeadId));
  if (!real) return { status: "skipped", note: `amoCRM lead ${amoLeadId} no longer exists` };
  if (real.pipeline_id !== pipelineId || real.status_id !== statusId) {
    await writeAudit(t, {
      level: "warn",
      source: "amocrm",
      action: "webhook.status_mismatch",
      message: `The webhook said amoCRM lead ${amoLeadId} is in status ${statusId}, amoCRM says ${real.status_id}; acting on amoCRM's.`,
      eventId: event.id,
      entityType: "amo_lead",
      entityId: amoLeadId,
    });
  }
  if (wrote.pipelineId === real.pipeline_id && wrote.statusId === real.status_id) return { status: "skipped", note: "amoCRM has the status we wrote ourselves" };
  const entry = mapped(real.pipeline_id, real.status_id);
  if (!entry) return { status: "skipped", note: `no LPTracker stage is mapped to amoCRM status ${real.status_id}` };
  if (link.meta.lptStage === entry.lptStageId) return { status: "skipped", note: "LPTracker lead is already at that stage" };
  await new LptClient(env, t.accountId).setLeadStage(link.lptId, entry.lptStageId);
  await updateLinkMeta(t, link.id, { ...link.meta, amoWrote: { pipelineId: real.pipeline_id, statusId: real.status_id, at: Date.now() }, lptStage: entry.lptStageId, lptWroteStage: entry.lptStageId });
  await writeAudit(t, {
    source: "lptracker",
    action: "lpt.stage_set",
    message: `LPTracker lead ${link.lptId} moved to stage ${entry.lptStageId} after amoCRM lead ${amoLeadId} moved to status ${real.status_id}.`,
    eventId: event.id,
    entityType: "lpt_lead",
    entityId: link.lptId,
  });
  return { status: "done", note: `LPTracker lead ${link.lptId} → stage ${entry.lptStageId}` };
}
