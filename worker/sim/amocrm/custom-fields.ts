// Custom field values as amoCRM takes them (`field_id` or `field_code`, `enum_id` or `enum_code`)
// and stores them, plus the plain text a `query` search looks through.
import type { FieldError } from "./http";
import { isRecord } from "./http";
import type { Account } from "./store";
import type { CustomField, EntityType, FieldValue, StoredFieldValues } from "./types";

/** Field id → new values, or null to clear the field. */
export type FieldChanges = Map<number, FieldValue[] | null>;

const ENUM_TYPES = new Set(["select", "multiselect", "radiobutton"]);
const DATE_TYPES = new Set(["date", "date_time", "birthday"]);

function findField(fields: CustomField[], entry: Record<string, unknown>): CustomField | undefined {
  if (entry.field_id !== undefined && entry.field_id !== null) return fields.find((f) => f.id === Number(entry.field_id));
  const code = entry.field_code;
  if (typeof code === "string") return fields.find((f) => f.code === code.toUpperCase());
  return undefined;
}

function readValue(field: CustomField, raw: unknown, path: string, errors: FieldError[]): FieldValue | null {
  const fail = (code: string, detail: string, at = path): null => {
    errors.push({ code, path: at, detail });
    return null;
  };
  if (!isRecord(raw)) return fail("InvalidType", "This value should be of type object.");
  const value = raw.value;
  if (field.type === "multitext") {
    if (typeof value !== "string" && typeof value !== "number") return fail("InvalidType", "This value should be of type string.", `${path}.value`);
    if (String(value).trim() === "") return fail("NotBlank", "This value should not be blank.", `${path}.value`);
    const enums = field.enums ?? [];
    let option = enums[0];
    if (raw.enum_id !== undefined) option = enums.find((e) => e.id === Number(raw.enum_id));
    else if (raw.enum_code !== undefined) option = enums.find((e) => e.value === String(raw.enum_code).toUpperCase());
    if (!option) return fail("NotSupportedChoice", "The value you selected is not a valid choice.", `${path}.enum_code`);
    return { value: String(value), enum_id: option.id, enum_code: option.value };
  }
  if (ENUM_TYPES.has(field.type)) {
    const enums = field.enums ?? [];
    const option =
      raw.enum_id !== undefined ? enums.find((e) => e.id === Number(raw.enum_id)) : enums.find((e) => e.value === String(value));
    if (!option) return fail("NotSupportedChoice", "The value you selected is not a valid choice.", `${path}.enum_id`);
    return { value: option.value, enum_id: option.id };
  }
  if (field.type === "checkbox") {
    if (typeof value !== "boolean") return fail("InvalidType", "This value should be of type bool.", `${path}.value`);
    return { value };
  }
  if (field.type === "numeric") {
    if ((typeof value !== "number" && typeof value !== "string") || value === "" || !Number.isFinite(Number(value))) {
      return fail("InvalidType", "This value should be of type numeric.", `${path}.value`);
    }
    return { value: String(value) };
  }
  if (DATE_TYPES.has(field.type)) {
    const ts = typeof value === "number" ? value : typeof value === "string" ? Date.parse(value) / 1000 : NaN;
    if (!Number.isFinite(ts)) return fail("InvalidType", "This value should be a unix timestamp or a date string.", `${path}.value`);
    return { value: Math.floor(ts) };
  }
  if (typeof value !== "string" && typeof value !== "number") return fail("InvalidType", "This value should be of type string.", `${path}.value`);
  return { value: String(value) };
}

/** Validates `custom_fields_values`; errors go to `errors` with paths relative to the item. */
export function readFieldChanges(
  account: Account,
  entity: EntityType,
  input: unknown,
  errors: FieldError[],
  prefix = "custom_fields_values",
): FieldChanges {
  const changes: FieldChanges = new Map();
  if (input === undefined || input === null) return changes;
  if (!Array.isArray(input)) {
    errors.push({ code: "InvalidType", path: prefix, detail: "This value should be of type array." });
    return changes;
  }
  input.forEach((entry, i) => {
    const at = `${prefix}.${i}`;
    if (!isRecord(entry)) {
      errors.push({ code: "InvalidType", path: at, detail: "This value should be of type object." });
      return;
    }
    const field = findField(account.fields[entity], entry);
    if (!field) {
      const key = entry.field_id !== undefined ? "field_id" : "field_code";
      errors.push({ code: "NotSupportedChoice", path: `${at}.${key}`, detail: "The value you selected is not a valid choice." });
      return;
    }
    if (entry.values === null || (Array.isArray(entry.values) && entry.values.length === 0)) {
      changes.set(field.id, null);
      return;
    }
    if (!Array.isArray(entry.values)) {
      errors.push({ code: "InvalidType", path: `${at}.values`, detail: "This value should be of type array." });
      return;
    }
    const values = entry.values.map((raw, j) => readValue(field, raw, `${at}.values.${j}`, errors));
    if (values.every((v): v is FieldValue => v !== null)) changes.set(field.id, values);
  });
  return changes;
}

/** Applies changes over the current values, keeping the field order amoCRM shows (by field sort). */
export function mergeFieldValues(
  account: Account,
  entity: EntityType,
  current: StoredFieldValues[],
  changes: FieldChanges,
): StoredFieldValues[] {
  const byId = new Map(current.map((v) => [v.field_id, v]));
  for (const [fieldId, values] of changes) {
    const field = account.fields[entity].find((f) => f.id === fieldId)!;
    if (values === null) byId.delete(fieldId);
    else byId.set(fieldId, { field_id: field.id, field_name: field.name, field_code: field.code, field_type: field.type, values });
  }
  const order = new Map(account.fields[entity].map((f) => [f.id, f.sort]));
  return [...byId.values()].sort((a, b) => (order.get(a.field_id) ?? 0) - (order.get(b.field_id) ?? 0));
}

/** Plain text a `query` search matches against: no phone normalisation, exactly as stored. */
export function searchableText(name: string, values: StoredFieldValues[]): string {
  return [name, ...values.flatMap((f) => f.values.map((v) => String(v.value)))].join("\n").toLowerCase();
}

export function renderFieldValues(values: StoredFieldValues[]): StoredFieldValues[] | null {
  // amoCRM answers null, not [], for an entity with no values.
  return values.length ? values.map((v) => ({ ...v, values: v.values.map((x) => ({ ...x })) })) : null;
}

export function renderField(field: CustomField, accountId: number, selfHref: string): Record<string, unknown> {
  return {
    id: field.id,
    name: field.name,
    type: field.type,
    account_id: accountId,
    code: field.code,
    sort: field.sort,
    is_api_only: false,
    enums: field.enums,
    group_id: null,
    required_statuses: [],
    is_deletable: field.is_deletable,
    is_predefined: field.is_predefined,
    entity_type: field.entity_type,
    remind: null,
    triggers: [],
    currency: null,
    hidden_statuses: [],
    chained_lists: null,
    _links: { self: { href: selfHref } },
  };
}

/** Removes a field from the account and wipes its values, as deleting a field in amoCRM does. */
export function deleteField(account: Account, entity: EntityType, fieldId: number): boolean {
  const fields = account.fields[entity];
  const index = fields.findIndex((f) => f.id === fieldId);
  if (index < 0) return false;
  fields.splice(index, 1);
  const holders = entity === "leads" ? account.leads.values() : account.contacts.values();
  for (const holder of holders) holder.custom_fields_values = holder.custom_fields_values.filter((v) => v.field_id !== fieldId);
  return true;
}
