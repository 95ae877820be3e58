// amoCRM write bodies from mapping drafts: contacts and leads for POST/PATCH and `/leads/complex`.
// Patches merge phones, e-mails and tags with what the entity already has, because amoCRM replaces them.
import { normalizeEmail, normalizePhone } from "../../lib/phone";
import { listOf } from "./lpt-lead";
import { isPlainObject } from "../../lib/json-guard";

/** One value inside `custom_fields_values[].values`. */
export interface AmoValueItem {
  value?: string | number | boolean;
  enum_id?: number;
  enum_code?: string;
}

/** One item of `custom_fields_values`: a field by id or (PHONE/EMAIL) by code, with its values. */
export interface AmoFieldValue {
  field_id?: number;
  field_code?: string;
  values: AmoValueItem[];
}

/** A phone (E.164) or e-mail (lower-case) with its multitext enum code (WORK, MOB, PRIV, …). */
export interface AmoMultitextValue {
  value: string;
  enumCode: string;
}

export interface AmoContactDraft {
  name?: string;
  responsibleUserId?: number;
  phones: AmoMultitextValue[];
  emails: AmoMultitextValue[];
  tags: string[];
  /** Other custom fields, one entry per field id. */
  customFields: AmoFieldValue[];
}

export interface AmoLeadDraft {
  name?: string;
  /** amoCRM budgets are whole numbers. */
  price?: number;
  responsibleUserId?: number;
  tags: string[];
  customFields: AmoFieldValue[];
}

export interface AmoTagRef {
  name: string;
}

export interface AmoContactBody {
  id?: number;
  name?: string;
  responsible_user_id?: number;
  custom_fields_values?: AmoFieldValue[];
  _embedded?: { tags?: AmoTagRef[] };
}

export interface AmoLeadBody {
  id?: number;
  name?: string;
  price?: number;
  pipeline_id?: number;
  status_id?: number;
  responsible_user_id?: number;
  custom_fields_values?: AmoFieldValue[];
  _embedded?: { tags?: AmoTagRef[]; contacts?: ({ id: number } | AmoContactBody)[] };
}

export interface PayloadProblem {
  entity: "contact" | "lead";
  /** `field_id` or `field_code` of the value that could not be sent. */
  field: string;
  reason: string;
}

/** `/api/v4/leads/complex` takes at most this many custom-field values per entity. */
export const COMPLEX_MAX_FIELD_VALUES = 40;

export function emptyContactDraft(): AmoContactDraft {
  return { phones: [], emails: [], tags: [], customFields: [] };
}

export function emptyLeadDraft(): AmoLeadDraft {
  return { tags: [], customFields: [] };
}

function multitext(code: "PHONE" | "EMAIL", values: AmoMultitextValue[]): AmoFieldValue | null {
  if (values.length === 0) return null;
  return { field_code: code, values: values.map((v) => ({ value: v.value, enum_code: v.enumCode })) };
}

function cloneField(f: AmoFieldValue): AmoFieldValue {
  return { ...f, values: f.values.map((v) => ({ ...v })) };
}

function uniqueTags(names: string[]): string[] {
  const out: string[] = [];
  for (const n of names) {
    const t = n.trim();
    if (t && !out.some((x) => x.toLowerCase() === t.toLowerCase())) out.push(t);
  }
  return out;
}

function contactFields(draft: AmoContactDraft): AmoFieldValue[] {
  return [multitext("PHONE", draft.phones), multitext("EMAIL", draft.emails), ...draft.customFields.map(cloneField)].filter(
    (f): f is AmoFieldValue => f !== null,
  );
}

/** Item for `POST /api/v4/contacts` (wrap it in an array) or for embedding in a complex lead. */
export function contactCreateBody(draft: AmoContactDraft): AmoContactBody {
  const body: AmoContactBody = {};
  if (draft.name !== undefined) body.name = draft.name;
  if (draft.responsibleUserId !== undefined) body.responsible_user_id = draft.responsibleUserId;
  const fields = contactFields(draft);
  if (fields.length) body.custom_fields_values = fields;
  const tags = uniqueTags(draft.tags);
  if (tags.length) body._embedded = { tags: tags.map((name) => ({ name })) };
  return body;
}

interface ExistingMultitext {
  items: AmoValueItem[];
  keys: Set<string>;
}

/** Reads an entity's current values of one multitext field (API `field_code` or webhook `code`). */
function existingMultitext(existing: unknown, code: "PHONE" | "EMAIL"): ExistingMultitext {
  const out: ExistingMultitext = { items: [], keys: new Set() };
  if (!isPlainObject(existing)) return out;
  const fields = listOf(existing.custom_fields_values).length ? listOf(existing.custom_fields_values) : listOf(existing.custom_fields);
  for (const f of fields) {
    if (!isPlainObject(f)) continue;
    const fieldCode = typeof f.field_code === "string" ? f.field_code : typeof f.code === "string" ? f.code : "";
    if (fieldCode.toUpperCase() !== code) continue;
    for (const v of listOf(f.values)) {
      if (!isPlainObject(v) || (typeof v.value !== "string" && typeof v.value !== "number")) continue;
      const value = String(v.value);
      // Keep the existing value exactly as stored, with the type it already has.
      const item: AmoValueItem = { value };
      const enumId = Number(v.enum_id ?? v.enum);
      if (Number.isSafeInteger(enumId) && enumId > 0) item.enum_id = enumId;
      else if (typeof v.enum_code === "string") item.enum_code = v.enum_code;
      out.items.push(item);
      out.keys.add(multitextKey(code, value));
    }
  }
  return out;
}

/** Phones compare by E.164 ("8 (999) 123-45-67" = "+79991234567"), e-mails case-insensitively. */
function multitextKey(code: "PHONE" | "EMAIL", value: string): string {
  if (code === "PHONE") return normalizePhone(value)?.e164 ?? value.replace(/\D/g, "");
  return normalizeEmail(value) ?? value.trim().toLowerCase();
}

/** Existing values plus the new ones not already there; null when nothing would change. */
function mergedMultitext(code: "PHONE" | "EMAIL", draft: AmoMultitextValue[], existing: unknown): AmoFieldValue | null {
  const current = existingMultitext(existing, code);
  const added: AmoValueItem[] = [];
  for (const v of draft) {
    const key = multitextKey(code, v.value);
    if (current.keys.has(key)) continue;
    current.keys.add(key);
    added.push({ value: v.value, enum_code: v.enumCode });
  }
  if (added.length === 0) return null;
  return { field_code: code, values: [...current.items, ...added] };
}

function existingTags(existing: unknown): string[] {
  if (!isPlainObject(existing)) return [];
  const embedded = isPlainObject(existing._embedded) ? existing._embedded : {};
  const raw = listOf(embedded.tags).length ? listOf(embedded.tags) : listOf(existing.tags);
  return raw.map((t) => (isPlainObject(t) ? t.name : t)).filter((n): n is string => typeof n === "string");
}

/** Current tags plus new ones; null when every draft tag is already there. */
function mergedTags(draft: string[], existing: unknown): AmoTagRef[] | null {
  const current = uniqueTags(existingTags(existing));
  const all = uniqueTags([...current, ...draft]);
  if (all.length === current.length) return null;
  return all.map((name) => ({ name }));
}

/**
 * Body for `PATCH /api/v4/contacts/{id}` (or an item of `PATCH /api/v4/contacts`): only the fields
 * the draft maps. amoCRM replaces a multitext field's whole list and the whole tag list, so pass
 * `existing` (the contact as read from amoCRM): its phones, e-mails and tags are kept and only
 * missing ones added. Without `existing` the draft's phones, e-mails and tags replace the current ones.
 */
export function contactPatchBody(id: number, draft: AmoContactDraft, existing?: unknown): AmoContactBody {
  const body: AmoContactBody = { id };
  if (draft.name !== undefined) body.name = draft.name;
  if (draft.responsibleUserId !== undefined) body.responsible_user_id = draft.responsibleUserId;
  const fields = [
    mergedMultitext("PHONE", draft.phones, existing),
    mergedMultitext("EMAIL", draft.emails, existing),
    ...draft.customFields.map(cloneField),
  ].filter((f): f is AmoFieldValue => f !== null);
  if (fields.length) body.custom_fields_values = fields;
  const tags = mergedTags(draft.tags, existing);
  if (tags) body._embedded = { tags };
  return body;
}

function leadCommon(draft: AmoLeadDraft): AmoLeadBody {
  const body: AmoLeadBody = {};
  if (draft.name !== undefined) body.name = draft.name;
  if (draft.price !== undefined) body.price = Math.round(draft.price);
  if (draft.responsibleUserId !== undefined) body.responsible_user_id = draft.responsibleUserId;
  if (draft.customFields.length) body.custom_fields_values = draft.customFields.map(cloneField);
  return body;
}

/** Item for `POST /api/v4/leads` (wrap it in an array), linked to an existing contact when given. */
export function leadCreateBody(
  draft: AmoLeadDraft,
  opts: { pipelineId: number; statusId: number; contactId?: number },
): AmoLeadBody {
  const body: AmoLeadBody = { ...leadCommon(draft), pipeline_id: opts.pipelineId, status_id: opts.statusId };
  const tags = uniqueTags(draft.tags);
  const embedded: NonNullable<AmoLeadBody["_embedded"]> = {};
  if (tags.length) embedded.tags = tags.map((name) => ({ name }));
  if (opts.contactId !== undefined) embedded.contacts = [{ id: opts.contactId }];
  if (Object.keys(embedded).length) body._embedded = embedded;
  return body;
}

function capFields(entity: "contact" | "lead", fields: AmoFieldValue[] | undefined, problems: PayloadProblem[]): AmoFieldValue[] | undefined {
  if (!fields || fields.length <= COMPLEX_MAX_FIELD_VALUES) return fields;
  for (const f of fields.slice(COMPLEX_MAX_FIELD_VALUES)) {
    problems.push({
      entity,
      field: f.field_code ?? String(f.field_id),
      reason: `amoCRM accepts at most ${COMPLEX_MAX_FIELD_VALUES} custom-field values per ${entity} in one complex request; this one was not sent`,
    });
  }
  return fields.slice(0, COMPLEX_MAX_FIELD_VALUES);
}

function isEmptyContact(draft: AmoContactDraft): boolean {
  return (
    draft.name === undefined &&
    draft.responsibleUserId === undefined &&
    draft.phones.length === 0 &&
    draft.emails.length === 0 &&
    draft.tags.length === 0 &&
    draft.customFields.length === 0
  );
}

/**
 * Item for `POST /api/v4/leads/complex` (wrap it in an array, ≤ 50 per request): the lead with its
 * new contact embedded (omitted when the contact draft is empty). Values beyond the 40-per-entity
 * limit are left out and reported; PHONE and EMAIL come first so they are the last to be cut.
 */
export function complexLeadBody(
  leadDraft: AmoLeadDraft,
  contactDraft: AmoContactDraft,
  opts: { pipelineId: number; statusId: number },
): { body: AmoLeadBody; problems: PayloadProblem[] } {
  const problems: PayloadProblem[] = [];
  const body = leadCreateBody(leadDraft, opts);
  const leadFields = capFields("lead", body.custom_fields_values, problems);
  if (leadFields) body.custom_fields_values = leadFields;
  if (!isEmptyContact(contactDraft)) {
    const contact = contactCreateBody(contactDraft);
    const fields = capFields("contact", contact.custom_fields_values, problems);
    if (fields) contact.custom_fields_values = fields;
    body._embedded = { ...body._embedded, contacts: [contact] };
  }
  return { body, problems };
}

/**
 * Body for `PATCH /api/v4/leads/{id}`: only mapped fields. amoCRM replaces the tag list, so with
 * `existing` (the lead as read) current tags are kept and tags only added; without it the
 * draft's tags replace them.
 */
export function leadPatchBody(id: number, draft: AmoLeadDraft, existing?: unknown): AmoLeadBody {
  const body: AmoLeadBody = { id, ...leadCommon(draft) };
  const tags = mergedTags(draft.tags, existing);
  if (tags) body._embedded = { tags };
  return body;
}
