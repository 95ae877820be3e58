// What a rule condition can look at for each trigger, with the choices filled from the account's
// own amoCRM metadata and LPTracker projects, and which comparisons fit each kind of value. Pure:
// labels come through the `label` function so that tests need no dictionary.
import type { AmoMetadata, LptProjectSchema, RuleTrigger } from "../../../worker/src/api-types";
import { OPERATORS, type RuleOperator } from "./model";

export type ValueKind = "text" | "number" | "choice";

export interface Choice {
  value: string | number;
  label: string;
  /** Shown as an <optgroup>: the pipeline of a status, the project of a stage. */
  group?: string;
}

export interface FieldDef {
  path: string;
  label: string;
  /** Section of the picker: "lead", "contact", "amo", "source", "custom", "file". */
  section: string;
  kind: ValueKind;
  choices?: Choice[];
  /** The compared value is an id: send numbers. */
  numeric?: boolean;
  /** A field a status change webhook knows the previous value of. */
  changeable?: boolean;
}

export interface Sources {
  meta: AmoMetadata | null;
  projects: { id: number; name: string; selected: boolean }[];
  schemas: LptProjectSchema[];
}

/** Label keys; the caller turns them into words. */
export type LabelKey =
  | "f.leadName"
  | "f.stage"
  | "f.project"
  | "f.source"
  | "f.campaign"
  | "f.keyword"
  | "f.referrer"
  | "f.payments"
  | "f.calls"
  | "f.contactName"
  | "f.phone"
  | "f.email"
  | "f.pipeline"
  | "f.status"
  | "f.responsible"
  | "f.price"
  | "f.tags"
  | "f.column";

export type Label = (key: LabelKey) => string;

export const COLUMN_PREFIX = "column:";

const isLpt = (t: RuleTrigger) => t === "lpt.lead.created" || t === "lpt.lead.updated";
const isAmo = (t: RuleTrigger) => t === "amo.lead.status_changed" || t === "amo.lead.updated";

function lptFields(src: Sources, label: Label): FieldDef[] {
  const selected = src.projects.filter((p) => p.selected);
  const many = src.schemas.length > 1;
  const projectName = (id: number) => src.projects.find((p) => p.id === id)?.name ?? `#${id}`;
  const stages: Choice[] = src.schemas.flatMap((s) => s.stages.map((st) => ({ value: st.id, label: st.name, group: many ? projectName(s.projectId) : undefined })));
  const customs: FieldDef[] = src.schemas.flatMap((s) =>
    s.customs.map((c) => ({
      path: `lead.custom:${c.id}`,
      label: many ? `${c.name} (${projectName(s.projectId)})` : c.name,
      section: "custom",
      kind: c.options.length ? ("choice" as const) : ("text" as const),
      choices: c.options.length ? c.options.map((o) => ({ value: o, label: o })) : undefined,
    })),
  );
  return [
    { path: "view.source", label: label("f.source"), section: "source", kind: "text" },
    { path: "view.campaign", label: label("f.campaign"), section: "source", kind: "text" },
    { path: "view.keyword", label: label("f.keyword"), section: "source", kind: "text" },
    { path: "view.referrer", label: label("f.referrer"), section: "source", kind: "text" },
    { path: "lead.name", label: label("f.leadName"), section: "lead", kind: "text" },
    { path: "stage.id", label: label("f.stage"), section: "lead", kind: "choice", choices: stages, numeric: true },
    { path: "project", label: label("f.project"), section: "lead", kind: "choice", choices: selected.map((p) => ({ value: p.id, label: p.name })), numeric: true },
    { path: "payments.sum", label: label("f.payments"), section: "lead", kind: "number" },
    { path: "calls.count", label: label("f.calls"), section: "lead", kind: "number" },
    ...customs,
    ...contactFields(label),
  ];
}

function contactFields(label: Label): FieldDef[] {
  return [
    { path: "contact.name", label: label("f.contactName"), section: "contact", kind: "text" },
    { path: "contact.phone", label: label("f.phone"), section: "contact", kind: "text" },
    { path: "contact.email", label: label("f.email"), section: "contact", kind: "text" },
  ];
}

const NUMERIC_TYPES = new Set(["numeric", "price"]);
const CHOICE_TYPES = new Set(["select", "multiselect", "radiobutton"]);

function amoCustom(prefix: string, f: AmoMetadata["leadFields"][number], section: string): FieldDef {
  const choices = CHOICE_TYPES.has(f.type) && f.enums?.length ? f.enums.map((e) => ({ value: e.value, label: e.value })) : undefined;
  return { path: `${prefix}${f.id}`, label: f.name, section, kind: choices ? "choice" : NUMERIC_TYPES.has(f.type) ? "number" : "text", choices };
}

function amoFields(src: Sources, label: Label): FieldDef[] {
  const meta = src.meta;
  const pipelines = meta?.pipelines ?? [];
  return [
    { path: "amo.pipeline_id", label: label("f.pipeline"), section: "amo", kind: "choice", numeric: true, changeable: true, choices: pipelines.map((p) => ({ value: p.id, label: p.name })) },
    {
      path: "amo.status_id",
      label: label("f.status"),
      section: "amo",
      kind: "choice",
      numeric: true,
      changeable: true,
      choices: pipelines.flatMap((p) => p.statuses.map((s) => ({ value: s.id, label: s.name, group: p.name }))),
    },
    { path: "amo.responsible_user_id", label: label("f.responsible"), section: "amo", kind: "choice", numeric: true, choices: (meta?.users ?? []).map((u) => ({ value: u.id, label: u.name })) },
    { path: "lead.name", label: label("f.leadName"), section: "amo", kind: "text" },
    { path: "lead.price", label: label("f.price"), section: "amo", kind: "number" },
    { path: "tags", label: label("f.tags"), section: "amo", kind: "text" },
    ...(meta?.leadFields ?? []).map((f) => amoCustom("lead.custom:", f, "custom")),
    ...contactFields(label),
    ...(meta?.contactFields ?? []).filter((f) => f.code !== "PHONE" && f.code !== "EMAIL").map((f) => amoCustom("contact.field:", f, "contact")),
  ];
}

/** The fields a condition can use for this trigger, in picker order. */
export function fieldsFor(trigger: RuleTrigger, src: Sources, label: Label): FieldDef[] {
  if (isLpt(trigger)) return lptFields(src, label);
  if (isAmo(trigger)) return amoFields(src, label);
  return [...contactFields(label)];
}

/** Import rows are matched by their file's column headers, typed by the admin. */
export function acceptsColumns(trigger: RuleTrigger): boolean {
  return trigger === "import.row";
}

/** The definition behind a stored path, also for paths the pickers no longer offer. */
export function fieldFor(path: string, fields: FieldDef[], label: Label): FieldDef {
  const known = fields.find((f) => f.path === path);
  if (known) return known;
  if (path.startsWith(COLUMN_PREFIX)) return { path, label: `${label("f.column")} «${path.slice(COLUMN_PREFIX.length)}»`, section: "file", kind: "text" };
  return { path, label: path, section: "other", kind: "text" };
}

const BY_KIND: Record<ValueKind, RuleOperator[]> = {
  text: ["contains", "eq", "neq", "starts_with", "in", "empty", "not_empty"],
  number: ["eq", "neq", "gt", "lt", "in", "empty", "not_empty"],
  choice: ["eq", "neq", "in", "empty", "not_empty"],
};

/** Comparisons that make sense for a field; `changed_to` only where a webhook knows the old value. */
export function operatorsFor(field: FieldDef, trigger: RuleTrigger): RuleOperator[] {
  const ops = [...BY_KIND[field.kind]];
  if (field.changeable && trigger === "amo.lead.status_changed") ops.push("changed_to");
  return ops.filter((op) => (OPERATORS as readonly string[]).includes(op));
}

/** A value for the new operator that keeps what was typed where it still fits. */
export function valueForOperator(value: unknown, op: RuleOperator): string | number | (string | number)[] | undefined {
  if (op === "empty" || op === "not_empty") return undefined;
  if (op === "in") return Array.isArray(value) ? value : value === undefined || value === "" ? [] : [value as string | number];
  if (Array.isArray(value)) return value[0] ?? "";
  return (value as string | number | undefined) ?? "";
}
