// What a rule condition can look at for each trigger: the server's catalogue of facts (sync/rules/facts.ts)
// with the choices filled from the account's own amoCRM metadata and LPTracker projects, and which
// comparisons fit each type. Pure: labels come through the `label` function so tests need no dictionary.
import type { AmoMetadata, LptProjectSchema, RuleTrigger } from "../../../worker/src/api-types";
import { COLUMN_PREFIX, factCatalogue, factScope, operatorsOf, type CatalogueSources, type FactDef, type FactType } from "../../../worker/src/sync/rules/facts";
import { OPERATORS, type RuleOperator } from "./model";

export type ValueKind = "text" | "number" | "date" | "choice";

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
  /** The catalogue's type: what the server checks the value against. */
  type: FactType;
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
  | "f.seoSystem"
  | "f.platform"
  | "f.leadDate"
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
  | "f.column"
  | "f.leadFieldNo"
  | "f.contactFieldNo";

export type Label = (key: LabelKey) => string;

export { COLUMN_PREFIX };

const KIND: Record<FactType, ValueKind> = { text: "text", number: "number", date: "date", enum: "choice", boolean: "choice" };

function toField(def: FactDef, label: Label): FieldDef {
  return {
    path: def.path,
    label: def.name ?? (def.labelKey ? label(`f.${def.labelKey}` as LabelKey) : def.path),
    section: def.section,
    kind: KIND[def.type],
    type: def.type,
    ...(def.options ? { choices: def.options.map((o) => (o.group !== undefined ? { value: o.value, label: o.label, group: o.group } : { value: o.value, label: o.label })) } : {}),
    ...(def.numeric ? { numeric: true } : {}),
    ...(def.changeable ? { changeable: true } : {}),
  };
}

/** The fields a condition can use for this trigger, in picker order: the server's own catalogue of facts. */
export function fieldsFor(trigger: RuleTrigger, src: Sources, label: Label): FieldDef[] {
  const sources: CatalogueSources = { meta: src.meta, schemas: src.schemas, projects: src.projects.filter((p) => p.selected) };
  return factCatalogue(factScope(trigger), sources).map((d) => toField(d, label));
}

/** Import rows are matched by their file's column headers, typed by the admin. */
export function acceptsColumns(trigger: RuleTrigger): boolean {
  return trigger === "import.row";
}

/** The definition behind a stored path, also for paths the pickers no longer offer. */
export function fieldFor(path: string, fields: FieldDef[], label: Label): FieldDef {
  const known = fields.find((f) => f.path === path);
  if (known) return known;
  if (path.startsWith(COLUMN_PREFIX)) return { path, label: `${label("f.column")} «${path.slice(COLUMN_PREFIX.length)}»`, section: "file", kind: "text", type: "text" };
  // A custom field the account no longer has: named by its kind and number, not by a raw path.
  const custom = /^(lead\.custom|contact\.field):(\d+)$/.exec(path);
  if (custom) return { path, label: `${label(custom[1] === "lead.custom" ? "f.leadFieldNo" : "f.contactFieldNo")}${custom[2]}`, section: "other", kind: "text", type: "text" };
  return { path, label: path, section: "other", kind: "text", type: "text" };
}

/** Comparisons that make sense for a field (the server checks the same); `changed_to` only where a webhook knows the old value. */
export function operatorsFor(field: FieldDef, trigger: RuleTrigger): RuleOperator[] {
  return operatorsOf(field, trigger).filter((op) => (OPERATORS as readonly string[]).includes(op));
}

/** A value for the new operator that keeps what was typed where it still fits. */
export function valueForOperator(value: unknown, op: RuleOperator): string | number | (string | number)[] | undefined {
  if (op === "empty" || op === "not_empty") return undefined;
  if (op === "in") return Array.isArray(value) ? value : value === undefined || value === "" ? [] : [value as string | number];
  if (Array.isArray(value)) return value[0] ?? "";
  return (value as string | number | undefined) ?? "";
}
