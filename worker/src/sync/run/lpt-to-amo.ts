// The sync job for one LPTracker event: re-read the lead (the webhook is only a hint), let the
// rules decide, map it, plan the amoCRM writes (sync/plan/plan.ts: update the linked lead, add a repeat
// request to an open lead, post or join an incoming-leads entry, or create a lead) and run them, run
// the rule actions, post the calls, and record the event in one D1 batch.
import type { Env } from "../../env";
import { AmoClient } from "../../amocrm/client";
import { amoContactSchema, amoLeadSchema } from "../../contracts/amocrm";
import { amoGate } from "../../amocrm/gate";
import { getMetadata, refreshMetadata } from "../../amocrm/metadata";
import { LptClient, LptError } from "../../lptracker/client";
import { lptProjectSchema } from "../../lptracker/project-schema";
import type { Tenant } from "../../db/tenant";
import type { EventRow } from "../../db/events";
import { getProject } from "../../db/lptracker";
import { findLinkByLpt, updateLinkMeta, upsertLinkQuery, type LinkRow } from "../../db/links";
import { finishEventQuery, saveEventProgress } from "../../db/events";
import type { AmoWrite, EventProgress } from "../../contracts/stored";
import { entryByLptLead, entryByUid, getUnsortedSetting, insertUnsortedEntry, pendingEntryForPerson } from "../../db/unsorted";
import { addLeadNote, formsItem, postFormsEntry, requestNoteText } from "../../amocrm/unsorted";
import type { BatchItem } from "drizzle-orm/batch";
import { getSavedMapping, getStageMap } from "../../db/mapping";
import { callsForLptLeads, callWriteQueries, type NewCall } from "../../db/calls";
import { auditInsert, writeAudit, type AuditEntry } from "../../db/audit";
import { normalizeLptLead, type LptLead } from "../mapping/lpt-lead";
import { factText, leadFacts } from "../rules/facts";
import { loadRules, recordChain, runChain, shapeLptLead } from "../rules/rule-chain";
import { applyMapping, defaultMapping } from "../mapping/mapping";
import { complexLeadBody, contactPatchBody, leadCreateBody, type AmoContactBody } from "../mapping/amo-payload";
import type { AmoContact } from "../plan/contact-finder";
import { leadFromCallback, updateKind } from "../intake/lpt-payload";
import { postCalls, type CallToPost } from "./post-calls";
import { runAmoRuleActions } from "../rules/rule-actions";
import type { AmoMetadata, Facts, RulePlan } from "../types";
import { RetryLater } from "../../queue/retry";
import { sharedRead } from "./shared-read";
import { metaAmoMark, metaFacts, metaSnapshot, type LeadSnapshot } from "./link-meta";
import { linkUnsorted, type LinkUnsorted } from "../plan/unsorted";
import { getLeadPolicy, roundRobinUser, takeRoundRobinSlot } from "../../db/lead-policy";
import { DEFAULT_LEAD_POLICY, type LeadPolicy } from "../plan/lead-policy";
import { needsContactLeads, planAmoWrites, type AmoLeadState, type AmoOp, type WaitingEntry } from "../plan/plan";

/** `recorded`: the job wrote the event's status and closing audit entry in its own final batch. */
export type JobResult = { status: "done" | "skipped"; note: string; recorded?: boolean };

export type { LeadSnapshot };

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
  const previous = leadLink ? metaFacts(leadLink.meta) : undefined;
  const appliedAt = Math.max(lastAppliedAt ?? 0, lead.event?.at ?? 0, fromCallback ? 0 : Date.now());
  // Our own LPTracker stage write comes back as an update: recognised from what we stored, at no request.
  const kind = leadLink && previous && fromCallback ? updateKind(previous, facts, typeof leadLink.meta.lptWroteStage === "number" ? leadLink.meta.lptWroteStage : null) : null;
  if (leadLink && kind) {
    // The card shows the stored snapshot: it follows the stage even when amoCRM is left alone.
    const snapshot = metaSnapshot(leadLink.meta);
    const stage = { id: lead.stage?.id ?? null, name: factText(facts, "stage") ?? lead.stage?.name ?? null };
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
  const { policy, unsorted: unsortedSetting } = await projectLeadSettings(t, projectId);
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
    // Every D1 record of the event (links, calls, audit, its status) is written in one batch at the
    // end, so a failure or a replay never finds half an event; amoCRM is written before it.
    const noted: Omit<AuditEntry, "eventId">[] = [];
    const note = async (e: Omit<AuditEntry, "eventId">) => void noted.push(e);
    // The journal of amoCRM writes an earlier attempt of this job made and could not record.
    const journal: Journal = event.progress ?? {};
    if (journal.amo) noted.push(...journal.amo.noted);
    const done: AmoWrite = journal.amo
      ? journal.amo.result
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
          projectName: project?.name ?? null,
          receivedAt: event.receivedAt,
          policy,
          unsortedSetting,
          ruleResponsibleUserId: ruleResponsible?.type === "set_responsible" ? ruleResponsible.userId : undefined,
        });
    if (!journal.amo && done.once) {
      // A created lead or an added note cannot be written twice: a retry reads this instead.
      journal.amo = { result: done, noted: [...noted] };
      await saveEventProgress(t, event.id, journal);
    }
    if (done.declined) {
      await recordEvent(t, event.id, noted, [], { status: "skipped", note: "declined in amoCRM's incoming leads; not recreated" });
      return { status: "skipped", note: "declined in amoCRM's incoming leads; not recreated", recorded: true };
    }
    const { amoLeadId, amoContactId, amoStatus, attached } = done;

    const kept = linkUnsorted(link);
    const linkMeta = {
      facts,
      snapshot: {
        name: lead.name,
        projectId,
        projectName: project?.name ?? null,
        stage: { id: lead.stage?.id ?? null, name: factText(facts, "stage") ?? lead.stage?.name ?? null },
        view: { ...lead.view },
        createdAt: lead.createdAt ?? lead.leadDate,
        fields: snapshotFields(facts, new Map((schema?.customs ?? []).map((c) => [`lead.custom:${c.id}`, c.name]))),
        syncedAt: Date.now(),
      } satisfies LeadSnapshot,
      // The status the amoCRM lead has after our write: its webhooks carrying it are our echo.
      amoWrote: { ...(link ? metaAmoMark(link.meta, "amoWrote") : {}), ...(amoStatus ? { ...amoStatus, at: Date.now() } : {}) },
      lptStage: lead.stage?.id ?? null,
      lptAt: appliedAt,
      ...(done.unsorted ? { unsorted: done.unsorted } : kept ? { unsorted: kept } : {}),
      // A repeat request added to an open lead: later updates leave that lead's fields alone.
      ...(attached ? { attached: true } : {}),
    };

    // Rule actions journal themselves (one audit row per action, sync/rules/rule-actions.ts).
    await runAmoRuleActions(env, t, amo, lpt, plan, { amoLeadId: Number(amoLeadId), lptLeadId: lead.id, eventId: event.id, step });

    const callQueries = lead.calls.length ? await syncCalls({ t, amo, lead, schema, amoLeadId, amoContactId, leadDraft, journal, eventId: event.id, note }) : [];
    const result: JobResult = { status: "done", note: `amoCRM lead ${amoLeadId}` };
    await recordEvent(t, event.id, noted, [
      upsertLinkQuery(t, "lead", lead.id, amoLeadId, projectId, linkMeta),
      ...(lead.contact.id && amoContactId ? [upsertLinkQuery(t, "contact", lead.contact.id, amoContactId, projectId, {})] : []),
      ...callQueries,
    ], result);
    return { ...result, recorded: true };
  } finally {
    await gate.unlock(lock);
  }
}

/** What an earlier attempt of the job wrote to amoCRM and could not record (`events.progress`). */
type Journal = EventProgress;

/** The event's final batch: its rows, its audit entries, its status and the closing audit entry. */
async function recordEvent(t: Tenant, eventId: number, noted: Omit<AuditEntry, "eventId">[], rows: BatchItem<"sqlite">[], result: JobResult): Promise<void> {
  const [first, ...rest] = [
    ...rows,
    ...noted.map((e) => auditInsert(t, { ...e, eventId })),
    finishEventQuery(t, eventId, result.status, result.status === "skipped" ? result.note : null),
    auditInsert(t, { source: "system", action: `event.${result.status}`, message: `Event ${eventId} ${result.status}: ${result.note}.`, eventId }),
  ];
  await t.db.batch([first!, ...rest]);
}

/**
 * Posts the lead's calls amoCRM does not have yet and returns the call rows for the final batch.
 * A retry skips the calls the journal says were posted, so amoCRM gets each call once.
 */
async function syncCalls(i: {
  t: Tenant;
  amo: AmoClient;
  lead: LptLead;
  schema: Awaited<ReturnType<typeof lptProjectSchema>> | null;
  amoLeadId: string;
  amoContactId: string | null;
  leadDraft: UpsertInput["leadDraft"];
  journal: Journal;
  eventId: number;
  note: (e: Omit<AuditEntry, "eventId">) => Promise<void>;
}): Promise<BatchItem<"sqlite">[]> {
  const { t, lead, amoLeadId, amoContactId } = i;
  const stored = await callsForLptLeads(t, [String(lead.id)]);
  const known = new Set(stored.filter((c) => c.source === "lptracker").map((c) => c.callId));
  const fresh: NewCall[] = lead.calls
    .filter((c) => !known.has(c.id))
    .map((c) => ({
      source: "lptracker",
      callId: c.id,
      lptLeadId: String(lead.id),
      amoLeadId,
      amoContactId,
      phone: lead.contact.phones[0] ?? null,
      direction: c.direction,
      startedAt: c.at,
      duration: c.durationSec,
      result: c.disposition,
      recordingUrl: c.recordingUrl,
      operator: c.ownerId ? (i.schema?.staff?.find((m) => m.id === c.ownerId)?.name ?? String(c.ownerId)) : null,
    }));
  const pendingStored = stored.filter((c) => c.syncStatus === "pending" || c.syncStatus === "failed");
  const journaled = i.journal.calls ?? {};
  type Candidate = CallToPost & { rowId?: number; fresh?: NewCall };
  const candidates: Candidate[] = [
    ...pendingStored.map((c) => ({ ...c, rowId: c.id })),
    ...fresh.map((c) => ({ callId: c.callId, phone: c.phone ?? null, direction: c.direction ?? null, duration: c.duration ?? 0, result: c.result ?? null, recordingUrl: c.recordingUrl ?? null, startedAt: c.startedAt ?? null, fresh: c })),
  ];
  const toPost = candidates.filter((c) => !(c.callId in journaled));
  const posted = await postCalls(i.amo, toPost, { amoLeadId, amoContactId, responsibleUserId: i.leadDraft.responsibleUserId });
  const outcome = new Map<string, { syncStatus: "posted" | "failed"; amoCallId: string | null; error: string | null }>();
  for (const [callId, amoCallId] of Object.entries(journaled)) outcome.set(callId, { syncStatus: "posted", amoCallId, error: null });
  for (const o of posted.outcomes) outcome.set(o.call.callId, { syncStatus: o.syncStatus, amoCallId: o.amoCallId ?? null, error: o.error ?? null });
  const nowPosted = posted.outcomes.filter((o) => o.syncStatus === "posted");
  if (nowPosted.length) {
    // Posted calls are in amoCRM now: a retry before the final batch must not post them again.
    i.journal.calls = { ...journaled, ...Object.fromEntries(nowPosted.map((o) => [o.call.callId, o.amoCallId ?? null])) };
    await saveEventProgress(t, i.eventId, i.journal);
  }
  const target = { amoLeadId, amoContactId };
  const rows = callWriteQueries(
    t,
    candidates.filter((c) => c.fresh).map((c) => ({ ...c.fresh!, ...(outcome.get(c.callId) ?? {}) })),
    candidates.filter((c) => c.rowId !== undefined && outcome.has(c.callId)).map((c) => {
      const o = outcome.get(c.callId)!;
      return { id: c.rowId!, patch: o.syncStatus === "posted" ? { ...o, ...target } : { syncStatus: o.syncStatus, error: o.error } };
    }),
  );
  const fromJournal = candidates.filter((c) => c.callId in journaled).length;
  if (posted.posted || posted.viaNotes || posted.failed || fromJournal) {
    await i.note({
      level: posted.failed ? "warn" : "info",
      source: "amocrm",
      action: "calls.posted",
      message: `Calls: ${fresh.length} new, ${posted.posted} posted as calls, ${posted.viaNotes} as notes, ${posted.failed} failed${fromJournal ? `, ${fromJournal} posted by an earlier attempt` : ""}.`,
      entityType: "amo_lead",
      entityId: amoLeadId,
    });
  }
  if (posted.droppedLinks.length) {
    await i.note({
      level: "warn",
      source: "amocrm",
      action: "calls.link_dropped",
      message: `Recording link left out for call${posted.droppedLinks.length > 1 ? "s" : ""} ${posted.droppedLinks.slice(0, 10).join(", ")}: only http(s) links are sent to amoCRM.`,
      entityType: "amo_lead",
      entityId: amoLeadId,
    });
  }
  return rows;
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
  projectName: string | null;
  /** When the event reached us: the contact lookup must see every contact made before it. */
  receivedAt: number;
  policy: LeadPolicy;
  /** The project's incoming-leads setting (null: straight into the pipeline). */
  unsortedSetting: UnsortedSetting | null;
  ruleResponsibleUserId?: number;
}

type UnsortedSetting = { pipelineId: number };

/**
 * The project's lead policy and incoming-leads setting, read once for all jobs of a burst that run
 * together (sync/run/shared-read.ts) rather than by each event.
 */
export async function projectLeadSettings(t: Tenant, projectId: number | null): Promise<{ policy: LeadPolicy; unsorted: UnsortedSetting | null }> {
  if (!projectId) return { policy: DEFAULT_LEAD_POLICY, unsorted: null };
  const key = (what: string) => `${what}:${t.accountId}:${projectId}`;
  const [policy, unsorted] = await Promise.all([sharedRead(key("lead-policy"), () => getLeadPolicy(t, projectId)), sharedRead(key("unsorted-setting"), () => getUnsortedSetting(t, projectId))]);
  return { policy, unsorted };
}

type AmoStatus = { pipelineId: number; statusId: number };

/** A contact's leads as amoCRM has them now: the newest 50 of `_embedded.leads`, read in one shared call. */
async function contactLeads(amo: AmoClient, contact: AmoContact): Promise<AmoLeadState[]> {
  const ids = (contact._embedded?.leads ?? []).map((l) => l.id).sort((a, b) => b - a).slice(0, 50);
  const read = await Promise.all(ids.map((id) => amo.readLead(amoLeadSchema, id)));
  return read.filter((l): l is AmoLeadState => l !== null);
}

/** What the executor wrote; `once`: something amoCRM must not get twice (a retry reads the journal). */

const personKeys = (lead: LptLead) => [...lead.contact.phones.map((p) => `phone:${p}`), ...lead.contact.emails.map((e) => `email:${e}`)];

/**
 * The executor: reads what the plan needs (the link's incoming-lead state and the project's
 * setting, the waiting entry; the linked lead; else the contact, and its leads only when the
 * repeat policy asks), plans (sync/plan/plan.ts), and runs the operations through the gate.
 */
async function upsertInAmo(i: UpsertInput): Promise<AmoWrite> {
  const { t, amo, lead, contactDraft, leadDraft, step } = i;
  const linkState = linkUnsorted(i.link);
  const settled = linkState?.state === "pending" || linkState?.state === "declined";
  const setting = !i.link ? i.unsortedSetting : null;
  const settingLive = !!setting && i.meta.pipelines.some((p) => p.id === setting.pipelineId);
  let waiting: WaitingEntry | null = null;
  if (linkState?.state === "pending") {
    const entry = await entryByUid(t, linkState.uid);
    waiting = { uid: linkState.uid, amoLeadId: linkState.leadId, amoContactId: entry?.amoContactId ?? null, own: false };
  } else if (settingLive && i.projectId !== null) {
    // A retried job finds the entry its first attempt posted; else a waiting entry of the same person.
    const own = await entryByLptLead(t, String(lead.id));
    const entry = own?.state === "pending" ? own : await pendingEntryForPerson(t, i.projectId, personKeys(lead));
    waiting = entry ? { uid: entry.uid, amoLeadId: entry.amoLeadId, amoContactId: entry.amoContactId, own: entry === own } : null;
  }
  // Read and written together with the other jobs' linked leads (amocrm/gate.ts).
  const linked = i.link && !settled ? await amo.readLead(amoLeadSchema, Number(i.link.amoId)) : undefined;
  let found: Awaited<ReturnType<AmoClient["findContact"]>> | undefined;
  let leadsOfContact: AmoLeadState[] | undefined;
  // The contact is looked up only when the plan can use it: an incoming-leads entry brings its own.
  const lookUp = !linked && !settled && !waiting?.own && !(settingLive && !needsContactLeads(i.policy));
  if (lookUp) {
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
    found: lookUp ? found : undefined,
    contactLeads: leadsOfContact,
    policy: i.policy,
    ruleResponsibleUserId: i.ruleResponsibleUserId,
    meta: i.meta,
    now: Date.now(),
    unsorted: setting ? { pipelineId: setting.pipelineId } : null,
    linkUnsorted: linkState,
    waiting,
  });
  for (const r of plan.reasons.filter((x) => x.action === "lead.link_stale" || x.action.startsWith("unsorted."))) await step({ level: r.level, source: "amocrm", action: r.action, message: r.message, ...(r.action === "unsorted.declined_kept" ? { entityType: "lpt_lead", entityId: lead.id } : {}) });
  if (found) await step({ source: "amocrm", action: "contact.found", message: `amoCRM contact ${found.contact.id} found by ${found.by}.`, entityType: "amo_contact", entityId: found.contact.id });
  for (const r of plan.reasons.filter((x) => x.action !== "lead.link_stale" && !x.action.startsWith("unsorted."))) {
    await step({ level: r.level, source: "sync", action: r.action, message: r.message, ...(r.leadId ? { entityType: "amo_lead", entityId: r.leadId } : {}) });
  }

  let result: AmoWrite | null = null;
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
        result = { amoLeadId: String(op.leadId), amoContactId: null, amoStatus: op.status, attached: op.keptForRepeat, once: false };
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
        result = { amoLeadId: String(op.leadId), amoContactId: String(op.contactId), amoStatus: op.status, attached: true, once: true };
        break;
      case "create_lead":
        result = { ...(await createLead(i, op)), attached: false, once: true };
        break;
      case "keep_declined":
        result = { amoLeadId: i.link?.amoId ?? "", amoContactId: null, amoStatus: null, attached: false, declined: true, once: false };
        break;
      case "join_unsorted":
        if (op.note) {
          await addLeadNote(amo, op.leadId, requestNoteText(lead, true));
          await step({
            source: "amocrm",
            action: "unsorted.repeat_added",
            message:
              op.why === "linked"
                ? `LPTracker lead ${lead.id} changed while its incoming lead ${op.uid} waits in amoCRM: added to it as a note on lead ${op.leadId}.`
                : `LPTracker lead ${lead.id} is a repeat request of a person whose incoming lead ${op.uid} still waits in amoCRM: added to it as a note on lead ${op.leadId}, no second entry.`,
            entityType: "amo_lead",
            entityId: op.leadId,
          });
        }
        result = { amoLeadId: String(op.leadId), amoContactId: op.contactId ? String(op.contactId) : null, amoStatus: null, attached: false, unsorted: { uid: op.uid, state: "pending", leadId: String(op.leadId) }, once: op.note };
        break;
      case "create_unsorted":
        result = { ...(await createUnsorted(i, op.pipelineId)), once: true };
        break;
    }
  }
  if (!result) throw new Error("The sync plan wrote no amoCRM lead.");
  if (contactId && !result.amoContactId) result.amoContactId = String(contactId);
  return result;
}

/** Runs a planned `create_unsorted`: the forms entry with the request's metadata, stored at once, then the request as a note. */
async function createUnsorted(i: UpsertInput, pipelineId: number): Promise<Omit<AmoWrite, "once">> {
  const { t, amo, lead, step } = i;
  const projectId = i.projectId!;
  const { body, problems } = complexLeadBody(i.leadDraft, i.contactDraft, { pipelineId, statusId: 0 });
  if (problems.length) await step({ level: "warn", source: "mapping", action: "mapping.truncated", message: problems.map((p) => `${p.entity} ${p.field}: ${p.reason}`).join("; ") });
  const item = formsItem(lead, body, { projectId, projectName: i.projectName, pipelineId, now: Date.now() });
  const posted = await postFormsEntry(amo, item);
  // Stored at once: a retry of this job must find the entry, not post a second one.
  await insertUnsortedEntry(t, { uid: posted.uid, projectId, lptLeadId: String(lead.id), amoLeadId: String(posted.leadId), amoContactId: posted.contactId ? String(posted.contactId) : null, personKeys: personKeys(lead) });
  await step({
    source: "amocrm",
    action: "unsorted.created",
    message: `LPTracker lead ${lead.id} sent to amoCRM's incoming leads of pipeline ${pipelineId} (entry ${posted.uid}, lead ${posted.leadId}); it waits for a manager to accept or decline it.`,
    entityType: "amo_lead",
    entityId: posted.leadId,
    data: { uid: posted.uid, metadata: item.metadata },
  });
  await addLeadNote(amo, posted.leadId, requestNoteText(lead, false));
  return { amoLeadId: String(posted.leadId), amoContactId: posted.contactId ? String(posted.contactId) : null, amoStatus: null, attached: false, unsorted: { uid: posted.uid, state: "pending", leadId: String(posted.leadId) } };
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
  const existing = known ?? (await amo.readContact(amoContactSchema, id));
  if (!existing) return;
  const body = contactPatchBody(id, draft, existing);
  if (changesNothing(body, existing)) return;
  await amo.patchBatched("contacts", { ...body, id });
  await step({ source: "amocrm", action: "contact.updated", message: `amoCRM contact ${id} updated (mapped fields only).`, entityType: "amo_contact", entityId: id });
}
