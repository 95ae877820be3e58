// /api/v4/contacts: list (plain-text `query`, filters, `with=leads`), one by id, batch create and
// update; API writes fire add_contact/update_contact webhooks with modified_user_id 0.
import { halWritten, readArrayBody, readObjectBody, validateAll } from "./batch";
import { createContact, leadsOfContact, readContact, updateContact } from "./contacts-model";
import { entityRoutes, type ApiContext, type Route } from "./context";
import { renderFieldValues, searchableText } from "./custom-fields";
import { halPage, href, selfLinks } from "./hal";
import { hal, noContent, ProblemError } from "./http";
import { applyCommonFilters, applyOrder, filterIds, withList } from "./list-filters";
import { renderTags } from "./tags";
import type { Contact } from "./types";
import { emitContactChanges } from "./webhooks";
import { hiddenContactIds } from "./amocrm-unsorted";

export const MAX_BATCH = 250;

export function renderContact(ctx: ApiContext, c: Contact, withLeads: boolean): Record<string, unknown> {
  const embedded: Record<string, unknown> = { tags: renderTags(ctx.account, c.tag_ids), companies: [] };
  if (withLeads) {
    embedded.leads = leadsOfContact(ctx.account, c.id).map((id) => ({ id, _links: selfLinks(ctx, `/api/v4/leads/${id}`) }));
  }
  return {
    id: c.id,
    name: c.name,
    first_name: c.first_name,
    last_name: c.last_name,
    responsible_user_id: c.responsible_user_id,
    group_id: 0,
    created_by: c.created_by,
    updated_by: c.updated_by,
    created_at: c.created_at,
    updated_at: c.updated_at,
    closest_task_at: null,
    is_deleted: false,
    is_unsorted: false,
    custom_fields_values: renderFieldValues(c.custom_fields_values),
    account_id: ctx.account.id,
    _links: selfLinks(ctx, `/api/v4/contacts/${c.id}`),
    _embedded: embedded,
  };
}

function list(ctx: ApiContext): Response {
  const withLeads = withList(ctx).has("leads");
  const responsible = filterIds(ctx, "responsible_user_id");
  let items = applyCommonFilters(ctx, [...ctx.account.contacts.values()], (c) => searchableText(c.name, c.custom_fields_values));
  if (responsible) items = items.filter((c) => responsible.has(c.responsible_user_id));
  const hidden = hiddenContactIds(ctx.account);
  if (hidden.size) items = items.filter((c) => !hidden.has(c.id));
  return halPage(ctx, "contacts", applyOrder(ctx, items), (c) => renderContact(ctx, c, withLeads));
}

function one(ctx: ApiContext): Response {
  const contact = ctx.account.contacts.get(Number(ctx.params.id));
  return contact ? hal(renderContact(ctx, contact, withList(ctx).has("leads"))) : noContent();
}

async function create(ctx: ApiContext): Promise<Response> {
  const items = await readArrayBody(ctx, MAX_BATCH);
  const drafts = validateAll(items, (raw, errors) => readContact(ctx.account, raw, errors, { update: false }));
  const created = drafts.map((d) => createContact(ctx.store, ctx.account, d, ctx.userId));
  emitContactChanges(ctx.store, ctx.account, "add", created, 0);
  return halWritten(ctx, "/api/v4/contacts", "contacts", items, created, (c) => ({ fields: { id: c.id, is_deleted: false, is_unsorted: false }, self: `/api/v4/contacts/${c.id}` }));
}

function updateAll(ctx: ApiContext, items: unknown[]): Contact[] {
  const drafts = validateAll(items, (raw, errors) => readContact(ctx.account, raw, errors, { update: true }));
  const updated = drafts.map((d) => {
    const contact = ctx.account.contacts.get(d.id!)!;
    updateContact(ctx.store, ctx.account, contact, d, ctx.userId);
    return contact;
  });
  emitContactChanges(ctx.store, ctx.account, "update", updated, 0);
  return updated;
}

async function patchMany(ctx: ApiContext): Promise<Response> {
  const items = await readArrayBody(ctx, MAX_BATCH);
  const updated = updateAll(ctx, items);
  return halWritten(ctx, "/api/v4/contacts", "contacts", items, updated, (c) => ({ fields: { id: c.id, name: c.name, updated_at: c.updated_at }, self: `/api/v4/contacts/${c.id}` }));
}

async function patchOne(ctx: ApiContext): Promise<Response> {
  const body = await readObjectBody(ctx);
  const id = Number(ctx.params.id);
  if (!ctx.account.contacts.has(id)) throw new ProblemError(404, "Not Found", `Contact ${id} not found`);
  const [contact] = updateAll(ctx, [{ ...body, id }]);
  return hal({ id: contact!.id, name: contact!.name, updated_at: contact!.updated_at, _links: { self: { href: href(ctx, ctx.url.pathname) } } });
}

export const contactRoutes: Route[] = entityRoutes("/api/v4/contacts", { list, create, patchMany, one, patchOne });

