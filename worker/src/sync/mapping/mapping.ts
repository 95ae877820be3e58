// Field mapping: checks rows against the account's amoCRM fields, turns facts into contact and lead
// drafts, and supplies the default mapping used until a user saves one.
import { normalizeEmail, normalizePhone } from "../../lib/phone";
import { emptyContactDraft, emptyLeadDraft, type AmoContactDraft, type AmoFieldValue, type AmoLeadDraft, type AmoValueItem } from "./amo-payload";
import { factAt } from "../rules/facts";
import { applyTransform, isBlank, parseNumberLoose, toEpochMs } from "../rules/transforms";
import type { AmoCustomField, AmoMetadata, AmoUser, FactValue, Facts, MappingRow, MappingRowView, MappingTarget } from "../types";

export interface MappingProblem {
  rowId: string;
  reason: string;
}

const TEXT_TYPES = new Set(["text", "textarea", "url", "tracking_data", "streetaddress"]);
const NUMBER_TYPES = new Set(["numeric", "price"]);
const DATE_TYPES = new Set(["date", "date_time", "birthday"]);
const SINGLE_ENUM_TYPES = new Set(["select", "radiobutton"]);
const ENUM_TYPES = new Set([...SINGLE_ENUM_TYPES, "multiselect"]);
const SUPPORTED_TYPES = new Set([...TEXT_TYPES, ...NUMBER_TYPES, ...DATE_TYPES, ...ENUM_TYPES, "checkbox", "multitext"]);

function fieldsOf(meta: AmoMetadata, entity: "contact" | "lead"): AmoCustomField[] {
  return entity === "contact" ? meta.contactFields : meta.leadFields;
}

function fieldLabel(f: AmoCustomField): string {
  return `"${f.name}" (#${f.id})`;
}

/** PHONE/EMAIL are custom fields in amoCRM too; a row may target them either way. */
function builtinMultitext(target: MappingTarget, field: AmoCustomField | undefined): "PHONE" | "EMAIL" | null {
  if (target.field === "phone") return "PHONE";
  if (target.field === "email") return "EMAIL";
  const code = field?.code?.toUpperCase();
  return code === "PHONE" || code === "EMAIL" ? code : null;
}

function findEnum(field: AmoCustomField, v: string | number): { id: number; value: string } | undefined {
  const enums = field.enums ?? [];
  const asId = typeof v === "number" ? v : /^\d+$/.test(v.trim()) ? Number(v) : null;
  if (asId !== null) {
    const byId = enums.find((e) => e.id === asId);
    if (byId) return byId;
  }
  const label = String(v).trim().toLowerCase();
  return enums.find((e) => e.value.trim().toLowerCase() === label);
}

function metaMissing(meta: AmoMetadata): boolean {
  return meta.fetchedAt === null && meta.leadFields.length === 0 && meta.contactFields.length === 0;
}

interface RowCheck {
  reason?: string;
  field?: AmoCustomField;
}

function checkEnumCode(meta: AmoMetadata, code: "PHONE" | "EMAIL", enumCode: string | undefined): string | undefined {
  const field = meta.contactFields.find((f) => f.code?.toUpperCase() === code);
  const options = field?.enums ?? [];
  if (!enumCode || options.length === 0) return undefined;
  const known = options.map((e) => (e.code ?? e.value).toUpperCase());
  if (known.includes(enumCode.toUpperCase())) return undefined;
  const what = code === "PHONE" ? "Phone" : "E-mail";
  return `${what} type "${enumCode}" does not exist in this amoCRM account; choose one of ${known.join(", ")}`;
}

function findUser(users: AmoUser[], v: string | number | boolean): AmoUser | undefined {
  const id = typeof v === "number" ? v : /^\d+$/.test(String(v).trim()) ? Number(v) : null;
  if (id !== null) return users.find((u) => u.id === id);
  const s = String(v).trim().toLowerCase();
  return users.find((u) => u.name.trim().toLowerCase() === s || u.email?.trim().toLowerCase() === s);
}

/** Why a row cannot be applied against this metadata, or nothing when it can. */
function checkRow(row: MappingRow, meta: AmoMetadata): RowCheck {
  const { target, transform } = row;
  const entity = target.entity;
  if (transform.kind !== "constant" && !row.source?.trim()) return { reason: "No LPTracker value chosen for this row" };
  if ((target.field === "phone" || target.field === "email") && target.entity !== "contact") {
    return { reason: `${target.field === "phone" ? "Phones" : "E-mails"} can only go to the contact, not the ${entity}` };
  }
  if (target.field === "price" && target.entity !== "lead") return { reason: "Contacts have no budget; send this value to the lead's budget" };
  if (target.field === "phone" || target.field === "email") {
    const reason = checkEnumCode(meta, target.field === "phone" ? "PHONE" : "EMAIL", target.enumCode);
    return reason ? { reason } : {};
  }
  if (target.field === "responsible_user_id" && transform.kind === "constant" && meta.users.length > 0) {
    return findUser(meta.users, transform.value) ? {} : { reason: `amoCRM user ${JSON.stringify(transform.value)} no longer exists; choose another responsible user` };
  }
  if (target.field !== "custom") return {};

  if (target.fieldId === undefined) return { reason: "No amoCRM field chosen for this row" };
  if (metaMissing(meta)) return { reason: "amoCRM fields are not loaded yet; refresh the account's amoCRM data and check this row again" };
  const field = fieldsOf(meta, target.entity).find((f) => f.id === target.fieldId);
  if (!field) {
    const other = target.entity === "lead" ? "contact" : "lead";
    const elsewhere = fieldsOf(meta, other).find((f) => f.id === target.fieldId);
    if (elsewhere) return { reason: `amoCRM field ${fieldLabel(elsewhere)} belongs to the ${other}, but this row sends it to the ${entity}` };
    return { reason: `amoCRM ${entity} field #${target.fieldId} no longer exists (deleted in amoCRM?); choose another field or remove this row` };
  }
  const multitext = builtinMultitext(target, field);
  if (multitext) {
    const reason = checkEnumCode(meta, multitext, target.enumCode);
    return reason ? { reason, field } : { field };
  }
  if (!SUPPORTED_TYPES.has(field.type)) {
    return { reason: `amoCRM field ${fieldLabel(field)} has type "${field.type}", which a mapping cannot fill`, field };
  }
  if (ENUM_TYPES.has(field.type)) {
    if (transform.kind === "constant") {
      if (findEnum(field, transform.value)) return { field };
      return { reason: `amoCRM field ${fieldLabel(field)} has no option ${JSON.stringify(transform.value)}`, field };
    }
    if (transform.kind !== "enum_map") {
      return { reason: `amoCRM field ${fieldLabel(field)} is a list: add a value map saying which option each LPTracker value becomes`, field };
    }
    const targets = Object.values(transform.map);
    if (transform.fallback !== undefined) targets.push(transform.fallback);
    for (const t of targets) {
      if (!findEnum(field, t)) {
        const what = typeof t === "number" ? `option #${t}` : `option "${t}"`;
        return { reason: `The value map points to ${what}, which amoCRM field ${fieldLabel(field)} no longer has; pick a current option`, field };
      }
    }
  }
  return { field };
}

/** Each row as the API shows it, with `broken` set to a reason a user can act on. */
export function validateMapping(rows: MappingRow[], meta: AmoMetadata): MappingRowView[] {
  return rows.map((row) => {
    const { reason } = checkRow(row, meta);
    return reason ? { ...row, broken: reason } : { ...row };
  });
}

type Atom = string | number | boolean;

function atomsOf(v: FactValue): Atom[] {
  if (v === null) return [];
  return (Array.isArray(v) ? v : [v]).filter((x) => !isBlank(x));
}

function show(v: Atom): string {
  return typeof v === "string" ? `"${v}"` : String(v);
}

const TRUE_WORDS = new Set(["1", "true", "yes", "y", "on", "да", "д", "x", "+", "v", "✓"]);
const FALSE_WORDS = new Set(["0", "false", "no", "n", "off", "нет", "н", "-"]);

function toBool(v: Atom): boolean | null {
  if (typeof v === "boolean") return v;
  const s = String(v).trim().toLowerCase();
  if (TRUE_WORDS.has(s)) return true;
  if (FALSE_WORDS.has(s)) return false;
  return null;
}

/** Accumulates drafts; one instance per applyMapping call. */
class DraftBuilder {
  contact: AmoContactDraft = emptyContactDraft();
  lead: AmoLeadDraft = emptyLeadDraft();
  problems: MappingProblem[] = [];
  private fields = { contact: new Map<number, AmoFieldValue>(), lead: new Map<number, AmoFieldValue>() };

  constructor(private readonly meta: AmoMetadata) {}

  problem(rowId: string, reason: string): void {
    this.problems.push({ rowId, reason });
  }

  write(row: MappingRow, field: AmoCustomField | undefined, value: FactValue): void {
    const { target } = row;
    const atoms = atomsOf(value);
    if (atoms.length === 0) return;
    const multitext = builtinMultitext(target, field);
    if (multitext) return this.multitext(row, multitext, atoms);
    const draft = target.entity === "contact" ? this.contact : this.lead;
    switch (target.field) {
      case "name":
        draft.name = atoms.map((a) => String(a).trim()).join(" ");
        return;
      case "price": {
        const n = parseNumberLoose(atoms[0]);
        if (n === null) return this.problem(row.id, `${show(atoms[0]!)} is not a number, so it cannot be the budget`);
        this.lead.price = Math.round(n);
        return;
      }
      case "responsible_user_id": {
        const user = findUser(this.meta.users, atoms[0]!);
        if (user) draft.responsibleUserId = user.id;
        else if (this.meta.users.length === 0 && parseNumberLoose(atoms[0]) !== null) draft.responsibleUserId = Number(atoms[0]);
        else this.problem(row.id, `no amoCRM user matches ${show(atoms[0]!)}`);
        return;
      }
      case "tags":
        for (const a of atoms) {
          const tag = String(a).trim();
          if (tag && !draft.tags.some((t) => t.toLowerCase() === tag.toLowerCase())) draft.tags.push(tag);
        }
        return;
      case "custom":
        if (field) this.custom(row, field, atoms);
        return;
    }
  }

  private multitext(row: MappingRow, code: "PHONE" | "EMAIL", atoms: Atom[]): void {
    const list = code === "PHONE" ? this.contact.phones : this.contact.emails;
    const enumCode = (row.target.enumCode ?? "WORK").toUpperCase();
    for (const a of atoms) {
      const value = code === "PHONE" ? normalizePhone(a)?.e164 : normalizeEmail(String(a));
      if (!value) {
        this.problem(row.id, `${show(a)} is not ${code === "PHONE" ? "a phone number" : "an e-mail address"}`);
        continue;
      }
      if (!list.some((x) => x.value === value)) list.push({ value, enumCode });
    }
  }

  private custom(row: MappingRow, field: AmoCustomField, atoms: Atom[]): void {
    const entity = row.target.entity;
    const fail = (a: Atom, what: string) => this.problem(row.id, `${show(a)} ${what} for amoCRM field ${fieldLabel(field)}`);
    const items: AmoValueItem[] = [];
    if (TEXT_TYPES.has(field.type)) {
      items.push({ value: atoms.map((a) => String(a).trim()).join(", ") });
    } else if (NUMBER_TYPES.has(field.type)) {
      const n = parseNumberLoose(atoms[0]);
      if (n === null) return fail(atoms[0]!, "is not a number");
      items.push({ value: n });
    } else if (DATE_TYPES.has(field.type)) {
      const ms = toEpochMs(atoms[0], { excelSerial: true });
      if (ms === null) return fail(atoms[0]!, "is not a date");
      items.push({ value: Math.floor(ms / 1000) });
    } else if (field.type === "checkbox") {
      const b = toBool(atoms[0]!);
      if (b === null) return fail(atoms[0]!, "is neither yes nor no");
      items.push({ value: b });
    } else if (ENUM_TYPES.has(field.type)) {
      const wanted = SINGLE_ENUM_TYPES.has(field.type) ? atoms.slice(0, 1) : atoms;
      for (const a of wanted) {
        const option = typeof a === "boolean" ? undefined : findEnum(field, a);
        if (!option) {
          fail(a, "is not an option");
          continue;
        }
        if (!items.some((i) => i.enum_id === option.id)) items.push({ enum_id: option.id });
      }
    } else if (field.type === "multitext") {
      const enumCode = row.target.enumCode ?? field.enums?.[0]?.code ?? field.enums?.[0]?.value;
      for (const a of atoms) items.push(enumCode ? { value: String(a).trim(), enum_code: enumCode } : { value: String(a).trim() });
    }
    if (items.length === 0) return;
    const map = this.fields[entity];
    const prior = map.get(field.id);
    // Multi-value fields gather values from every row; single-value fields keep the last row's.
    if (prior && (field.type === "multiselect" || field.type === "multitext")) {
      for (const item of items) {
        if (!prior.values.some((p) => p.value === item.value && p.enum_id === item.enum_id)) prior.values.push(item);
      }
    } else {
      map.set(field.id, { field_id: field.id, values: items });
    }
  }

  finish(): { contact: AmoContactDraft; lead: AmoLeadDraft; problems: MappingProblem[] } {
    this.contact.customFields = [...this.fields.contact.values()];
    this.lead.customFields = [...this.fields.lead.values()];
    return { contact: this.contact, lead: this.lead, problems: this.problems };
  }
}

/**
 * Builds the amoCRM contact and lead drafts from facts. Rows apply in order, so for single-value
 * targets the last row wins while phones, e-mails, tags and multi-value fields accumulate. A broken
 * row or a value that cannot be converted is never dropped silently: it is reported in `problems`.
 */
export function applyMapping(
  rows: MappingRow[],
  facts: Facts,
  meta: AmoMetadata,
): { contact: AmoContactDraft; lead: AmoLeadDraft; problems: MappingProblem[] } {
  const out = new DraftBuilder(meta);
  for (const row of rows) {
    const { reason, field } = checkRow(row, meta);
    if (reason) {
      out.problem(row.id, reason);
      continue;
    }
    const source = row.transform.kind === "constant" ? undefined : factAt(facts, row.source);
    const result = applyTransform(row.transform, source, field ? { field } : {});
    if (!result.ok) {
      out.problem(row.id, `${row.source}: ${result.reason}`);
      continue;
    }
    if (isBlank(result.value)) continue;
    out.write(row, field, result.value);
  }
  return out.finish();
}

function leadFieldByCode(meta: AmoMetadata, code: string): AmoCustomField | undefined {
  return meta.leadFields.find((f) => f.code?.toUpperCase() === code);
}

/**
 * The default mapping, used until a user saves their own:
 *
 * 1. LPTracker lead name (`lead.name`) → amoCRM lead name.
 * 2. LPTracker contact name (`contact.name`) → amoCRM contact name.
 * 3. LPTracker contact phones (`contact.phones`) → amoCRM contact phone (PHONE), type WORK.
 * 4. LPTracker contact e-mails (`contact.emails`) → amoCRM contact e-mail (EMAIL), type WORK.
 * 5. Visit source (`view.source`) → the lead field with code UTM_SOURCE when the account has one;
 *    otherwise → lead tags.
 * 6. Visit campaign (`view.campaign`) → the lead field with code UTM_CAMPAIGN, only when the account has one.
 * 7. Visit keyword (`view.keyword`) → the lead field with code UTM_TERM, only when the account has one.
 *
 * Every row copies the value as it is (transform `as_is`).
 */
export function defaultMapping(meta: AmoMetadata): MappingRow[] {
  const asIs = { kind: "as_is" } as const;
  const rows: MappingRow[] = [
    { id: "default-lead-name", source: "lead.name", target: { entity: "lead", field: "name" }, transform: asIs },
    { id: "default-contact-name", source: "contact.name", target: { entity: "contact", field: "name" }, transform: asIs },
    { id: "default-contact-phones", source: "contact.phones", target: { entity: "contact", field: "phone", enumCode: "WORK" }, transform: asIs },
    { id: "default-contact-emails", source: "contact.emails", target: { entity: "contact", field: "email", enumCode: "WORK" }, transform: asIs },
  ];
  const utm: [source: string, code: string][] = [
    ["view.source", "UTM_SOURCE"],
    ["view.campaign", "UTM_CAMPAIGN"],
    ["view.keyword", "UTM_TERM"],
  ];
  for (const [source, code] of utm) {
    const field = leadFieldByCode(meta, code);
    const id = `default-${source.replace(".", "-")}`;
    if (field) rows.push({ id, source, target: { entity: "lead", field: "custom", fieldId: field.id }, transform: asIs });
    else if (source === "view.source") rows.push({ id, source, target: { entity: "lead", field: "tags" }, transform: asIs });
  }
  return rows;
}
