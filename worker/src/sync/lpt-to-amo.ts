// The sync job for one LPTracker event: re-read the lead (the webhook is only a hint), let the
// rules decide, map it, find or create the amoCRM contact, update the linked amoCRM lead or create
// one, run the rule actions, post the calls, and record every step in the audit log.
import type { Env } from "../env";
import { AmoClient } from "../amocrm/client";
import { amoGate } from "../amocrm/gate";
import { getMetadata, refreshMetadata } from "../amocrm/metadata";
import { LptClient, LptError } from "../lptracker/client";
import { lptProjectSchema } from "../lptracker/project-schema";
import type { Tenant } from "../db/tenant";
import type { EventRow } from "../db/events";
import { getProject } from "../db/lptracker";
import { findLinkByLpt, upsertLink, type LinkRow } from "../db/links";
import { getSavedMapping, getStageMap } from "../db/mapping";
import { insertCalls } from "../db/calls";
import { writeAudit, type AuditEntry } from "../db/audit";
import { normalizeLptLead, type LptLead } from "./lpt-lead";
import { leadFacts } from "./facts";
import { loadRules, recordChain, runChain, shapeLptLead } from "./rule-chain";
import { applyMapping, defaultMapping } from "./mapping";
import { complexLeadBody, contactPatchBody, leadCreateBody, leadPatchBody } from "./amo-payload";
import { findAmoContact, type AmoContact } from "./contact-finder";
import { postPendingCalls } from "./post-calls";
import { runAmoRuleActions } from "./rule-actions";
import type { AmoMetadata, Facts, RulePlan } from "./types";
import { RetryLater } from "../queue/retry";

export type JobResult = { status: "done" | "skipped"; note: string };

export interface LeadSnapshot {
  name: string | null;
  projectId: number | null;
  projectName: string | null;
  stage: { id: number | null; name: string | null };
  view: Record<string, string | null>;
  createdAt: number | null;
  fields: { label: string; value: string }[];
  syncedAt: number;
}

interface AmoLead {
  id: number;
  pipeline_id: number;
  status_id: number;
  responsible_user_id?: number;
  _embedded?: { tags?: { name: string }[]; contacts?: { id: number; is_main?: boolean }[] };
}

/** Where a new lead goes when neither a rule nor the stage map says: the main pipeline's first open status. */
export function defaultPlacement(meta: AmoMetadata): { pipelineId: number; statusId: number } | null {
  const pipelines = [...meta.pipelines].sort((a, b) => Number(b.is_main) - Number(a.is_main) || a.sort - b.sort);
  for (const p of pipelines) {
    const status = [...p.statuses].sort((a, b) => a.sort - b.sort).find((s) => s.id !== 142 && s.id !== 143 && s.type !== 1);
    if (status) return { pipelineId: p.id, statusId: status.id };
  }
  return null;
}

function snapshotFields(facts: Facts, schemaNames: Map<string, string>): { label: string; value: string }[] {
  const out: { label: string; value: string }[] = [];
  for (const [key, value] of Object.entries(facts)) {
    if (!key.startsWith("lead.custom:") || value === null || value === undefined || value === "") continue;
    const label = schemaNames.get(key) ?? key;
    out.push({ label, value: Array.isArray(value) ? value.join(", ") : String(value) });
  }
  return out;
}

export async function syncLptEvent(env: Env, t: Tenant, event: EventRow): Promise<JobResult> {
  const step = (e: Omit<AuditEntry, "eventId">) => writeAudit(t, { ...e, eventId: event.id });
  const lpt = new LptClient(env, t.accountId);
  const amo = new AmoClient(env, t.accountId);

  if (event.action === "delete") {
    await step({ source: "lptracker", action: "lead.deleted", message: `LPTracker lead ${event.externalId} was deleted; amoCRM data is kept as it is.`, entityType: "lpt_lead", entityId: event.externalId ?? undefined });
    return { status: "skipped", note: "lead deleted in LPTracker" };
  }

  let lead: LptLead;
  try {
    lead = normalizeLptLead(await lpt.lead(event.externalId!));
  } catch (err) {
    if (err instanceof LptError && err.kind === "api" && err.code === 404) {
      await step({ level: "warn", source: "lptracker", action: "lead.missing", message: `LPTracker has no lead ${event.externalId} any more; nothing to sync.` });
      return { status: "skipped", note: "lead not found in LPTracker" };
    }
    throw err;
  }
  const projectId = lead.projectId ?? event.projectId;
  const project = projectId ? await getProject(t, projectId) : null;
  const schema = projectId ? await lptProjectSchema(env, t, projectId) : null;
  let meta = await getMetadata(t);
  if (meta.fetchedAt === null) meta = await refreshMetadata(env, t);

  const facts = leadFacts(lead, { projectName: project?.name ?? null, stages: schema?.stages, customs: schema?.customs });
  const leadLink = await findLinkByLpt(t, "lead", lead.id);
  const previous = (leadLink?.meta.facts as Facts | undefined) ?? undefined;
  const trigger = leadLink ? "lpt.lead.updated" : "lpt.lead.created";
  const rules = await loadRules(t, meta);
  const plan: RulePlan = runChain(rules, trigger, facts, previous);
  await recordChain(step, plan, `LPTracker lead ${lead.id}`);
  if (plan.skipped) return { status: "skipped", note: "skipped by a rule" };

  const saved = projectId ? await getSavedMapping(t, projectId) : null;
  const rows = saved?.rows ?? defaultMapping(meta);
  const stageMap = projectId ? await getStageMap(t, projectId) : [];
  const { contact: contactDraft, lead: leadDraft, problems, placement } = shapeLptLead(plan, facts, lead, meta, rows, stageMap);
  if (problems.length) {
    await step({
      level: "warn",
      source: "mapping",
      action: "mapping.broken",
      message: `Mapping rows not applied: ${problems.map((p) => `${p.rowId} (${p.reason})`).join("; ")}. Fix them in the widget's mapping editor.`,
      data: { problems },
    });
  }

  // Lock the lead and the person so that two jobs never create the same contact or lead twice.
  const lockKeys = [`lpt-lead:${lead.id}`, ...lead.contact.phones.map((p) => `phone:${p}`), ...lead.contact.emails.map((e) => `email:${e}`)];
  const gate = amoGate(env, t.accountId);
  const lock = await gate.tryLock(lockKeys, 120_000);
  if (!lock) throw new RetryLater(2, "another job is syncing the same lead or person");
  try {
    // The link may have appeared while we waited for the lock.
    const link = (await findLinkByLpt(t, "lead", lead.id)) ?? leadLink;
    const { amoLeadId, amoContactId } = await upsertInAmo({ t, amo, lead, link, contactDraft, leadDraft, placement, stageChanged: previous?.["stage.id"] !== facts["stage.id"], meta, step, projectId });

    const linkMeta = {
      facts,
      snapshot: {
        name: lead.name,
        projectId,
        projectName: project?.name ?? null,
        stage: { id: lead.stage?.id ?? null, name: (facts.stage as string | null) ?? lead.stage?.name ?? null },
        view: { ...lead.view },
        createdAt: lead.createdAt ?? lead.leadDate,
        fields: snapshotFields(facts, new Map((schema?.customs ?? []).map((c) => [`lead.custom:${c.id}`, c.name]))),
        syncedAt: Date.now(),
      } satisfies LeadSnapshot,
      amoWrote: { ...((link?.meta.amoWrote as object | undefined) ?? {}), ...(placement ? { pipelineId: placement.pipelineId, statusId: placement.statusId, at: Date.now() } : {}) },
      lptStage: lead.stage?.id ?? null,
    };
    await upsertLink(t, "lead", lead.id, amoLeadId, projectId, linkMeta);
    if (lead.contact.id && amoContactId) await upsertLink(t, "contact", lead.contact.id, amoContactId, projectId, {});

    await runAmoRuleActions(env, t, amo, lpt, plan, { amoLeadId: Number(amoLeadId), lptLeadId: lead.id, eventId: event.id, step });

    if (lead.calls.length) {
      const fresh = await insertCalls(
        t,
        lead.calls.map((c) => ({
          source: "lptracker",
          callId: c.id,
          lptLeadId: String(lead.id),
          amoLeadId: String(amoLeadId),
          amoContactId: amoContactId ? String(amoContactId) : null,
          phone: lead.contact.phones[0] ?? null,
          direction: c.direction,
          startedAt: c.at,
          duration: c.durationSec,
          result: c.disposition,
          recordingUrl: c.recordingUrl,
          operator: c.ownerId ? (schema?.staff?.find((m) => m.id === c.ownerId)?.name ?? String(c.ownerId)) : null,
        })),
      );
      const posted = await postPendingCalls(t, amo, String(lead.id), { amoLeadId: String(amoLeadId), amoContactId: amoContactId ? String(amoContactId) : null, responsibleUserId: leadDraft.responsibleUserId });
      if (posted.posted || posted.viaNotes || posted.failed) {
        await step({
          level: posted.failed ? "warn" : "info",
          source: "amocrm",
          action: "calls.posted",
          message: `Calls: ${fresh} new, ${posted.posted} posted as calls, ${posted.viaNotes} as notes, ${posted.failed} failed.`,
          entityType: "amo_lead",
          entityId: amoLeadId,
        });
      }
      if (posted.droppedLinks.length) {
        await step({
          level: "warn",
          source: "amocrm",
          action: "calls.link_dropped",
          message: `Recording link left out for call${posted.droppedLinks.length > 1 ? "s" : ""} ${posted.droppedLinks.slice(0, 10).join(", ")}: only http(s) links are sent to amoCRM.`,
          entityType: "amo_lead",
          entityId: amoLeadId,
        });
      }
    }
    return { status: "done", note: `amoCRM lead ${amoLeadId}` };
  } finally {
    await gate.unlock(lock);
  }
}

interface UpsertInput {
  t: Tenant;
  amo: AmoClient;
  lead: LptLead;
  link: LinkRow | null;
  contactDraft: ReturnType<typeof applyMapping>["contact"];
  leadDraft: ReturnType<typeof applyMapping>["lead"];
  placement: { pipelineId: number; statusId: number } | null;
  stageChanged: boolean;
  meta: AmoMetadata;
  step: (e: Omit<AuditEntry, "eventId">) => Promise<void>;
  projectId: number | null;
}

async function upsertInAmo(i: UpsertInput): Promise<{ amoLeadId: string; amoContactId: string | null }> {
  const { amo, lead, contactDraft, leadDraft, step } = i;
  // An existing link: update that lead (only mapped fields; stage only when it moved).
  if (i.link) {
    const existing = await amo.get<AmoLead>(`/api/v4/leads/${i.link.amoId}`, { with: "contacts" }).catch((err: unknown) => {
      if ((err as { status?: number }).status === 404) return null;
      throw err;
    });
    if (existing) {
      const body = leadPatchBody(existing.id, leadDraft, existing);
      if (i.placement && i.stageChanged && (existing.pipeline_id !== i.placement.pipelineId || existing.status_id !== i.placement.statusId)) {
        body.pipeline_id = i.placement.pipelineId;
        body.status_id = i.placement.statusId;
      }
      await amo.patch(`/api/v4/leads/${existing.id}`, body);
      await step({ source: "amocrm", action: "lead.updated", message: `amoCRM lead ${existing.id} updated from LPTracker lead ${lead.id}.`, entityType: "amo_lead", entityId: existing.id });
      const contactId = existing._embedded?.contacts?.find((c) => c.is_main)?.id ?? existing._embedded?.contacts?.[0]?.id ?? null;
      if (contactId) await updateContact(amo, contactId, contactDraft, step);
      return { amoLeadId: String(existing.id), amoContactId: contactId ? String(contactId) : null };
    }
    await step({ level: "warn", source: "amocrm", action: "lead.link_stale", message: `The linked amoCRM lead ${i.link.amoId} no longer exists; a new one is created.` });
  }

  const placement = i.placement ?? defaultPlacement(i.meta);
  if (!placement) throw new Error("The amoCRM account has no pipeline with an open status to put the lead in.");
  const found = await findAmoContact(amo, lead.contact.phones, lead.contact.emails);
  if (found) {
    await step({ source: "amocrm", action: "contact.found", message: `amoCRM contact ${found.contact.id} found by ${found.by}.`, entityType: "amo_contact", entityId: found.contact.id });
    await updateContact(amo, found.contact.id, contactDraft, step, found.contact);
    const created = await amo.post<{ _embedded?: { leads?: { id: number }[] } }>("/api/v4/leads", [leadCreateBody(leadDraft, { ...placement, contactId: found.contact.id })]);
    const id = created._embedded?.leads?.[0]?.id;
    if (!id) throw new Error("amoCRM did not return the new lead's id");
    await step({ source: "amocrm", action: "lead.created", message: `amoCRM lead ${id} created for LPTracker lead ${lead.id}, linked to contact ${found.contact.id}.`, entityType: "amo_lead", entityId: id });
    return { amoLeadId: String(id), amoContactId: String(found.contact.id) };
  }
  const { body, problems } = complexLeadBody(leadDraft, contactDraft, placement);
  if (problems.length) await step({ level: "warn", source: "mapping", action: "mapping.truncated", message: problems.map((p) => `${p.entity} ${p.field}: ${p.reason}`).join("; ") });
  const created = await amo.post<{ id: number; contact_id: number | null }[]>("/api/v4/leads/complex", [body]);
  const item = created[0];
  if (!item?.id) throw new Error("amoCRM did not return the new lead's id");
  await step({ source: "amocrm", action: "contact.created", message: `amoCRM contact ${item.contact_id} created.`, entityType: "amo_contact", entityId: item.contact_id ?? undefined });
  await step({ source: "amocrm", action: "lead.created", message: `amoCRM lead ${item.id} created for LPTracker lead ${lead.id} (with a new contact).`, entityType: "amo_lead", entityId: item.id });
  return { amoLeadId: String(item.id), amoContactId: item.contact_id ? String(item.contact_id) : null };
}

async function updateContact(amo: AmoClient, id: number, draft: UpsertInput["contactDraft"], step: UpsertInput["step"], known?: AmoContact): Promise<void> {
  const hasMapped = draft.name !== undefined || draft.phones.length || draft.emails.length || draft.tags.length || draft.customFields.length || draft.responsibleUserId !== undefined;
  if (!hasMapped) return;
  const existing = known ?? (await amo.get<AmoContact>(`/api/v4/contacts/${id}`));
  const body = contactPatchBody(id, draft, existing);
  await amo.patch(`/api/v4/contacts/${id}`, body);
  await step({ source: "amocrm", action: "contact.updated", message: `amoCRM contact ${id} updated (mapped fields only).`, entityType: "amo_contact", entityId: id });
}
