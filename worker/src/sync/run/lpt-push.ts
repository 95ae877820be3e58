// amoCRM → LPTracker push of one amoCRM lead: update the linked LPTracker lead, or create one (with
// the lead's main contact, found in LPTracker by phone or e-mail first) in a chosen project and link it.
// Shared by the Digital Pipeline action and the list action «Синхронизировать с LPTracker».
import type { Env } from "../../env";
import { AmoClient, AmoError } from "../../amocrm/client";
import { amoGate } from "../../amocrm/gate";
import { LptClient } from "../../lptracker/client";
import type { Tenant } from "../../db/tenant";
import { findLinksByAmo, upsertLink, updateLinkMeta, type LinkRow } from "../../db/links";
import { getProject } from "../../db/lptracker";
import { getStageMap } from "../../db/mapping";
import type { AuditEntry } from "../../db/audit";
import { normalizeEmail, normalizePhone } from "../../lib/phone";
import { RetryLater } from "../../queue/retry";
import { amoContactSchema, amoLeadSchema, type AmoContact, type AmoLead } from "../../contracts/amocrm";
import { metaFacts, metaSnapshotObject } from "./link-meta";

export type PushStatus = "created" | "updated" | "skipped";
export interface PushResult {
  status: PushStatus;
  /** For the widget to say it in the user's language: created, updated, project_gone, no_contact, no_phone_email. */
  code: string;
  lptLeadId: number | null;
  note: string;
}

type Step = (e: Omit<AuditEntry, "eventId">) => Promise<void>;

/** The amoCRM lead as amoCRM has it now (the webhook or the browser only names it); null when it is gone. */
export async function readAmoLead(amo: AmoClient, id: number): Promise<AmoLead | null> {
  try {
    return await amo.read(amoLeadSchema, `/api/v4/leads/${id}`, { with: "contacts" });
  } catch (err) {
    if (err instanceof AmoError && err.status === 404) return null;
    throw err;
  }
}

/** The LPTracker stage the stage map pairs with the lead's amoCRM status (toward LPTracker), if any. */
export async function mappedLptStage(t: Tenant, projectId: number, lead: Pick<AmoLead, "pipeline_id" | "status_id">): Promise<number | null> {
  const map = await getStageMap(t, projectId);
  return map.find((s) => s.amoPipelineId === lead.pipeline_id && s.amoStatusId === lead.status_id && s.direction !== "to_amo")?.lptStageId ?? null;
}

function fieldValues(contact: AmoContact, code: "PHONE" | "EMAIL"): string[] {
  return (contact.custom_fields_values ?? []).filter((f) => f.field_code === code).flatMap((f) => f.values.map((v) => String(v.value ?? "")));
}

/** Moves a linked LPTracker lead, remembering the write so LPTracker's echo is not sent back to amoCRM. */
export async function setLinkedStage(lpt: LptClient, t: Tenant, link: LinkRow, stageId: number, amoLead: Pick<AmoLead, "pipeline_id" | "status_id">): Promise<boolean> {
  if (link.meta.lptStage === stageId) return false;
  await lpt.setLeadStage(link.lptId, stageId);
  const known = metaFacts(link.meta);
  const facts = known ? { ...known, "stage.id": stageId } : link.meta.facts;
  await updateLinkMeta(t, link.id, {
    ...link.meta,
    ...(facts ? { facts } : {}),
    amoWrote: { pipelineId: amoLead.pipeline_id, statusId: amoLead.status_id, at: Date.now() },
    lptStage: stageId,
    lptWroteStage: stageId,
  });
  return true;
}

export interface PushInput {
  env: Env;
  t: Tenant;
  amo: AmoClient;
  lpt: LptClient;
  lead: AmoLead;
  /** Where a new LPTracker lead goes. */
  projectId: number;
  /** A stage chosen by the caller; otherwise the stage map decides (or LPTracker's default). */
  stageId?: number | null;
  step: Step;
}

/**
 * Creates or updates the LPTracker twin of an amoCRM lead. One job at a time per amoCRM lead (the
 * account gate's lock), and the link is read again under it, so a DP hook and a list action
 * arriving together never create two LPTracker leads.
 */
export async function pushAmoLead(i: PushInput): Promise<PushResult> {
  const gate = amoGate(i.env, i.t.accountId);
  const lock = await gate.tryLock([`amo-lead:${i.lead.id}`], 120_000);
  if (!lock) throw new RetryLater(2, `another job is pushing amoCRM lead ${i.lead.id}`);
  try {
    return await pushLocked(i);
  } finally {
    await gate.unlock(lock);
  }
}

async function pushLocked(i: PushInput): Promise<PushResult> {
  const { t, amo, lpt, lead, step } = i;
  const name = (lead.name ?? "").trim() || `amoCRM #${lead.id}`;
  const [link] = await findLinksByAmo(t, "lead", [lead.id]);
  if (link) {
    const stageId = i.stageId ?? (await mappedLptStage(t, link.projectId ?? i.projectId, lead));
    await lpt.updateLead(link.lptId, { name });
    const moved = stageId ? await setLinkedStage(lpt, t, link, stageId, lead) : false;
    const snapshot = metaSnapshotObject(link.meta);
    if (snapshot) {
      const [fresh] = await findLinksByAmo(t, "lead", [lead.id]);
      if (fresh) await updateLinkMeta(t, fresh.id, { ...fresh.meta, snapshot: { ...snapshot, name } });
    }
    await step({
      source: "lptracker",
      action: "lpt.lead_updated",
      message: `LPTracker lead ${link.lptId} updated from amoCRM lead ${lead.id}${moved ? `, moved to stage ${stageId}` : ""}.`,
      entityType: "lpt_lead",
      entityId: link.lptId,
    });
    return { status: "updated", code: "updated", lptLeadId: Number(link.lptId), note: `LPTracker lead ${link.lptId} updated${moved ? ` and moved to stage ${stageId}` : ""}` };
  }

  const project = await getProject(t, i.projectId);
  if (!project || !project.enabled) return { status: "skipped", code: "project_gone", lptLeadId: null, note: `LPTracker project ${i.projectId} is not connected any more; choose another project` };
  const contactRef = lead._embedded?.contacts?.find((c) => c.is_main) ?? lead._embedded?.contacts?.[0];
  if (!contactRef) return { status: "skipped", code: "no_contact", lptLeadId: null, note: "the amoCRM lead has no contact; LPTracker needs a contact with a phone or an e-mail" };
  const contact = await amo.read(amoContactSchema, `/api/v4/contacts/${contactRef.id}`);
  const phones = [...new Set(fieldValues(contact ?? { id: contactRef.id }, "PHONE").map((p) => normalizePhone(p)?.e164).filter((p): p is string => !!p))];
  const emails = [...new Set(fieldValues(contact ?? { id: contactRef.id }, "EMAIL").map((e) => normalizeEmail(e)).filter((e): e is string => !!e))];
  if (!phones.length && !emails.length) {
    return { status: "skipped", code: "no_phone_email", lptLeadId: null, note: `amoCRM contact ${contactRef.id} has no phone or e-mail; LPTracker needs one of them` };
  }
  // LPTracker announces the new lead with a webhook at once; until the link below is written, the
  // person's keys stay locked, so that job waits (and then finds the link) instead of creating an
  // amoCRM twin of our own lead. The same keys as the LPTracker → amoCRM job takes.
  const gate = amoGate(i.env, t.accountId);
  const personLock = await gate.tryLock([...phones.map((p) => `phone:${p}`), ...emails.map((e) => `email:${e}`)], 120_000);
  if (!personLock) throw new RetryLater(2, "another job is syncing the same person");
  try {
    return await createLinked(i, { name, contactRef, contactName: (contact?.name ?? "").trim() || name, phones, emails, projectName: project.name ?? null });
  } finally {
    await gate.unlock(personLock);
  }
}

interface NewLeadInput {
  name: string;
  contactRef: { id: number };
  contactName: string;
  phones: string[];
  emails: string[];
  projectName: string | null;
}

async function createLinked(i: PushInput, n: NewLeadInput): Promise<PushResult> {
  const { t, lpt, lead, step } = i;
  const { name, contactRef, phones, emails } = n;
  let lptContactId: number | null = null;
  for (const by of [...phones.map((phone) => ({ phone })), ...emails.map((email) => ({ email }))]) {
    const found = await lpt.searchContacts(i.projectId, by);
    if (found[0]?.id) {
      lptContactId = found[0].id;
      break;
    }
  }
  const stageId = i.stageId ?? (await mappedLptStage(t, i.projectId, lead));
  const contactName = n.contactName;
  const body: Record<string, unknown> = {
    name,
    view: { source: "amoCRM" },
    ...(stageId ? { funnel: stageId } : {}),
    ...(lptContactId
      ? { contact_id: lptContactId }
      : {
          contact: {
            project_id: i.projectId,
            name: contactName,
            details: [...phones.map((data) => ({ type: "phone", data })), ...emails.map((data) => ({ type: "email", data }))],
          },
        }),
  };
  const created = await lpt.createLead(body);
  if (!created?.id) throw new Error("LPTracker did not return the new lead's id");
  const contactId = lptContactId ?? created.contact_id ?? null;
  await upsertLink(t, "lead", created.id, lead.id, i.projectId, {
    pushedFromAmo: true,
    snapshot: { name, projectId: i.projectId, projectName: n.projectName, stage: { id: stageId ?? null, name: null }, view: { source: "amoCRM" }, createdAt: Date.now(), fields: [], syncedAt: Date.now() },
    amoWrote: { pipelineId: lead.pipeline_id, statusId: lead.status_id, at: Date.now() },
    lptStage: stageId ?? null,
  });
  if (contactId) await upsertLink(t, "contact", contactId, contactRef.id, i.projectId, {});
  await step({
    source: "lptracker",
    action: "lpt.lead_created",
    message: `LPTracker lead ${created.id} created in project ${i.projectId} for amoCRM lead ${lead.id}${lptContactId ? ` (existing LPTracker contact ${lptContactId})` : ""}.`,
    entityType: "lpt_lead",
    entityId: created.id,
  });
  return { status: "created", code: "created", lptLeadId: created.id, note: `LPTracker lead ${created.id} created in project ${i.projectId}` };
}
