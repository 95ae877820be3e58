// The sync job for one LPTracker event: re-read the lead (the webhook is only a hint), let the
// rules decide, map it, plan the amoCRM writes (sync/plan.ts: update the linked lead, create one, or
// add a repeat request to the contact's open lead) and run them, run the rule actions, post the
// calls, and record every step in the audit log.
import type { Env } from "../env";
import { AmoClient } from "../amocrm/client";
import { amoGate } from "../amocrm/gate";
import { getMetadata, refreshMetadata } from "../amocrm/metadata";
import { LptClient, LptError } from "../lptracker/client";
import { lptProjectSchema } from "../lptracker/project-schema";
import type { Tenant } from "../db/tenant";
import type { EventRow } from "../db/events";
import { getProject } from "../db/lptracker";
import { findLinkByLpt, updateLinkMeta, upsertLinkQuery, type LinkRow } from "../db/links";
import { getSavedMapping, getStageMap } from "../db/mapping";
import { insertCalls } from "../db/calls";
import { auditInsert, writeAudit, type AuditEntry } from "../db/audit";
import { normalizeLptLead, type LptLead } from "./lpt-lead";
import { leadFacts } from "./facts";
import { loadRules, recordChain, runChain, shapeLptLead } from "./rule-chain";
import { applyMapping, defaultMapping } from "./mapping";
import { complexLeadBody, contactPatchBody, leadCreateBody, leadPatchBody, type AmoContactBody } from "./amo-payload";
import type { AmoContact } from "./contact-finder";
import { leadFromCallback, updateKind } from "./lpt-payload";
import { postPendingCalls } from "./post-calls";
import { runAmoRuleActions } from "./rule-actions";
import type { AmoMetadata, Facts, RulePlan } from "./types";
import { RetryLater } from "../queue/retry";
import { sharedRead } from "./shared-read";
import { routeViaUnsorted, unsortedLinkMeta } from "./unsorted";
import { getLeadPolicy, roundRobinUser, takeRoundRobinSlot } from "../db/lead-policy";
import { DEFAULT_LEAD_POLICY, type LeadPolicy } from "./lead-policy";
import { needsContactLeads, planAmoWrites, type AmoLeadState, type AmoOp } from "./plan";

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

  // A complete callback newer than what we last applied is the lead itself: no re-read, no LPTracker request.
  const known = event.externalId ? await findLinkByLpt(t, "lead", Number(event.externalId)) : null;
  const lastAppliedAt = typeof known?.meta.lptAt === "number" ? known.meta.lptAt : null;
  const fromCallback = event.source === "lptracker" ? leadFromCallback(event.payload, lastAppliedAt) : null;
  let lead: LptLead;
  try {
    lead = fromCallback ?? normalizeLptLead(await lpt.lead(event.externalId!));
  } catch (err) {
    if (err instanceof LptError && err.kind === "api" && err.code === 404) {
      await step({ level: "warn", source: "lptracker", action: "lead.missing", message: `LPTracker has no lead ${event.externalId} any more; nothing to sync.` });
      return { status: "skipped", note: "lead not found in LPTracker" };
    }
    throw err;
  }
  const projectId = lead.projectId ?? event.projectId;
  // Settings every job of a burst reads alike are read once for the jobs running together.
  const key = (what: string) => `${what}:${t.accountId}:${projectId}`;
  const [project, schema, stored] = await Promise.all([
    projectId ? sharedRead(key("project"), () => getProject(t, projectId)) : null,
    projectId ? sharedRead(key("lpt-schema"), () => lptProjectSchema(env, t, projectId)) : null,
    sharedRead(key("amo-meta"), () => getMetadata(t)),
  ]);
  let meta = stored;
  if (meta.fetchedAt === null) meta = await refreshMetadata(env, t);

  const facts = leadFacts(lead, { projectName: project?.name ?? null, stages: schema?.stages, customs: schema?.customs });
  const leadLink = String(lead.id) === event.externalId ? known : await findLinkByLpt(t, "lead", lead.id);
  const previous = (leadLink?.meta.facts as Facts | undefined) ?? undefined;
  const appliedAt = Math.max(lastAppliedAt ?? 0, lead.event?.at ?? 0, fromCallback ? 0 : Date.now());
  // Our own LPTracker stage write comes back as an update: recognised from what we stored, at no request.
  const kind = leadLink && previous && fromCallback ? updateKind(previous, facts, typeof leadLink.meta.lptWroteStage === "number" ? leadLink.meta.lptWroteStage : null) : null;
  if (leadLink && kind) {
    // The card shows the stored snapshot: it follows the stage even when amoCRM is left alone.
    const snapshot = leadLink.meta.snapshot as LeadSnapshot | undefined;
    const stage = { id: lead.stage?.id ?? null, name: (facts.stage as string | null) ?? lead.stage?.name ?? null };
    await updateLinkMeta(t, leadLink.id, { ...leadLink.meta, facts, lptStage: stage.id, lptAt: appliedAt, ...(snapshot ? { snapshot: { ...snapshot, stage, syncedAt: Date.now() } } : {}) });
    await step({
      source: "lptracker",
      action: kind === "echo" ? "echo.skipped" : "lead.unchanged",
      message:
        kind === "echo"
          ? `LPTracker lead ${lead.id} moved to stage ${lead.stage?.id} by our own write; not sent back to amoCRM.`
          : `LPTracker lead ${lead.id}: nothing that we sync has changed; amoCRM is left as it is.`,
      entityType: "lpt_lead",
      entityId: lead.id,
    });
    return { status: "skipped", note: kind === "echo" ? "echo of our own write" : "nothing changed" };
  }
  const trigger = leadLink ? "lpt.lead.updated" : "lpt.lead.created";
  const rules = await loadRules(t, meta);
  const plan: RulePlan = runChain(rules, trigger, facts, previous);
  await recordChain(step, plan, `LPTracker lead ${lead.id}`);
  if (plan.skipped) return { status: "skipped", note: "skipped by a rule" };

  const saved = projectId ? await sharedRead(key("mapping"), () => getSavedMapping(t, projectId)) : null;
  const rows = saved?.rows ?? defaultMapping(meta);
  const stageMap = projectId ? await sharedRead(key("stage-map"), () => getStageMap(t, projectId)) : [];
  const policy: LeadPolicy = projectId ? await sharedRead(key("lead-policy"), () => getLeadPolicy(t, projectId)) : DEFAULT_LEAD_POLICY;
  const ruleResponsible = [...plan.actions].reverse().find((a) => a.type === "set_responsible");
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
    // The amoCRM steps are written together with the links, in one D1 round trip (a burst runs
    // hundreds of these jobs through one database).
    const noted: Omit<AuditEntry, "eventId">[] = [];
    const note = async (e: Omit<AuditEntry, "eventId">) => void noted.push(e);
    // Projects set to amoCRM's incoming leads: a new lead becomes an entry there (sync/unsorted.ts).
    const viaUnsorted = await routeViaUnsorted({ t, amo, lead, link, contactDraft, leadDraft, projectId, projectName: project?.name ?? null, meta, step });
    if (viaUnsorted?.kind === "declined") return viaUnsorted.result;
    const { amoLeadId, amoContactId, amoStatus, attached } = viaUnsorted
      ? { amoLeadId: viaUnsorted.amoLeadId, amoContactId: viaUnsorted.amoContactId, amoStatus: null, attached: false }
      : await upsertInAmo({
          t,
          amo,
          lead,
          link,
          contactDraft,
          leadDraft,
          placement,
          stageChanged: previous?.["stage.id"] !== facts["stage.id"],
          meta,
          step: note,
          projectId,
          receivedAt: event.receivedAt,
          policy,
          ruleResponsibleUserId: ruleResponsible?.type === "set_responsible" ? ruleResponsible.userId : undefined,
        });

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
      // The status the amoCRM lead has after our write: its webhooks carrying it are our echo.
      amoWrote: { ...((link?.meta.amoWrote as object | undefined) ?? {}), ...(amoStatus ? { ...amoStatus, at: Date.now() } : {}) },
      lptStage: lead.stage?.id ?? null,
      lptAt: appliedAt,
      ...unsortedLinkMeta(link, viaUnsorted),
      // A repeat request added to an open lead: later updates leave that lead's fields alone.
      ...(attached ? { attached: true } : {}),
    };
    const [first, ...rest] = [
      upsertLinkQuery(t, "lead", lead.id, amoLeadId, projectId, linkMeta),
      ...(lead.contact.id && amoContactId ? [upsertLinkQuery(t, "contact", lead.contact.id, amoContactId, projectId, {})] : []),
      ...noted.map((e) => auditInsert(t, { ...e, eventId: event.id })),
    ];
    await t.db.batch([first!, ...rest]);

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
  /** When the event reached us: the contact lookup must see every contact made before it. */
  receivedAt: number;
  policy: LeadPolicy;
  ruleResponsibleUserId?: number;
}

type AmoStatus = { pipelineId: number; statusId: number };

/** A contact's leads as amoCRM has them now: the newest 50 of `_embedded.leads`, read in one shared call. */
async function contactLeads(amo: AmoClient, contact: AmoContact): Promise<AmoLeadState[]> {
  const ids = (contact._embedded?.leads ?? []).map((l) => l.id).sort((a, b) => b - a).slice(0, 50);
  const read = await Promise.all(ids.map((id) => amo.readLead<AmoLeadState>(id)));
  return read.filter((l): l is AmoLeadState => l !== null);
}

/**
 * The executor: reads what the plan needs (the linked lead; else the contact, and its leads only
 * when the repeat policy asks), plans (sync/plan.ts), and runs the operations through the gate.
 */
async function upsertInAmo(i: UpsertInput): Promise<{ amoLeadId: string; amoContactId: string | null; amoStatus: AmoStatus | null; attached: boolean }> {
  const { amo, lead, contactDraft, leadDraft, step } = i;
  // Read and written together with the other jobs' linked leads (amocrm/gate.ts).
  const linked = i.link ? await amo.readLead<AmoLeadState>(Number(i.link.amoId)) : undefined;
  let found: Awaited<ReturnType<AmoClient["findContact"]>> | undefined;
  let leadsOfContact: AmoLeadState[] | undefined;
  if (!linked) {
    // Leads of jobs running side by side share the lookup and the `leads/complex` call (amocrm/gate.ts).
    found = await amo.findContact(lead.contact.phones, lead.contact.emails, i.receivedAt);
    if (found && needsContactLeads(i.policy)) leadsOfContact = await contactLeads(amo, found.contact);
  }
  const plan = planAmoWrites({
    lead,
    link: i.link ? { amoId: i.link.amoId, attached: i.link.meta.attached === true } : null,
    linked,
    contactDraft,
    leadDraft,
    placement: i.placement,
    defaultPlacement: defaultPlacement(i.meta),
    stageChanged: i.stageChanged,
    found,
    contactLeads: leadsOfContact,
    policy: i.policy,
    ruleResponsibleUserId: i.ruleResponsibleUserId,
    meta: i.meta,
    now: Date.now(),
  });
  for (const r of plan.reasons.filter((x) => x.action === "lead.link_stale")) await step({ level: r.level, source: "amocrm", action: r.action, message: r.message });
  if (found) await step({ source: "amocrm", action: "contact.found", message: `amoCRM contact ${found.contact.id} found by ${found.by}.`, entityType: "amo_contact", entityId: found.contact.id });
  for (const r of plan.reasons.filter((x) => x.action !== "lead.link_stale")) {
    await step({ level: r.level, source: "sync", action: r.action, message: r.message, ...(r.leadId ? { entityType: "amo_lead", entityId: r.leadId } : {}) });
  }

  let result: { amoLeadId: string; amoContactId: string | null; amoStatus: AmoStatus | null; attached: boolean } | null = null;
  let contactId: number | null = null;
  for (const op of plan.ops) {
    switch (op.kind) {
      case "update_contact":
        contactId = op.contactId;
        await updateContact(amo, op.contactId, contactDraft, step, op.known);
        break;
      case "update_lead":
        if (op.body) await amo.patchBatched("leads", { ...op.body, id: op.leadId });
        if (!op.keptForRepeat) {
          await step(
            op.body
              ? { source: "amocrm", action: "lead.updated", message: `amoCRM lead ${op.leadId} updated from LPTracker lead ${lead.id}.`, entityType: "amo_lead", entityId: op.leadId }
              : { source: "amocrm", action: "lead.up_to_date", message: `amoCRM lead ${op.leadId} already holds what LPTracker lead ${lead.id} maps to.`, entityType: "amo_lead", entityId: op.leadId },
          );
        }
        result = { amoLeadId: String(op.leadId), amoContactId: null, amoStatus: op.status, attached: op.keptForRepeat };
        break;
      case "attach_repeat":
        await amo.post("/api/v4/leads/notes", [{ entity_id: op.leadId, note_type: "common", params: { text: op.note } }]);
        await amo.post("/api/v4/tasks", [
          {
            text: op.task.text,
            complete_till: op.task.completeTill,
            entity_id: op.leadId,
            entity_type: "leads",
            task_type_id: op.task.taskTypeId,
            ...(op.task.responsibleUserId ? { responsible_user_id: op.task.responsibleUserId } : {}),
          },
        ]);
        await step({ source: "amocrm", action: "lead.repeat_noted", message: `Note «Повторная заявка» and a task added to amoCRM lead ${op.leadId}.`, entityType: "amo_lead", entityId: op.leadId });
        result = { amoLeadId: String(op.leadId), amoContactId: String(op.contactId), amoStatus: op.status, attached: true };
        break;
      case "create_lead":
        result = { ...(await createLead(i, op)), attached: false };
        break;
      case "create_unsorted":
        throw new Error("Incoming leads («Неразобранное») are not planned by this version of the sync.");
    }
  }
  if (!result) throw new Error("The sync plan wrote no amoCRM lead.");
  if (contactId && !result.amoContactId) result.amoContactId = String(contactId);
  return result;
}

/** Runs a planned `create_lead`: the responsible user resolved (a round-robin slot taken now), then `leads/complex`. */
async function createLead(i: UpsertInput, op: Extract<AmoOp, { kind: "create_lead" }>): Promise<{ amoLeadId: string; amoContactId: string | null; amoStatus: AmoStatus }> {
  const { amo, lead, step } = i;
  const leadDraft = { ...i.leadDraft };
  const contactDraft = { ...i.contactDraft };
  const r = op.responsible;
  const userId = r.from === "round_robin" ? roundRobinUser(r.users, await takeRoundRobinSlot(i.t, i.projectId!)) : r.from === "none" ? undefined : r.userId;
  if (userId !== undefined) {
    leadDraft.responsibleUserId = userId;
    // A contact created with the lead belongs to the same manager; a found one keeps its own.
    contactDraft.responsibleUserId ??= userId;
  }
  if (r.from === "round_robin") await step({ source: "sync", action: "lead.assigned", message: `Round-robin: responsible user ${userId}.` });
  const amoStatus = { ...op.placement };
  if (op.contactId !== null) {
    const created = await amo.createComplex(leadCreateBody(leadDraft, { ...op.placement, contactId: op.contactId }), { phones: [], emails: [] });
    await step({ source: "amocrm", action: "lead.created", message: `amoCRM lead ${created.id} created for LPTracker lead ${lead.id}, linked to contact ${op.contactId}.`, entityType: "amo_lead", entityId: created.id });
    return { amoLeadId: String(created.id), amoContactId: String(op.contactId), amoStatus };
  }
  const { body, problems } = complexLeadBody(leadDraft, contactDraft, op.placement);
  if (problems.length) await step({ level: "warn", source: "mapping", action: "mapping.truncated", message: problems.map((p) => `${p.entity} ${p.field}: ${p.reason}`).join("; ") });
  const item = await amo.createComplex(body, { phones: contactDraft.phones.map((p) => p.value), emails: contactDraft.emails.map((e) => e.value) });
  await step({ source: "amocrm", action: "contact.created", message: `amoCRM contact ${item.contact_id} created.`, entityType: "amo_contact", entityId: item.contact_id ?? undefined });
  await step({ source: "amocrm", action: "lead.created", message: `amoCRM lead ${item.id} created for LPTracker lead ${lead.id} (with a new contact).`, entityType: "amo_lead", entityId: item.id });
  return { amoLeadId: String(item.id), amoContactId: item.contact_id ? String(item.contact_id) : null, amoStatus };
}

/** True when a contact patch would write back exactly what amoCRM already has. */
function changesNothing(body: AmoContactBody, existing: AmoContact): boolean {
  if (body.custom_fields_values?.length || body._embedded) return false;
  if (body.name !== undefined && body.name !== existing.name) return false;
  if (body.responsible_user_id !== undefined && body.responsible_user_id !== existing.responsible_user_id) return false;
  return true;
}

async function updateContact(amo: AmoClient, id: number, draft: UpsertInput["contactDraft"], step: UpsertInput["step"], known?: AmoContact): Promise<void> {
  const hasMapped = draft.name !== undefined || draft.phones.length || draft.emails.length || draft.tags.length || draft.customFields.length || draft.responsibleUserId !== undefined;
  if (!hasMapped) return;
  const existing = known ?? (await amo.readContact<AmoContact>(id));
  if (!existing) return;
  const body = contactPatchBody(id, draft, existing);
  if (changesNothing(body, existing)) return;
  await amo.patchBatched("contacts", { ...body, id });
  await step({ source: "amocrm", action: "contact.updated", message: `amoCRM contact ${id} updated (mapped fields only).`, entityType: "amo_contact", entityId: id });
}
