// Flattens an event's subject (an LPTracker lead, an amoCRM lead, an import row) into the fact
// paths that rule conditions and mapping sources read, so both speak one vocabulary.
import { normalizeEmail, normalizePhone } from "../../lib/phone";
import type { LptLead } from "../mapping/lpt-lead";
import { listOf, toId } from "../mapping/lpt-lead";
import { parseNumberLoose, toMoscowIso } from "./transforms";
import type { AmoCustomField, AmoMetadata, FactValue, Facts, RuleOperator } from "../types";
import type { LptProjectSchema } from "../../api-types";
import { isPlainObject } from "../../lib/json-guard";

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

/** A fact that holds text (a stage name, a contact's name); a number or a list is not one. */
export function factText(facts: Facts | undefined, path: string): string | undefined {
  const v = factAt(facts, path);
  return typeof v === "string" ? v : undefined;
}

/** A fact as a list of texts (phones, e-mails): a single value counts as a list of one. */
export function factTexts(facts: Facts | undefined, path: string): string[] {
  const v = factAt(facts, path);
  if (Array.isArray(v)) return v.map(String);
  return v === undefined || v === null || v === "" ? [] : [String(v)];
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
    if (!isPlainObject(f)) continue;
    const code = typeof f.field_code === "string" ? f.field_code : typeof f.code === "string" ? f.code : null;
    const values: Scalar[] = [];
    for (const v of listOf(f.values)) {
      const value = isPlainObject(v) ? v.value : v;
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
  const embedded = isPlainObject(entity._embedded) ? entity._embedded : {};
  const raw = listOf(embedded.tags).length ? listOf(embedded.tags) : listOf(entity.tags);
  const out: string[] = [];
  for (const t of raw) {
    const name = isPlainObject(t) ? t.name : t;
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
  const l = isPlainObject(lead) ? lead : {};
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

  if (isPlainObject(extra.contact)) {
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
  if (!isPlainObject(lead)) return undefined;
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

// ---- the catalogue of facts ----
// One list of what a rule condition or a mapping row can read, per kind of event, typed, with the
// options of enum fields taken from the account's own amoCRM metadata and LPTracker projects. The
// server validates conditions against it; the admin page's pickers are built from it.

/** The value types a condition can compare. */
export type FactType = "text" | "number" | "date" | "enum" | "boolean";

export interface FactOption {
  value: string | number;
  label: string;
  /** The pipeline of a status, the project of a stage. */
  group?: string;
}

export interface FactDef {
  path: string;
  type: FactType;
  /** Section of a picker: "source", "lead", "contact", "amo", "custom". */
  section: string;
  /** A label key for built-in facts (the UI words it); metadata fields carry their own `name`. */
  labelKey?: string;
  name?: string;
  options?: FactOption[];
  /** The options are ids: values are numbers. */
  numeric?: boolean;
  /** A status change webhook knows the previous value (for `changed_to`). */
  changeable?: boolean;
  /** Where the field comes from, for "deleted in …" messages. */
  origin?: "amocrm" | "lptracker";
}

export type FactScope = "lpt" | "amo" | "import";

export function factScope(trigger: string): FactScope {
  if (trigger.startsWith("lpt.")) return "lpt";
  if (trigger.startsWith("amo.")) return "amo";
  return "import";
}

export interface CatalogueSources {
  meta: Pick<AmoMetadata, "pipelines" | "leadFields" | "contactFields" | "users"> | null;
  schemas: LptProjectSchema[];
  /** The selected LPTracker projects (for the `project` fact's options). */
  projects: { id: number; name: string }[];
}

/** The comparisons that make sense per type; `changed_to` is added where the old value is known. */
export const OPS_BY_TYPE: Record<FactType, RuleOperator[]> = {
  text: ["contains", "eq", "neq", "starts_with", "in", "empty", "not_empty"],
  number: ["eq", "neq", "gt", "lt", "in", "empty", "not_empty"],
  date: ["eq", "gt", "lt", "empty", "not_empty"],
  enum: ["eq", "neq", "in", "empty", "not_empty"],
  boolean: ["eq", "neq", "empty", "not_empty"],
};

export const COLUMN_PREFIX = "column:";

const contactFacts = (): FactDef[] => [
  { path: "contact.name", type: "text", section: "contact", labelKey: "contactName" },
  { path: "contact.phone", type: "text", section: "contact", labelKey: "phone" },
  { path: "contact.email", type: "text", section: "contact", labelKey: "email" },
];

function lptCustomType(type: string, options: string[]): FactType {
  if (options.length) return "enum";
  const t = type.toLowerCase();
  if (t.includes("date")) return "date";
  if (t.includes("num") || t.includes("int") || t.includes("float")) return "number";
  return "text";
}

function lptCatalogue(src: CatalogueSources): FactDef[] {
  const many = src.schemas.length > 1;
  const projectName = (id: number) => src.projects.find((p) => p.id === id)?.name ?? `#${id}`;
  const stages: FactOption[] = src.schemas.flatMap((s) => s.stages.map((st) => ({ value: st.id, label: st.name, group: many ? projectName(s.projectId) : undefined })));
  const customs: FactDef[] = src.schemas.flatMap((s) =>
    s.customs.map((c) => {
      const type = lptCustomType(c.type, c.options);
      return {
        path: `lead.custom:${c.id}`,
        type,
        section: "custom",
        name: many ? `${c.name} (${projectName(s.projectId)})` : c.name,
        origin: "lptracker" as const,
        ...(type === "enum" ? { options: c.options.map((o) => ({ value: o, label: o })) } : {}),
      };
    }),
  );
  const contactExtra: FactDef[] = src.schemas.flatMap((s) =>
    s.contactFields.map((f) => ({ path: `contact.field:${f.id}`, type: "text" as const, section: "contact", name: many ? `${f.name} (${projectName(s.projectId)})` : f.name, origin: "lptracker" as const })),
  );
  return [
    { path: "view.source", type: "text", section: "source", labelKey: "source" },
    { path: "view.campaign", type: "text", section: "source", labelKey: "campaign" },
    { path: "view.keyword", type: "text", section: "source", labelKey: "keyword" },
    { path: "view.referrer", type: "text", section: "source", labelKey: "referrer" },
    { path: "view.seo_system", type: "text", section: "source", labelKey: "seoSystem" },
    { path: "view.platform", type: "text", section: "source", labelKey: "platform" },
    { path: "lead.name", type: "text", section: "lead", labelKey: "leadName" },
    { path: "stage.id", type: "enum", section: "lead", labelKey: "stage", options: stages, numeric: true },
    { path: "project", type: "enum", section: "lead", labelKey: "project", options: src.projects.map((p) => ({ value: p.id, label: p.name })), numeric: true },
    { path: "payments.sum", type: "number", section: "lead", labelKey: "payments" },
    { path: "calls.count", type: "number", section: "lead", labelKey: "calls" },
    { path: "lead.date", type: "date", section: "lead", labelKey: "leadDate" },
    ...dedupe(customs),
    ...contactFacts(),
    ...dedupe(contactExtra),
  ];
}

function dedupe(defs: FactDef[]): FactDef[] {
  const seen = new Set<string>();
  return defs.filter((d) => (seen.has(d.path) ? false : (seen.add(d.path), true)));
}

const AMO_NUMERIC = new Set(["numeric", "price"]);
const AMO_CHOICE = new Set(["select", "multiselect", "radiobutton"]);
const AMO_DATE = new Set(["date", "date_time", "birthday"]);

function amoCustom(prefix: string, f: AmoCustomField, section: string): FactDef {
  const base = { path: `${prefix}${f.id}`, section, name: f.name, origin: "amocrm" as const };
  if (AMO_CHOICE.has(f.type) && f.enums?.length) return { ...base, type: "enum", options: f.enums.map((e) => ({ value: e.value, label: e.value })) };
  if (AMO_NUMERIC.has(f.type)) return { ...base, type: "number" };
  if (AMO_DATE.has(f.type)) return { ...base, type: "date" };
  if (f.type === "checkbox") return { ...base, type: "boolean", options: [{ value: "true", label: "✓" }, { value: "false", label: "✗" }] };
  return { ...base, type: "text" };
}

function amoCatalogue(src: CatalogueSources): FactDef[] {
  const meta = src.meta;
  const pipelines = meta?.pipelines ?? [];
  return [
    { path: "amo.pipeline_id", type: "enum", section: "amo", labelKey: "pipeline", numeric: true, changeable: true, options: pipelines.map((p) => ({ value: p.id, label: p.name })) },
    {
      path: "amo.status_id",
      type: "enum",
      section: "amo",
      labelKey: "status",
      numeric: true,
      changeable: true,
      options: pipelines.flatMap((p) => p.statuses.map((s) => ({ value: s.id, label: s.name, group: p.name }))),
    },
    { path: "amo.responsible_user_id", type: "enum", section: "amo", labelKey: "responsible", numeric: true, options: (meta?.users ?? []).map((u) => ({ value: u.id, label: u.name })) },
    { path: "lead.name", type: "text", section: "amo", labelKey: "leadName" },
    { path: "lead.price", type: "number", section: "amo", labelKey: "price" },
    { path: "tags", type: "text", section: "amo", labelKey: "tags" },
    ...(meta?.leadFields ?? []).map((f) => amoCustom("lead.custom:", f, "custom")),
    ...contactFacts(),
    ...(meta?.contactFields ?? []).filter((f) => f.code !== "PHONE" && f.code !== "EMAIL").map((f) => amoCustom("contact.field:", f, "contact")),
  ];
}

/** Every fact a condition may read for events of this scope, in picker order. */
export function factCatalogue(scope: FactScope, src: CatalogueSources): FactDef[] {
  if (scope === "lpt") return lptCatalogue(src);
  if (scope === "amo") return amoCatalogue(src);
  return contactFacts();
}

/**
 * The definition of a stored path: the catalogue's, a file column's (imports), or undefined.
 * The mapping's spellings `contact.phones`/`contact.emails` resolve to the same facts.
 */
export function factDef(catalogue: FactDef[], path: string, scope: FactScope): FactDef | undefined {
  const key = path.trim();
  const found = catalogue.find((d) => d.path === key) ?? catalogue.find((d) => d.path === ALIASES[key]);
  if (found) return found;
  if (scope === "import" && key.startsWith(COLUMN_PREFIX) && key.length > COLUMN_PREFIX.length) return { path: key, type: "text", section: "file" };
  return undefined;
}

/** The operators that fit a fact for a trigger. */
export function operatorsOf(def: Pick<FactDef, "type" | "changeable">, trigger: string): RuleOperator[] {
  const ops = [...OPS_BY_TYPE[def.type]];
  if (def.changeable && trigger === "amo.lead.status_changed") ops.push("changed_to");
  return ops;
}
