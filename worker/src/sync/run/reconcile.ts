// Reconciliation: webhooks get lost, so a bounded pass compares what changed on both sides since
// the last pass (LPTracker `filter[updated_at_from]`, amoCRM `filter[updated_at][from]`) with what
// we last synced, and queues a repair event for each difference. Every repair is audited.
import type { Env } from "../../env";
import type { Tenant } from "../../db/tenant";
import { getCursor, setCursor } from "../../db/cursors";
import { getConnection, listProjects } from "../../db/lptracker";
import { findLinkByLpt, findLinksByAmo } from "../../db/links";
import { insertEvent } from "../../db/events";
import { writeAudit } from "../../db/audit";
import { LptClient } from "../../lptracker/client";
import { AmoClient } from "../../amocrm/client";
import { amoLeadsByUpdateAnswerSchema } from "../../contracts/amocrm";
import { metaAmoMark, metaSnapshot } from "./link-meta";
import { normalizeLptLead } from "../mapping/lpt-lead";

const FIRST_PASS_LOOKBACK_S = 24 * 3600;
const MAX_PER_PASS = 100;

export interface ReconcileReport {
  lptChecked: number;
  amoChecked: number;
  repairs: number[];
}

async function queueRepair(env: Env, t: Tenant, e: { source: "reconcile" | "amocrm"; action: string; dedupeKey: string; projectId: number | null; externalId: string; payload: unknown; why: string }): Promise<number | null> {
  const id = await insertEvent(t, { source: e.source, action: e.action, dedupeKey: e.dedupeKey, projectId: e.projectId, externalId: e.externalId, payload: JSON.stringify(e.payload) });
  if (id === null) return null;
  await env.SYNC_QUEUE.send({ kind: "event", accountId: t.accountId, eventId: id });
  await writeAudit(t, { level: "warn", source: "reconcile", action: "reconcile.repair", message: e.why, eventId: id, entityType: e.source === "amocrm" ? "amo_lead" : "lpt_lead", entityId: e.externalId });
  return id;
}

export async function reconcileAccount(env: Env, t: Tenant, nowMs: number = Date.now()): Promise<ReconcileReport> {
  const report: ReconcileReport = { lptChecked: 0, amoChecked: 0, repairs: [] };
  const nowS = Math.floor(nowMs / 1000);

  // LPTracker side: leads changed since the last pass that we have not synced since.
  if (await getConnection(t)) {
    const lpt = new LptClient(env, t.accountId);
    for (const project of (await listProjects(t)).filter((p) => p.enabled)) {
      const cursorName = `reconcile:lpt:${project.projectId}`;
      const from = Number((await getCursor(t, cursorName)) ?? nowS - FIRST_PASS_LOOKBACK_S);
      const items = await lpt.leadList(project.projectId, { "filter[updated_at_from]": from, "sort[updated_at]": 4, limit: MAX_PER_PASS, offset: 0 });
      let newest = from;
      for (const raw of items) {
        const lead = normalizeLptLead(raw);
        report.lptChecked++;
        const updatedS = Math.floor((lead.updatedAt ?? lead.createdAt ?? nowMs) / 1000);
        newest = Math.max(newest, updatedS);
        const link = await findLinkByLpt(t, "lead", lead.id);
        const syncedAt = (link ? metaSnapshot(link.meta)?.syncedAt : undefined) ?? 0;
        if (link && syncedAt >= updatedS * 1000) continue;
        const id = await queueRepair(env, t, {
          source: "reconcile",
          action: "update",
          dedupeKey: `reconcile:lpt:${lead.id}:${updatedS}`,
          projectId: project.projectId,
          externalId: String(lead.id),
          payload: { id: lead.id, project_id: project.projectId, updated_at: updatedS },
          why: link
            ? `LPTracker lead ${lead.id} changed after its last sync and no webhook came; re-syncing it.`
            : `LPTracker lead ${lead.id} was never synced (its webhook was lost); syncing it now.`,
        });
        if (id) report.repairs.push(id);
      }
      // Leads updated in the same second as the cursor are looked at again next time; dedupe keys keep that cheap.
      await setCursor(t, cursorName, String(items.length >= MAX_PER_PASS ? newest : Math.max(newest, nowS - 60)));
    }
  }

  // amoCRM side: linked leads whose status moved without a webhook reaching us.
  const amo = new AmoClient(env, t.accountId);
  const cursorName = "reconcile:amo";
  const from = Number((await getCursor(t, cursorName)) ?? nowS - FIRST_PASS_LOOKBACK_S);
  const body = await amo.read(amoLeadsByUpdateAnswerSchema, "/api/v4/leads", {
    "filter[updated_at][from]": from,
    "order[updated_at]": "asc",
    limit: MAX_PER_PASS,
  });
  const leads = body?._embedded?.leads ?? [];
  const links = await findLinksByAmo(t, "lead", leads.map((l) => l.id));
  let newest = from;
  for (const lead of leads) {
    report.amoChecked++;
    newest = Math.max(newest, lead.updated_at);
    const link = links.find((l) => l.amoId === String(lead.id));
    if (!link) continue;
    const wrote = metaAmoMark(link.meta, "amoWrote");
    const seen = metaAmoMark(link.meta, "amoSeen");
    if (wrote.statusId === lead.status_id && wrote.pipelineId === lead.pipeline_id) continue;
    if (seen.statusId === lead.status_id) continue;
    const id = await queueRepair(env, t, {
      source: "amocrm",
      action: "status",
      dedupeKey: `amo:${lead.id}:status:${lead.updated_at}:${lead.status_id}`,
      projectId: link.projectId,
      externalId: String(lead.id),
      payload: { id: lead.id, status_id: lead.status_id, pipeline_id: lead.pipeline_id, updated_at: lead.updated_at },
      why: `amoCRM lead ${lead.id} moved to status ${lead.status_id} without a webhook reaching us; moving the LPTracker lead.`,
    });
    if (id) report.repairs.push(id);
  }
  await setCursor(t, cursorName, String(leads.length >= MAX_PER_PASS ? newest : Math.max(newest, nowS - 60)));
  return report;
}
