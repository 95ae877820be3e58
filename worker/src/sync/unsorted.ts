// Incoming leads («Неразобранное»): a new LPTracker lead of a project set to it becomes an amoCRM
// forms entry instead of a pipeline lead; a repeat request while it waits becomes a note on it; the
// manager's accept/decline (amoCRM's unsorted webhook) moves our links to the accepted lead or
// marks them declined, so later LPTracker updates update that lead or recreate nothing.
import type { Env } from "../env";
import type { AmoClient } from "../amocrm/client";
import { amoGate } from "../amocrm/gate";
import { addLeadNote, formsItem, postFormsEntry, requestNoteText } from "../amocrm/unsorted";
import type { Tenant } from "../db/tenant";
import type { EventRow } from "../db/events";
import { findLinksByAmo, upsertLinkQuery, type LinkRow } from "../db/links";
import { writeAudit, type AuditEntry } from "../db/audit";
import { entryByLptLead, entryByUid, getUnsortedSetting, insertUnsortedEntry, pendingEntryForPerson, setEntryState, type UnsortedState } from "../db/unsorted";
import type { FormValue } from "../lib/php-form";
import { resultLead } from "./unsorted-hook";
import { RetryLater } from "../queue/retry";
import { complexLeadBody, type AmoContactDraft, type AmoLeadDraft } from "./amo-payload";
import type { LptLead } from "./lpt-lead";
import type { AmoMetadata } from "./types";

type JobResult = { status: "done" | "skipped"; note: string };

/** What a lead link remembers of its incoming lead (`links.meta.unsorted`). */
export interface LinkUnsorted {
  uid: string;
  state: UnsortedState;
  /** The lead amoCRM made with the entry; after an accept, the lead it was accepted into. */
  leadId: string;
}

export function linkUnsorted(link: Pick<LinkRow, "meta"> | null | undefined): LinkUnsorted | null {
  const u = link?.meta.unsorted as LinkUnsorted | undefined;
  return u && typeof u.uid === "string" ? u : null;
}

export interface UnsortedInput {
  t: Tenant;
  amo: AmoClient;
  lead: LptLead;
  link: LinkRow | null;
  contactDraft: AmoContactDraft;
  leadDraft: AmoLeadDraft;
  projectId: number | null;
  projectName: string | null;
  meta: AmoMetadata;
  step: (e: Omit<AuditEntry, "eventId">) => Promise<void>;
}

export type UnsortedRoute =
  | { kind: "declined"; result: JobResult }
  | { kind: "entry"; amoLeadId: string; amoContactId: string | null; unsorted: LinkUnsorted };

function personKeys(lead: LptLead): string[] {
  return [...lead.contact.phones.map((p) => `phone:${p}`), ...lead.contact.emails.map((e) => `email:${e}`)];
}

/**
 * Decides whether the LPTracker lead goes through amoCRM's incoming leads; null means the usual
 * path (no such setting, or the entry was accepted and the link now names the accepted lead).
 * Runs under the job's lock on the lead and the person.
 */
export async function routeViaUnsorted(i: UnsortedInput): Promise<UnsortedRoute | null> {
  const { t, amo, lead, link, step } = i;
  const current = linkUnsorted(link);
  if (current?.state === "declined") {
    await step({
      source: "amocrm",
      action: "unsorted.declined_kept",
      message: `LPTracker lead ${lead.id} was declined in amoCRM's incoming leads (${current.uid}); this update creates nothing in amoCRM.`,
      entityType: "lpt_lead",
      entityId: lead.id,
    });
    return { kind: "declined", result: { status: "skipped", note: "declined in amoCRM's incoming leads; not recreated" } };
  }
  if (current?.state === "pending" && link) {
    await addLeadNote(amo, Number(current.leadId), requestNoteText(lead, true));
    await step({ source: "amocrm", action: "unsorted.repeat_added", message: `LPTracker lead ${lead.id} changed while its incoming lead ${current.uid} waits in amoCRM: added to it as a note on lead ${current.leadId}.`, entityType: "amo_lead", entityId: current.leadId });
    const entry = await entryByUid(t, current.uid);
    return { kind: "entry", amoLeadId: current.leadId, amoContactId: entry?.amoContactId ?? null, unsorted: current };
  }
  if (link || i.projectId === null) return null;
  const setting = await getUnsortedSetting(t, i.projectId);
  if (!setting) return null;
  if (!i.meta.pipelines.some((p) => p.id === setting.pipelineId)) {
    await step({ level: "warn", source: "amocrm", action: "unsorted.pipeline_missing", message: `The pipeline ${setting.pipelineId} chosen for incoming leads no longer exists in amoCRM; LPTracker lead ${lead.id} goes straight into a pipeline. Choose another pipeline in the widget's settings.` });
    return null;
  }

  // A retried job finds the entry its first attempt posted; a waiting entry of the same person takes the request.
  const own = await entryByLptLead(t, String(lead.id));
  const waiting = own?.state === "pending" ? own : await pendingEntryForPerson(t, i.projectId, personKeys(lead));
  if (waiting) {
    if (waiting !== own) {
      await addLeadNote(amo, Number(waiting.amoLeadId), requestNoteText(lead, true));
      await step({ source: "amocrm", action: "unsorted.repeat_added", message: `LPTracker lead ${lead.id} is a repeat request of a person whose incoming lead ${waiting.uid} still waits in amoCRM: added to it as a note on lead ${waiting.amoLeadId}, no second entry.`, entityType: "amo_lead", entityId: waiting.amoLeadId });
    }
    return { kind: "entry", amoLeadId: waiting.amoLeadId, amoContactId: waiting.amoContactId, unsorted: { uid: waiting.uid, state: "pending", leadId: waiting.amoLeadId } };
  }

  const { body, problems } = complexLeadBody(i.leadDraft, i.contactDraft, { pipelineId: setting.pipelineId, statusId: 0 });
  if (problems.length) await step({ level: "warn", source: "mapping", action: "mapping.truncated", message: problems.map((p) => `${p.entity} ${p.field}: ${p.reason}`).join("; ") });
  const item = formsItem(lead, body, { projectId: i.projectId, projectName: i.projectName, pipelineId: setting.pipelineId, now: Date.now() });
  const posted = await postFormsEntry(amo, item);
  // Stored at once: a retry of this job must find the entry, not post a second one.
  await insertUnsortedEntry(t, { uid: posted.uid, projectId: i.projectId, lptLeadId: String(lead.id), amoLeadId: String(posted.leadId), amoContactId: posted.contactId ? String(posted.contactId) : null, personKeys: personKeys(lead) });
  await step({
    source: "amocrm",
    action: "unsorted.created",
    message: `LPTracker lead ${lead.id} sent to amoCRM's incoming leads of pipeline ${setting.pipelineId} (entry ${posted.uid}, lead ${posted.leadId}); it waits for a manager to accept or decline it.`,
    entityType: "amo_lead",
    entityId: posted.leadId,
    data: { uid: posted.uid, metadata: item.metadata },
  });
  await addLeadNote(amo, posted.leadId, requestNoteText(lead, false));
  return { kind: "entry", amoLeadId: String(posted.leadId), amoContactId: posted.contactId ? String(posted.contactId) : null, unsorted: { uid: posted.uid, state: "pending", leadId: String(posted.leadId) } };
}

/** The link meta key to keep: what the route decided, else what the link already had. */
export function unsortedLinkMeta(link: LinkRow | null, route: UnsortedRoute | null): { unsorted?: LinkUnsorted } {
  if (route?.kind === "entry") return { unsorted: route.unsorted };
  const kept = linkUnsorted(link);
  return kept ? { unsorted: kept } : {};
}

export function isUnsortedEvent(event: Pick<EventRow, "source" | "action">): boolean {
  return event.source === "amocrm" && event.action.startsWith("unsorted_");
}

/** Applies a manager's decision on one of our entries; running it again changes nothing. */
export async function runUnsortedEvent(env: Env, t: Tenant, event: EventRow): Promise<JobResult> {
  const item = JSON.parse(event.payload) as Record<string, FormValue>;
  const uid = String(item.uid ?? "");
  const action = event.action.slice("unsorted_".length);
  const entry = await entryByUid(t, uid);
  if (!entry) return { status: "skipped", note: `incoming lead ${uid} was not sent by this integration` };
  const related = await findLinksByAmo(t, "lead", [...new Set([entry.amoLeadId, entry.resultLeadId ?? entry.amoLeadId])]);
  const links = related.filter((l) => linkUnsorted(l)?.uid === uid);
  const gate = amoGate(env, t.accountId);
  // The person's keys too: an LPTracker job adding a repeat request to this entry holds them.
  const keys = [...new Set([entry.lptLeadId, ...links.map((l) => l.lptId)])].map((id) => `lpt-lead:${id}`);
  const lock = await gate.tryLock([...keys, ...entry.personKeys], 60_000);
  if (!lock) throw new RetryLater(2, "another job is syncing a lead of this incoming lead");
  try {
    // Re-read under the lock: an LPTracker job may have linked a repeat request meanwhile.
    const fresh = (await findLinksByAmo(t, "lead", [...new Set([entry.amoLeadId, entry.resultLeadId ?? entry.amoLeadId])])).filter((l) => linkUnsorted(l)?.uid === uid);
    const state: UnsortedState = action === "decline" ? "declined" : "accepted";
    const target = state === "accepted" ? (resultLead(item) ?? entry.amoLeadId) : entry.amoLeadId;
    const pending = fresh.filter((l) => l.amoId !== target || linkUnsorted(l)?.state !== state);
    if (entry.state === state && (entry.resultLeadId ?? entry.amoLeadId) === target && pending.length === 0) {
      return { status: "skipped", note: `incoming lead ${uid} is already ${state}; nothing to change` };
    }
    if (pending.length) {
      const [first, ...rest] = pending.map((l) => upsertLinkQuery(t, "lead", l.lptId, target, l.projectId, { ...l.meta, unsorted: { uid, state, leadId: target } satisfies LinkUnsorted }));
      await t.db.batch([first!, ...rest]);
    }
    await setEntryState(t, entry.id, state, state === "accepted" ? target : null);
    const lptIds = fresh.map((l) => l.lptId).join(", ") || entry.lptLeadId;
    await writeAudit(t, {
      source: "amocrm",
      action: state === "accepted" ? "unsorted.accepted" : "unsorted.declined",
      message:
        state === "accepted"
          ? `Incoming lead ${uid} accepted in amoCRM${target !== entry.amoLeadId ? ` into the existing lead ${target}` : ` as lead ${target}`}; LPTracker lead ${lptIds} now updates that lead.`
          : `Incoming lead ${uid} declined in amoCRM; LPTracker lead ${lptIds} will not be created in amoCRM again.`,
      eventId: event.id,
      entityType: "amo_lead",
      entityId: target,
      data: { uid, action },
    });
    return { status: "done", note: state === "accepted" ? `links follow amoCRM lead ${target}` : "links marked declined" };
  } finally {
    await gate.unlock(lock);
  }
}
