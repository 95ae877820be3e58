// Contact writes shared by the API, complex add and control calls: validate the whole input first,
// then apply, so a rejected request leaves nothing behind.
import { mergeFieldValues, readFieldChanges, type FieldChanges } from "./custom-fields";
import { isRecord, type FieldError } from "./http";
import { touch, type Account, type Store } from "./store";
import { readTags, resolveTags, type TagRef } from "./tags";
import type { Contact } from "./types";

export interface ContactDraft {
  id?: number;
  name?: string;
  first_name?: string;
  last_name?: string;
  responsible_user_id?: number;
  fields: FieldChanges;
  fieldEntries: number;
  tags?: TagRef[];
}

function optionalString(raw: Record<string, unknown>, key: string, errors: FieldError[]): string | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") {
    errors.push({ code: "InvalidType", path: key, detail: "This value should be of type string." });
    return undefined;
  }
  return v;
}

export function readUserId(account: Account, raw: unknown, path: string, errors: FieldError[]): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  const id = Number(raw);
  if (!account.users.some((u) => u.id === id)) {
    errors.push({ code: "NotSupportedChoice", path, detail: "The value you selected is not a valid choice." });
    return undefined;
  }
  return id;
}

/** `prefix` places error paths inside a larger body (complex add embeds contacts in leads). */
export function readContact(
  account: Account,
  raw: unknown,
  errors: FieldError[],
  options: { update: boolean; prefix?: string },
): ContactDraft {
  const prefix = options.prefix ?? "";
  const local: FieldError[] = [];
  const draft: ContactDraft = { fields: new Map(), fieldEntries: 0 };
  if (!isRecord(raw)) {
    errors.push({ code: "InvalidType", path: prefix || "0", detail: "This value should be of type object." });
    return draft;
  }
  if (options.update) {
    const id = Number(raw.id);
    if (!account.contacts.has(id)) local.push({ code: "NotFound", path: "id", detail: "Entity not found." });
    else draft.id = id;
  }
  draft.name = optionalString(raw, "name", local);
  draft.first_name = optionalString(raw, "first_name", local);
  draft.last_name = optionalString(raw, "last_name", local);
  draft.responsible_user_id = readUserId(account, raw.responsible_user_id, "responsible_user_id", local);
  draft.fields = readFieldChanges(account, "contacts", raw.custom_fields_values, local);
  draft.fieldEntries = Array.isArray(raw.custom_fields_values) ? raw.custom_fields_values.length : 0;
  const embedded = isRecord(raw._embedded) ? raw._embedded : {};
  draft.tags = readTags(account, embedded.tags, local);
  for (const e of local) errors.push({ ...e, path: prefix ? `${prefix}.${e.path}` : e.path });
  return draft;
}

export function createContact(store: Store, account: Account, draft: ContactDraft, userId: number): Contact {
  const now = store.nowSec();
  const first = draft.first_name ?? "";
  const last = draft.last_name ?? "";
  const contact: Contact = {
    id: store.nextId("contact"),
    name: draft.name ?? [first, last].filter(Boolean).join(" "),
    first_name: first,
    last_name: last,
    responsible_user_id: draft.responsible_user_id ?? userId,
    created_by: userId,
    updated_by: userId,
    created_at: now,
    updated_at: now,
    custom_fields_values: mergeFieldValues(account, "contacts", [], draft.fields),
    tag_ids: draft.tags ? resolveTags(store, account, draft.tags) : [],
  };
  account.contacts.set(contact.id, contact);
  return contact;
}

export function updateContact(store: Store, account: Account, contact: Contact, draft: ContactDraft, userId: number): void {
  if (draft.name !== undefined) contact.name = draft.name;
  if (draft.first_name !== undefined) contact.first_name = draft.first_name;
  if (draft.last_name !== undefined) contact.last_name = draft.last_name;
  if (draft.responsible_user_id !== undefined) contact.responsible_user_id = draft.responsible_user_id;
  contact.custom_fields_values = mergeFieldValues(account, "contacts", contact.custom_fields_values, draft.fields);
  if (draft.tags) contact.tag_ids = resolveTags(store, account, draft.tags);
  contact.updated_by = userId;
  touch(contact, store.nowSec());
}

export function leadsOfContact(account: Account, contactId: number): number[] {
  return [...account.leads.values()].filter((l) => l.contact_ids.includes(contactId)).map((l) => l.id);
}
