// amoCRM's incoming leads API as we use it: one forms entry built from an LPTracker lead (bare JSON
// array, required source_uid/source_name/metadata — amocrm-platform.md §6) and the request note.
import type { AmoClient } from "./client";
import { amoUnsortedAddAnswerSchema } from "../contracts/amocrm";
import type { LptLead } from "../sync/mapping/lpt-lead";
import type { AmoLeadBody } from "../sync/mapping/amo-payload";

/** One source per LPTracker project: amoCRM groups incoming leads by it, so it must never change. */
export function unsortedSourceUid(projectId: number): string {
  return `lptracker-project-${projectId}`;
}

export interface FormsItem {
  source_uid: string;
  source_name: string;
  pipeline_id: number;
  created_at: number;
  request_id: string;
  metadata: Record<string, string | number>;
  /** The lead keeps only its tags of what the complex add would embed (the contact goes beside it). */
  _embedded: { leads: (Omit<AmoLeadBody, "pipeline_id" | "status_id" | "_embedded"> & { _embedded?: Pick<NonNullable<AmoLeadBody["_embedded"]>, "tags"> })[]; contacts: unknown[] };
}

const seconds = (ms: number) => Math.floor(ms / 1000);

/** Where the request was sent from, in amoCRM's form metadata; only what the LPTracker lead has. */
export function formMetadata(lead: LptLead, projectId: number, projectName: string | null, now: number): Record<string, string | number> {
  const v = lead.view;
  const page = v.page ?? v.address ?? v.lead_from ?? null;
  const sentAt = lead.createdAt ?? lead.leadDate ?? now;
  const meta: Record<string, string | number> = {
    form_id: `lptracker-${projectId}`,
    form_name: lead.form ?? `LPTracker: ${projectName ?? `проект ${projectId}`}`,
    form_page: page ?? `LPTracker: ${projectName ?? `проект ${projectId}`}`,
    form_sent_at: seconds(sentAt),
  };
  if (v.ip) meta.ip = v.ip;
  if (v.referrer) meta.referer = v.referrer;
  const visitor = v.uuid ?? v.ym_client_id ?? v.ga_client_id ?? null;
  if (visitor) meta.visitor_uid = visitor;
  return meta;
}

/** The entry for one new LPTracker lead: the mapped lead and contact as amoCRM's complex add would take them. */
export function formsItem(lead: LptLead, body: AmoLeadBody, o: { projectId: number; projectName: string | null; pipelineId: number; now: number }): FormsItem {
  const { pipeline_id: _p, status_id: _s, _embedded, ...rest } = body;
  const contacts = (_embedded?.contacts ?? []).filter((c) => !("id" in c && c.id !== undefined && Object.keys(c).length === 1));
  const leadPart = _embedded?.tags?.length ? { ...rest, _embedded: { tags: _embedded.tags } } : rest;
  return {
    source_uid: unsortedSourceUid(o.projectId),
    source_name: `LPTracker${o.projectName ? `: ${o.projectName}` : ""}`,
    pipeline_id: o.pipelineId,
    created_at: seconds(lead.createdAt ?? lead.leadDate ?? o.now),
    request_id: String(lead.id),
    metadata: formMetadata(lead, o.projectId, o.projectName, o.now),
    _embedded: { leads: [leadPart], contacts },
  };
}

export interface PostedEntry {
  uid: string;
  leadId: number;
  contactId: number | null;
}

export async function postFormsEntry(amo: AmoClient, item: FormsItem): Promise<PostedEntry> {
  const answer = await amo.send(amoUnsortedAddAnswerSchema, "POST", "/api/v4/leads/unsorted/forms", [item]);
  const row = answer._embedded?.unsorted?.[0];
  const leadId = row?._embedded?.leads?.[0]?.id;
  if (!row?.uid || !leadId) throw new Error("amoCRM did not return the incoming lead's uid and lead id");
  return { uid: row.uid, leadId, contactId: row._embedded?.contacts?.[0]?.id ?? null };
}

/** What the request carried, as a note on the entry's lead (amoCRM shows it in the incoming lead's card). */
export function requestNoteText(lead: LptLead, repeat: boolean): string {
  const v = lead.view;
  const lines = [
    repeat ? `Повторная заявка из LPTracker (лид ${lead.id})` : `Заявка из LPTracker (лид ${lead.id})`,
    lead.name ? `Название: ${lead.name}` : null,
    lead.contact.name ? `Контакт: ${lead.contact.name}` : null,
    lead.contact.phones.length ? `Телефон: ${lead.contact.phones.join(", ")}` : null,
    lead.contact.emails.length ? `E-mail: ${lead.contact.emails.join(", ")}` : null,
    lead.form ? `Форма: ${lead.form}` : null,
    v.page ?? v.address ? `Страница: ${v.page ?? v.address}` : null,
    v.referrer ? `Откуда пришёл: ${v.referrer}` : null,
    v.source ? `utm_source: ${v.source}` : null,
    v.campaign ? `utm_campaign: ${v.campaign}` : null,
    v.keyword ? `utm_term: ${v.keyword}` : null,
    v.ip ? `IP: ${v.ip}` : null,
    `Время: ${new Date(lead.createdAt ?? lead.leadDate ?? Date.now()).toISOString()}`,
  ];
  return lines.filter((l): l is string => l !== null).join("\n");
}

export async function addLeadNote(amo: AmoClient, leadId: number, text: string): Promise<void> {
  await amo.post("/api/v4/leads/notes", [{ entity_id: leadId, note_type: "common", params: { text } }]);
}
