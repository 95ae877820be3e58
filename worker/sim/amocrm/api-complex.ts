// POST /api/v4/leads/complex: up to 50 leads, each with at most one contact (new or existing by id)
// and one company, at most 40 custom field values per entity; all-or-nothing like the rest.
import { readArrayBody, requestIdOf, validateAll } from "./batch";
import { createContact, readContact, type ContactDraft } from "./contacts-model";
import type { ApiContext, Route } from "./context";
import { json, isRecord, type FieldError } from "./http";
import { createLead, readLead } from "./leads-model";
import type { Contact } from "./types";
import { emitContactChanges, emitLeadChanges } from "./webhooks";

export const MAX_COMPLEX = 50;
const MAX_FIELD_VALUES = 40;

type ContactPart = { id: number } | ContactDraft | null;

function readContactPart(ctx: ApiContext, embedded: Record<string, unknown>, errors: FieldError[]): ContactPart {
  const contacts = embedded.contacts;
  if (contacts === undefined) return null;
  if (!Array.isArray(contacts)) {
    errors.push({ code: "InvalidType", path: "_embedded.contacts", detail: "This value should be of type array." });
    return null;
  }
  if (contacts.length > 1) {
    errors.push({ code: "LessThanOrEqual", path: "_embedded.contacts", detail: "A complex lead takes one contact." });
    return null;
  }
  const raw: unknown = contacts[0];
  if (raw === undefined) return null;
  if (isRecord(raw) && raw.id !== undefined) {
    const id = Number(raw.id);
    if (!ctx.account.contacts.has(id)) errors.push({ code: "NotFound", path: "_embedded.contacts.0.id", detail: "Contact not found." });
    return { id };
  }
  const draft = readContact(ctx.account, raw, errors, { update: false, prefix: "_embedded.contacts.0" });
  if (draft.fieldEntries > MAX_FIELD_VALUES) {
    errors.push({ code: "LessThanOrEqual", path: "_embedded.contacts.0.custom_fields_values", detail: `At most ${MAX_FIELD_VALUES} values per entity.` });
  }
  return draft;
}

async function complex(ctx: ApiContext): Promise<Response> {
  const items = await readArrayBody(ctx, MAX_COMPLEX);
  const parts = validateAll(items, (raw, errors) => {
    const lead = readLead(ctx.account, raw, errors, { update: false, contacts: false });
    if (lead.fieldEntries > MAX_FIELD_VALUES) {
      errors.push({ code: "LessThanOrEqual", path: "custom_fields_values", detail: `At most ${MAX_FIELD_VALUES} values per entity.` });
    }
    const embedded = isRecord(raw) && isRecord(raw._embedded) ? raw._embedded : {};
    if (Array.isArray(embedded.companies) && embedded.companies.length > 1) {
      errors.push({ code: "LessThanOrEqual", path: "_embedded.companies", detail: "A complex lead takes one company." });
    }
    return { lead, contact: readContactPart(ctx, embedded, errors) };
  });
  const newContacts: Contact[] = [];
  const changes = parts.map(({ lead, contact }) => {
    let contactId: number | null = null;
    if (contact && "fields" in contact) {
      const created = createContact(ctx.store, ctx.account, contact, ctx.userId);
      newContacts.push(created);
      contactId = created.id;
    } else if (contact) contactId = contact.id;
    return createLead(ctx.store, ctx.account, { ...lead, contactIds: contactId ? [contactId] : [] }, ctx.userId);
  });
  emitContactChanges(ctx.store, ctx.account, "add", newContacts, 0);
  emitLeadChanges(ctx.store, ctx.account, changes, 0);
  return json(
    changes.map(({ lead }, i) => ({
      id: lead.id,
      contact_id: lead.contact_ids[0] ?? null,
      company_id: lead.company_id,
      request_id: [requestIdOf(items[i], i)],
      merged: false,
    })),
  );
}

export const complexRoutes: Route[] = [{ method: "POST", pattern: "/api/v4/leads/complex", handler: complex }];
