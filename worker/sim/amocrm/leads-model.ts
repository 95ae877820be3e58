// Lead writes shared by the API, complex add and control calls: pipeline/status rules (142/143 exist
// in every pipeline so they need pipeline_id; the unsorted status is off limits), links, tags.
import { mergeFieldValues, readFieldChanges, type FieldChanges } from "./custom-fields";
import { readUserId } from "./contacts-model";
import { isRecord, type FieldError } from "./http";
import { LOST, mainPipeline, WON } from "./seed";
import { touch, type Account, type Store } from "./store";
import { readTags, resolveTags, type TagRef } from "./tags";
import type { Lead, Pipeline } from "./types";

export interface LeadDraft {
  id?: number;
  name?: string;
  price?: number;
  placement?: { pipeline_id: number; status_id: number };
  responsible_user_id?: number;
  fields: FieldChanges;
  fieldEntries: number;
  tags?: TagRef[];
  contactIds?: number[];
  company?: { id: number } | { name: string };
}

/** A write's effect on one lead, for webhooks: `before` is null for a new lead. */
export interface LeadChange {
  lead: Lead;
  before: { status_id: number; pipeline_id: number } | null;
}

function firstWorkingStatus(pipeline: Pipeline): number {
  return [...pipeline.statuses].sort((a, b) => a.sort - b.sort).find((s) => s.type === 0)!.id;
}

/** Where the lead ends up; undefined when nothing about the placement was asked for (or it was invalid). */
function readPlacement(
  account: Account,
  raw: Record<string, unknown>,
  existing: Lead | undefined,
  errors: FieldError[],
): { pipeline_id: number; status_id: number } | undefined {
  const hasPipeline = raw.pipeline_id !== undefined && raw.pipeline_id !== null;
  const hasStatus = raw.status_id !== undefined && raw.status_id !== null;
  if (!hasPipeline && !hasStatus) {
    if (existing) return undefined;
    const main = mainPipeline(account);
    return { pipeline_id: main.id, status_id: firstWorkingStatus(main) };
  }
  const statusId = hasStatus ? Number(raw.status_id) : undefined;
  let pipeline: Pipeline | undefined;
  if (hasPipeline) {
    pipeline = account.pipelines.find((p) => p.id === Number(raw.pipeline_id));
    if (!pipeline) {
      errors.push({ code: "NotSupportedChoice", path: "pipeline_id", detail: "Pipeline not found." });
      return undefined;
    }
  } else if (statusId === WON || statusId === LOST) {
    errors.push({ code: "NotBlank", path: "pipeline_id", detail: "pipeline_id is required with status 142 or 143: they exist in every pipeline." });
    return undefined;
  } else {
    pipeline = account.pipelines.find((p) => p.statuses.some((s) => s.id === statusId));
  }
  if (statusId === undefined) return pipeline && { pipeline_id: pipeline.id, status_id: firstWorkingStatus(pipeline) };
  const status = pipeline?.statuses.find((s) => s.id === statusId);
  if (!pipeline || !status) {
    errors.push({ code: "NotSupportedChoice", path: "status_id", detail: "Status does not belong to the pipeline." });
    return undefined;
  }
  if (status.type === 1) {
    errors.push({ code: "NotSupportedChoice", path: "status_id", detail: "Leads cannot be put into the unsorted status through the API." });
    return undefined;
  }
  return { pipeline_id: pipeline.id, status_id: status.id };
}

function readContactLinks(account: Account, raw: unknown, errors: FieldError[]): number[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) {
    errors.push({ code: "InvalidType", path: "_embedded.contacts", detail: "This value should be of type array." });
    return undefined;
  }
  const ids: number[] = [];
  raw.forEach((c, i) => {
    const id = isRecord(c) ? Number(c.id) : NaN;
    if (!account.contacts.has(id)) errors.push({ code: "NotFound", path: `_embedded.contacts.${i}.id`, detail: "Contact not found." });
    else ids.push(id);
  });
  return ids;
}

function readCompany(account: Account, raw: unknown, errors: FieldError[]): LeadDraft["company"] {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const c: unknown = raw[0];
  if (isRecord(c) && c.id !== undefined) {
    if (account.companies.has(Number(c.id))) return { id: Number(c.id) };
    errors.push({ code: "NotFound", path: "_embedded.companies.0.id", detail: "Company not found." });
    return undefined;
  }
  if (isRecord(c) && typeof c.name === "string") return { name: c.name };
  errors.push({ code: "InvalidType", path: "_embedded.companies.0", detail: "Company needs an id or a name." });
  return undefined;
}

/** Validates one lead of a request body. `contacts: false` leaves `_embedded.contacts` to the caller (complex add). */
export function readLead(
  account: Account,
  raw: unknown,
  errors: FieldError[],
  options: { update: boolean; contacts?: boolean },
): LeadDraft {
  const draft: LeadDraft = { fields: new Map(), fieldEntries: 0 };
  if (!isRecord(raw)) {
    errors.push({ code: "InvalidType", path: "", detail: "This value should be of type object." });
    return draft;
  }
  let existing: Lead | undefined;
  if (options.update) {
    existing = account.leads.get(Number(raw.id));
    if (!existing) errors.push({ code: "NotFound", path: "id", detail: "Entity not found." });
    else draft.id = existing.id;
  }
  if (raw.name !== undefined) {
    if (typeof raw.name === "string") draft.name = raw.name;
    else errors.push({ code: "InvalidType", path: "name", detail: "This value should be of type string." });
  }
  if (raw.price !== undefined && raw.price !== null) {
    const price = Number(raw.price);
    if (Number.isInteger(price) && price >= 0) draft.price = price;
    else errors.push({ code: "InvalidType", path: "price", detail: "This value should be a non-negative integer." });
  }
  if (!options.update || existing) draft.placement = readPlacement(account, raw, existing, errors);
  draft.responsible_user_id = readUserId(account, raw.responsible_user_id, "responsible_user_id", errors);
  draft.fields = readFieldChanges(account, "leads", raw.custom_fields_values, errors);
  draft.fieldEntries = Array.isArray(raw.custom_fields_values) ? raw.custom_fields_values.length : 0;
  const embedded = isRecord(raw._embedded) ? raw._embedded : {};
  draft.tags = readTags(account, embedded.tags, errors);
  if (options.contacts !== false) draft.contactIds = readContactLinks(account, embedded.contacts, errors);
  draft.company = readCompany(account, embedded.companies, errors);
  return draft;
}

function closedAt(statusId: number, now: number, previous: number | null): number | null {
  if (statusId !== WON && statusId !== LOST) return null;
  return previous ?? now;
}

function resolveCompany(store: Store, account: Account, company: LeadDraft["company"]): number | null {
  if (!company) return null;
  if ("id" in company) return company.id;
  const created = { id: store.nextId("company"), name: company.name, created_at: store.nowSec() };
  account.companies.set(created.id, created);
  return created.id;
}

export function createLead(store: Store, account: Account, draft: LeadDraft, userId: number): LeadChange {
  const now = store.nowSec();
  const placement = draft.placement!;
  const lead: Lead = {
    id: store.nextId("lead"),
    name: draft.name ?? "",
    price: draft.price ?? 0,
    status_id: placement.status_id,
    pipeline_id: placement.pipeline_id,
    responsible_user_id: draft.responsible_user_id ?? userId,
    created_by: userId,
    updated_by: userId,
    created_at: now,
    updated_at: now,
    closed_at: closedAt(placement.status_id, now, null),
    custom_fields_values: mergeFieldValues(account, "leads", [], draft.fields),
    tag_ids: draft.tags ? resolveTags(store, account, draft.tags) : [],
    contact_ids: [...new Set(draft.contactIds ?? [])],
    company_id: resolveCompany(store, account, draft.company),
  };
  if (!lead.name) lead.name = `Сделка #${lead.id}`;
  account.leads.set(lead.id, lead);
  return { lead, before: null };
}

export function updateLead(store: Store, account: Account, lead: Lead, draft: LeadDraft, userId: number): LeadChange {
  const before = { status_id: lead.status_id, pipeline_id: lead.pipeline_id };
  const now = store.nowSec();
  if (draft.name !== undefined) lead.name = draft.name;
  if (draft.price !== undefined) lead.price = draft.price;
  if (draft.placement) {
    lead.pipeline_id = draft.placement.pipeline_id;
    lead.status_id = draft.placement.status_id;
    lead.closed_at = closedAt(lead.status_id, now, before.status_id === lead.status_id ? lead.closed_at : null);
  }
  if (draft.responsible_user_id !== undefined) lead.responsible_user_id = draft.responsible_user_id;
  lead.custom_fields_values = mergeFieldValues(account, "leads", lead.custom_fields_values, draft.fields);
  if (draft.tags) lead.tag_ids = resolveTags(store, account, draft.tags);
  if (draft.contactIds) lead.contact_ids = [...new Set([...lead.contact_ids, ...draft.contactIds])];
  if (draft.company) lead.company_id = resolveCompany(store, account, draft.company);
  lead.updated_by = userId;
  touch(lead, now);
  return { lead, before };
}

export function statusChanged(change: LeadChange): boolean {
  return change.before !== null && (change.before.status_id !== change.lead.status_id || change.before.pipeline_id !== change.lead.pipeline_id);
}
