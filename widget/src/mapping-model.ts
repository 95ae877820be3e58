// The mapping editor's logic: picker options built from cached metadata (never typed ids), which
// conversions suit a target, and the checks that mark a row red before the user saves it.
import type { AmoMetadata, LptProjectSchema, MappingRow, MappingRowView, StageMapEntry } from "../../worker/src/api-types";
import type { AmoCustomField, MappingTarget, Transform } from "../../worker/src/sync/types";
import type { Params, T } from "./i18n";
import { factCatalogue } from "../../worker/src/sync/rules/facts";

export interface Option {
  value: string;
  label: string;
}
export interface OptionGroup {
  label: string;
  options: Option[];
}

export interface Issue {
  key: string;
  params?: Params;
}

// ---- sources (LPTracker side) ----

const LEAD_SOURCES: [path: string, key: string][] = [
  ["lead.name", "lead_name"],
  ["lead.date", "lead_date"],
  ["stage", "stage"],
  ["project", "project"],
  ["payments.sum", "payments_sum"],
];
const CONTACT_SOURCES: [string, string][] = [
  ["contact.name", "contact_name"],
  ["contact.phones", "contact_phones"],
  ["contact.emails", "contact_emails"],
];
const VISIT_SOURCES: [string, string][] = [
  ["view.source", "view_source"],
  ["view.campaign", "view_campaign"],
  ["view.keyword", "view_keyword"],
  ["view.seo_system", "view_seo_system"],
  ["view.referrer", "view_referrer"],
  ["view.platform", "view_platform"],
];

export function sourceOptions(schema: LptProjectSchema | null, t: T): OptionGroup[] {
  const fixed = (list: [string, string][]) => list.map(([value, key]) => ({ value, label: t(`mapping.source.${key}`) }));
  const groups: OptionGroup[] = [
    { label: t("mapping.group.lead"), options: fixed(LEAD_SOURCES) },
    { label: t("mapping.group.contact"), options: fixed(CONTACT_SOURCES) },
  ];
  // The project's own fields come from the catalogue of facts the rule conditions use too.
  const catalogue = schema ? factCatalogue("lpt", { meta: null, schemas: [schema], projects: [] }) : [];
  const own = (prefix: string) => catalogue.filter((d) => d.path.startsWith(prefix)).map((d) => ({ value: d.path, label: d.name ?? d.path }));
  const customs = own("lead.custom:");
  if (customs.length) groups.push({ label: t("mapping.group.lpt_customs"), options: customs });
  const contactFields = own("contact.field:");
  if (contactFields.length) groups.push({ label: t("mapping.group.lpt_contact_fields"), options: contactFields });
  groups.push({ label: t("mapping.group.visit"), options: fixed(VISIT_SOURCES) });
  return groups;
}

/** A source the pickers do not know (a removed LPTracker field, an import column) stays visible. */
export function sourceLabel(source: string, schema: LptProjectSchema | null, t: T): string {
  for (const g of sourceOptions(schema, t)) {
    const hit = g.options.find((o) => o.value === source);
    if (hit) return hit.label;
  }
  if (source.startsWith("column:")) return t("mapping.source.column", { name: source.slice(7) });
  return t("mapping.source.unknown", { source });
}

/** Values an LPTracker source can take, when the schema knows them (list fields, stages). */
export function knownSourceValues(source: string, schema: LptProjectSchema | null): string[] {
  if (!schema) return [];
  if (source === "stage") return schema.stages.map((s) => s.name);
  const m = /^lead\.custom:(\d+)$/.exec(source);
  if (m) return schema.customs.find((c) => c.id === Number(m[1]))?.options ?? [];
  return [];
}

// ---- targets (amoCRM side) ----

export type TargetKind = "text" | "number" | "date" | "enum" | "multienum" | "checkbox" | "multitext" | "user" | "tags" | "unsupported" | "missing";

const TEXT_TYPES = new Set(["text", "textarea", "url", "tracking_data", "streetaddress"]);
const NUMBER_TYPES = new Set(["numeric", "price"]);
const DATE_TYPES = new Set(["date", "date_time", "birthday"]);

function kindOfField(field: AmoCustomField): TargetKind {
  const code = field.code?.toUpperCase();
  if (code === "PHONE" || code === "EMAIL" || field.type === "multitext") return "multitext";
  if (TEXT_TYPES.has(field.type)) return "text";
  if (NUMBER_TYPES.has(field.type)) return "number";
  if (DATE_TYPES.has(field.type)) return "date";
  if (field.type === "select" || field.type === "radiobutton") return "enum";
  if (field.type === "multiselect") return "multienum";
  if (field.type === "checkbox") return "checkbox";
  return "unsupported";
}

export function fieldsOf(meta: AmoMetadata, entity: MappingTarget["entity"]): AmoCustomField[] {
  return entity === "contact" ? meta.contactFields : meta.leadFields;
}

export function targetField(target: MappingTarget, meta: AmoMetadata): AmoCustomField | undefined {
  if (target.field !== "custom") return undefined;
  return fieldsOf(meta, target.entity).find((f) => f.id === target.fieldId);
}

export function targetKind(target: MappingTarget, meta: AmoMetadata): TargetKind {
  switch (target.field) {
    case "name":
      return "text";
    case "price":
      return "number";
    case "responsible_user_id":
      return "user";
    case "tags":
      return "tags";
    case "phone":
    case "email":
      return "multitext";
    case "custom": {
      const field = targetField(target, meta);
      return field ? kindOfField(field) : "missing";
    }
  }
}

/** Select values: `lead:name`, `contact:phone`, `lead:custom:123`. */
export function targetKey(target: MappingTarget): string {
  return target.field === "custom" ? `${target.entity}:custom:${target.fieldId ?? ""}` : `${target.entity}:${target.field}`;
}

const BUILTIN_FIELDS = new Set(["name", "price", "responsible_user_id", "tags", "phone", "email"]);

export function parseTargetKey(key: string): MappingTarget | null {
  const m = /^(lead|contact):(custom:(\d+)|[a-z_]+)$/.exec(key);
  if (!m) return null;
  const entity = m[1] as MappingTarget["entity"];
  if (m[3]) return { entity, field: "custom", fieldId: Number(m[3]) };
  if (!BUILTIN_FIELDS.has(m[2]!)) return null;
  return { entity, field: m[2] as MappingTarget["field"] };
}

const TYPE_HINT: Partial<Record<TargetKind, string>> = {
  number: "mapping.type.number",
  date: "mapping.type.date",
  enum: "mapping.type.enum",
  multienum: "mapping.type.multienum",
  checkbox: "mapping.type.checkbox",
};

function fieldOption(entity: MappingTarget["entity"], f: AmoCustomField, t: T): Option {
  const hint = TYPE_HINT[kindOfField(f)];
  return { value: `${entity}:custom:${f.id}`, label: hint ? `${f.name} (${t(hint)})` : f.name };
}

export function targetOptions(meta: AmoMetadata, t: T): OptionGroup[] {
  // PHONE and EMAIL have their own entries, with the phone/e-mail type picker.
  const custom = (entity: MappingTarget["entity"]) =>
    fieldsOf(meta, entity)
      .filter((f) => kindOfField(f) !== "unsupported" && !["PHONE", "EMAIL"].includes(f.code?.toUpperCase() ?? ""))
      .sort((a, b) => (a.sort ?? 0) - (b.sort ?? 0))
      .map((f) => fieldOption(entity, f, t));
  return [
    {
      label: t("mapping.group.amo_lead"),
      options: [
        { value: "lead:name", label: t("mapping.target.lead_name") },
        { value: "lead:price", label: t("mapping.target.lead_price") },
        { value: "lead:responsible_user_id", label: t("mapping.target.lead_responsible") },
        { value: "lead:tags", label: t("mapping.target.lead_tags") },
        ...custom("lead"),
      ],
    },
    {
      label: t("mapping.group.amo_contact"),
      options: [
        { value: "contact:name", label: t("mapping.target.contact_name") },
        { value: "contact:phone", label: t("mapping.target.contact_phone") },
        { value: "contact:email", label: t("mapping.target.contact_email") },
        { value: "contact:responsible_user_id", label: t("mapping.target.contact_responsible") },
        { value: "contact:tags", label: t("mapping.target.contact_tags") },
        ...custom("contact"),
      ],
    },
  ];
}

/** Phone or e-mail types the account offers (WORK, MOB, …), from the contact's PHONE/EMAIL field. */
export function multitextCodes(meta: AmoMetadata, target: MappingTarget): string[] {
  const code = target.field === "phone" ? "PHONE" : target.field === "email" ? "EMAIL" : targetField(target, meta)?.code?.toUpperCase();
  const field = meta.contactFields.find((f) => f.code?.toUpperCase() === code) ?? targetField(target, meta);
  const codes = (field?.enums ?? []).map((e) => (e.code ?? e.value).toUpperCase());
  if (codes.length) return codes;
  return code === "EMAIL" ? ["WORK", "PRIV", "OTHER"] : ["WORK", "MOB", "HOME", "OTHER"];
}

// ---- conversions ----

export type TransformKind = Transform["kind"];

export function transformKinds(kind: TargetKind): TransformKind[] {
  switch (kind) {
    case "enum":
    case "multienum":
      return ["enum_map", "constant"];
    case "user":
      return ["as_is", "constant"];
    case "number":
      return ["as_is", "number", "constant"];
    case "date":
      return ["as_is", "date", "constant"];
    case "checkbox":
      return ["as_is", "constant"];
    case "multitext":
    case "tags":
      return ["as_is", "join", "constant"];
    default:
      return ["as_is", "join", "date", "number", "constant"];
  }
}

export function defaultTransform(kind: TargetKind): Transform {
  if (kind === "enum" || kind === "multienum") return { kind: "enum_map", map: {} };
  return { kind: "as_is" };
}

/** A transform of another kind, keeping what still makes sense (the value map, the separator). */
export function switchTransform(current: Transform, kind: TransformKind): Transform {
  if (current.kind === kind) return current;
  switch (kind) {
    case "enum_map":
      return { kind, map: {} };
    case "join":
      return { kind, separator: ", " };
    case "constant":
      return { kind, value: "" };
    default:
      return { kind };
  }
}

/** The row after its target changed: the conversion is reset when it no longer fits. */
export function retarget(row: MappingRow, target: MappingTarget, meta: AmoMetadata): MappingRow {
  const kind = targetKind(target, meta);
  const next: MappingTarget = { ...target };
  if (kind === "multitext") next.enumCode = multitextCodes(meta, target)[0];
  const transform = transformKinds(kind).includes(row.transform.kind) && row.transform.kind !== "enum_map" && row.transform.kind !== "constant" ? row.transform : defaultTransform(kind);
  return { ...row, target: next, transform };
}

// ---- checks ----

function enumExists(field: AmoCustomField, v: string | number): boolean {
  const enums = field.enums ?? [];
  if (typeof v === "number" || /^\d+$/.test(v.trim())) {
    if (enums.some((e) => e.id === Number(v))) return true;
  }
  const label = String(v).trim().toLowerCase();
  return enums.some((e) => e.value.trim().toLowerCase() === label);
}

/** Why this row cannot be saved as it is (an i18n key and its parameters), or null. */
export function rowIssue(row: MappingRow, meta: AmoMetadata): Issue | null {
  const { target, transform } = row;
  if (transform.kind !== "constant" && !row.source.trim()) return { key: "mapping.issue.no_source" };
  if ((target.field === "phone" || target.field === "email") && target.entity !== "contact") return { key: "mapping.issue.contact_only" };
  if (target.field === "price" && target.entity !== "lead") return { key: "mapping.issue.price_lead_only" };
  if (target.field === "custom" && !target.fieldId) return { key: "mapping.issue.no_target" };
  const kind = targetKind(target, meta);
  const field = targetField(target, meta);
  if (kind === "missing") return { key: "mapping.issue.field_gone", params: { id: target.fieldId ?? "" } };
  if (kind === "unsupported") return { key: "mapping.issue.field_unsupported", params: { name: field?.name ?? "" } };
  if (transform.kind === "constant") {
    if (String(transform.value).trim() === "") return { key: "mapping.issue.constant_empty" };
    if (kind === "user" && meta.users.length && !meta.users.some((u) => String(u.id) === String(transform.value))) return { key: "mapping.issue.user_gone" };
    if ((kind === "enum" || kind === "multienum") && field && !enumExists(field, transform.value)) return { key: "mapping.issue.option_gone", params: { name: field.name } };
    return null;
  }
  if (kind === "enum" || kind === "multienum") {
    if (transform.kind !== "enum_map") return { key: "mapping.issue.enum_needs_map", params: { name: field?.name ?? "" } };
  }
  if (transform.kind === "enum_map") {
    const targets = Object.values(transform.map);
    if (targets.length === 0) return { key: "mapping.issue.map_empty" };
    if (field && (kind === "enum" || kind === "multienum")) {
      const all = transform.fallback === undefined ? targets : [...targets, transform.fallback];
      if (all.some((v) => !enumExists(field, v))) return { key: "mapping.issue.option_gone", params: { name: field.name } };
    }
  }
  return null;
}

/**
 * The local check speaks first: it mirrors the server's, in the interface language. The server's
 * `broken` reason (English only) is the fallback for what the widget does not know to check.
 */
export function rowProblem(row: MappingRowView, meta: AmoMetadata, t: T): string | null {
  const issue = rowIssue(row, meta);
  if (issue) return t(issue.key, issue.params);
  return row.broken ?? null;
}

/**
 * Index → issue for stage links that would contradict each other: one LPTracker stage sent to two
 * amoCRM statuses, or one amoCRM status sent back to two LPTracker stages.
 */
export function stageMapIssues(entries: StageMapEntry[]): Map<number, Issue> {
  const out = new Map<number, Issue>();
  const toAmo = new Map<number, number>();
  const toLpt = new Map<string, number>();
  entries.forEach((e, i) => {
    if (e.direction !== "to_lpt") {
      if (toAmo.has(e.lptStageId)) out.set(i, { key: "mapping.issue.stage_twice" });
      else toAmo.set(e.lptStageId, i);
    }
    if (e.direction !== "to_amo") {
      const key = `${e.amoPipelineId}:${e.amoStatusId}`;
      if (toLpt.has(key)) out.set(i, { key: "mapping.issue.status_twice" });
      else toLpt.set(key, i);
    }
  });
  return out;
}

export function statusOptions(meta: AmoMetadata): OptionGroup[] {
  return [...meta.pipelines]
    .sort((a, b) => a.sort - b.sort)
    .map((p) => ({
      label: p.name,
      options: [...p.statuses].sort((a, b) => a.sort - b.sort).map((s) => ({ value: `${p.id}:${s.id}`, label: s.name })),
    }));
}

let counter = 0;
export function newRowId(now: number = Date.now()): string {
  counter = (counter + 1) % 1_000_000;
  return `row-${now.toString(36)}-${counter.toString(36)}`;
}

export function emptyRow(id: string = newRowId()): MappingRow {
  return { id, source: "", target: { entity: "lead", field: "custom" }, transform: { kind: "as_is" } };
}
