// Flattens an event's subject (an LPTracker lead, an amoCRM lead, an import row) into the fact
// paths that rule conditions and mapping sources read, so both speak one vocabulary.
import { normalizeEmail, normalizePhone } from "../lib/phone";
import type { LptLead } from "./lpt-lead";
import { isRec, listOf, toId } from "./lpt-lead";
import { parseNumberLoose, toMoscowIso } from "./transforms";
import type { AmoMetadata, FactValue, Facts } from "./types";

/**
 * Mapping sources say `contact.phones`/`contact.emails`, rule conditions `contact.phone`/`contact.email`
 * (types.ts uses both); the fact builders fill both and lookups accept either.
 */
const ALIASES: Record<string, string> = {
  "contact.phones": "contact.phone",
  "contact.phone": "contact.phones",
  "contact.emails": "contact.email",
  "contact.email": "contact.emails",
};

/** Reads one fact, trying the alias when the path itself is absent. */
export function factAt(facts: Facts | undefined, path: string): FactValue | undefined {
  if (!facts) return undefined;
  const key = path.trim();
  if (facts[key] !== undefined) return facts[key];
  const alias = ALIASES[key];
  return alias === undefined ? undefined : facts[alias];
}

export interface LeadFactsExtra {
  projectName?: string | null;
  /** The project's funnel: names a stage the payload gave only as an id. */
  stages?: { id: number; name: string }[];
  /**
   * The project's lead fields (`GET /project/{id}/customs`): when the lead carried `custom` as an
   * `{id: value}` map there is no type, and a `cats` value must still become an array of names.
   */
  customs?: { id: number; type: string }[];
}

type Scalar = string | number | boolean | null;

function factOf(v: unknown): FactValue {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.filter((x): x is string | number => typeof x === "string" || typeof x === "number");
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? toMoscowIso(v.getTime()) : null;
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  return null;
}

function phoneList(values: unknown[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    const p = normalizePhone(v);
    if (p && !out.includes(p.e164)) out.push(p.e164);
  }
  return out;
}

function emailList(values: unknown[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    const e = normalizeEmail(v);
    if (e && !out.includes(e)) out.push(e);
  }
  return out;
}

/** Facts of an LPTracker lead, for `lpt.lead.*` triggers and for mapping into amoCRM. */
export function leadFacts(lead: LptLead, extra: LeadFactsExtra = {}): Facts {
  const facts: Facts = {};
  facts["lead.id"] = lead.id;
  facts["lead.name"] = lead.name;
  facts["lead.owner_id"] = lead.ownerId;
  const when = lead.leadDate ?? lead.createdAt;
  facts["lead.date"] = when === null ? null : toMoscowIso(when);
  facts["lead.is_deal"] = lead.isDeal;
  facts["project"] = lead.projectId;
  if (extra.projectName !== undefined) facts["project.name"] = extra.projectName;

  const stageName = lead.stage ? (lead.stage.name ?? extra.stages?.find((s) => s.id === lead.stage!.id)?.name ?? null) : null;
  facts["stage"] = stageName;
  facts["stage.id"] = lead.stage?.id ?? null;

  const types = new Map((extra.customs ?? []).map((c) => [c.id, c.type.toLowerCase()]));
  for (const c of lead.custom) {
    const type = c.type ?? types.get(c.id) ?? null;
    let value: FactValue = factOf(c.value);
    if (type === "cats") value = value === null || value === "" ? [] : Array.isArray(value) ? value : [String(value)];
    facts[`lead.custom:${c.id}`] = value;
  }

  facts["contact.id"] = lead.contact.id;
  facts["contact.name"] = lead.contact.name;
  facts["contact.phone"] = [...lead.contact.phones];
  facts["contact.phones"] = [...lead.contact.phones];
  facts["contact.email"] = [...lead.contact.emails];
  facts["contact.emails"] = [...lead.contact.emails];
  for (const f of lead.contact.fields) facts[`contact.field:${f.id}`] = f.value;

  for (const [k, v] of Object.entries(lead.view)) facts[`view.${k}`] = v;

  facts["payments.sum"] = lead.payments.length ? lead.payments.reduce((sum, p) => sum + p.sum, 0) : null;
  facts["calls.count"] = lead.calls.length;
  return facts;
}

type Rec = Record<string, unknown>;

interface FieldEntry {
  id: number | null;
  code: string | null;
  values: Scalar[];
}

/** Custom field values from the API (`custom_fields_values`) or an account webhook (`custom_fields`). */
function fieldEntries(entity: Rec): FieldEntry[] {
  const raw = listOf(entity.custom_fields_values).length ? listOf(entity.custom_fields_values) : listOf(entity.custom_fields);
  const out: FieldEntry[] = [];
  for (const f of raw) {
    if (!isRec(f)) continue;
    const code = typeof f.field_code === "string" ? f.field_code : typeof f.code === "string" ? f.code : null;
    const values: Scalar[] = [];
    for (const v of listOf(f.values)) {
      const value = isRec(v) ? v.value : v;
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") values.push(value);
    }
    out.push({ id: toId(f.field_id) ?? toId(f.id), code: code ? code.toUpperCase() : null, values });
  }
  return out;
}

const MULTI_TYPES = new Set(["multiselect", "multitext"]);

function entryFact(entry: FieldEntry, type: string | undefined): FactValue {
  const vals = entry.values.filter((v): v is string | number => typeof v === "string" || typeof v === "number");
  if ((type && MULTI_TYPES.has(type)) || entry.values.length > 1) return vals;
  return entry.values[0] ?? null;
}

function tagNames(entity: Rec): string[] {
  const embedded = isRec(entity._embedded) ? entity._embedded : {};
  const raw = listOf(embedded.tags).length ? listOf(embedded.tags) : listOf(entity.tags);
  const out: string[] = [];
  for (const t of raw) {
    const name = isRec(t) ? t.name : t;
    if (typeof name === "string" && name.trim() && !out.includes(name.trim())) out.push(name.trim());
  }
  return out;
}

function text(v: unknown): string | null {
  if (typeof v === "string") return v.trim() === "" ? null : v.trim();
  if (typeof v === "number") return String(v);
  return null;
}

export interface AmoLeadFactsExtra {
  /** The lead's main contact as the API returns it, for `contact.*` conditions. */
  contact?: unknown;
  /** Adds `amo.pipeline_name`, `amo.status_name` and types multi-value fields. */
  meta?: Pick<AmoMetadata, "pipelines" | "leadFields" | "contactFields">;
}

/** Facts of an amoCRM lead (API v4 object or account-webhook item), for `amo.lead.*` triggers. */
export function amoLeadFacts(lead: unknown, extra: AmoLeadFactsExtra = {}): Facts {
  const l = isRec(lead) ? lead : {};
  const facts: Facts = {};
  const pipelineId = toId(l.pipeline_id);
  const statusId = toId(l.status_id);
  facts["lead.id"] = toId(l.id);
  facts["amo.pipeline_id"] = pipelineId;
  facts["amo.status_id"] = statusId;
  facts["amo.responsible_user_id"] = toId(l.responsible_user_id);
  facts["lead.name"] = text(l.name);
  facts["lead.price"] = parseNumberLoose(l.price);
  facts["tags"] = tagNames(l);
  const pipeline = extra.meta?.pipelines.find((p) => p.id === pipelineId);
  if (extra.meta) {
    facts["amo.pipeline_name"] = pipeline?.name ?? null;
    facts["amo.status_name"] = pipeline?.statuses.find((s) => s.id === statusId)?.name ?? null;
  }
  const leadTypes = new Map((extra.meta?.leadFields ?? []).map((f) => [f.id, f.type]));
  for (const entry of fieldEntries(l)) {
    if (entry.id !== null) facts[`lead.custom:${entry.id}`] = entryFact(entry, leadTypes.get(entry.id));
  }

  if (isRec(extra.contact)) {
    const c = extra.contact;
    facts["contact.id"] = toId(c.id);
    facts["contact.name"] = text(c.name);
    const entries = fieldEntries(c);
    const byCode = (code: string) => entries.filter((e) => e.code === code).flatMap((e) => e.values);
    const phones = phoneList(byCode("PHONE"));
    const emails = emailList(byCode("EMAIL"));
    facts["contact.phone"] = phones;
    facts["contact.phones"] = [...phones];
    facts["contact.email"] = emails;
    facts["contact.emails"] = [...emails];
    const contactTypes = new Map((extra.meta?.contactFields ?? []).map((f) => [f.id, f.type]));
    for (const entry of entries) {
      if (entry.id !== null && entry.code !== "PHONE" && entry.code !== "EMAIL") {
        facts[`contact.field:${entry.id}`] = entryFact(entry, contactTypes.get(entry.id));
      }
    }
  }
  return facts;
}

/**
 * What the lead looked like before a status change, from the webhook's `old_status_id` and
 * `old_pipeline_id`: the `previous` facts that make `changed_to` work. Undefined when absent.
 */
export function amoPreviousFacts(lead: unknown): Facts | undefined {
  if (!isRec(lead)) return undefined;
  const status = toId(lead.old_status_id);
  const pipeline = toId(lead.old_pipeline_id);
  if (status === null && pipeline === null) return undefined;
  return { "amo.status_id": status, "amo.pipeline_id": pipeline ?? toId(lead.pipeline_id) };
}

const PHONE_HEADER = /(телефон|phone|^тел( |$)|моб|mobile|сотов|whatsapp)/;
const EMAIL_HEADER = /(e-?mail|почт|емейл|имейл)/;
const FULL_NAME_HEADER = /^(фио|ф\s*и\s*о|name|full\s*name|имя|контакт|контактное лицо|имя клиента|клиент|client|contact)$/;
const LAST_NAME_HEADER = /^(фамилия|last\s*name|surname)$/;
const FIRST_NAME_HEADER = /^(first\s*name)$/;
const MIDDLE_NAME_HEADER = /^(отчество|middle\s*name)$/;

function headerKey(header: string): string {
  return header
    .trim()
    .toLowerCase()
    .replace(/ё/g, "е")
    .replace(/[.:*_\-]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** A cell may hold several phones or e-mails: "8 999 111-22-33, +7 999 444-55-66". */
function cellParts(v: unknown): unknown[] {
  if (typeof v === "string") return v.split(/[,;\n/]+/).map((s) => s.trim()).filter(Boolean);
  return v === null || v === undefined ? [] : [v];
}

/**
 * Facts of one spreadsheet row: `column:<header>` for every column, plus `contact.phone`,
 * `contact.email` and `contact.name` when columns are recognisable by their headers (an e-mail
 * is also recognised by its value). A "Фамилия"/"Имя"/"Отчество" split is joined into one name.
 */
export function importRowFacts(row: Record<string, unknown>): Facts {
  const facts: Facts = {};
  const phones: unknown[] = [];
  const emails: unknown[] = [];
  let fullName: string | null = null;
  let last: string | null = null;
  let first: string | null = null;
  let middle: string | null = null;
  for (const [header, value] of Object.entries(row)) {
    facts[`column:${header.trim()}`] = factOf(value);
    const key = headerKey(header);
    const cell = text(value);
    if (PHONE_HEADER.test(key)) phones.push(...cellParts(value));
    else if (EMAIL_HEADER.test(key)) emails.push(...cellParts(value));
    else if (cell && FULL_NAME_HEADER.test(key)) {
      if (key === "имя") first ??= cell;
      else fullName ??= cell;
    } else if (cell && LAST_NAME_HEADER.test(key)) last ??= cell;
    else if (cell && FIRST_NAME_HEADER.test(key)) first ??= cell;
    else if (cell && MIDDLE_NAME_HEADER.test(key)) middle ??= cell;
    else if (cell && cell.includes("@") && normalizeEmail(cell)) emails.push(cell);
  }
  const phoneValues = phoneList(phones);
  const emailValues = emailList(emails);
  if (phoneValues.length) {
    facts["contact.phone"] = phoneValues;
    facts["contact.phones"] = [...phoneValues];
  }
  if (emailValues.length) {
    facts["contact.email"] = emailValues;
    facts["contact.emails"] = [...emailValues];
  }
  const composed = [last, first, middle].filter(Boolean).join(" ");
  const name = fullName ?? (composed || null);
  if (name) facts["contact.name"] = name;
  return facts;
}
