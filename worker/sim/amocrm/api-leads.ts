// /api/v4/leads: list (filters by pipeline/status, `with=contacts`), one by id, batch create and
// update, and linking contacts; API writes fire add_lead/update_lead/status_lead webhooks.
import { halWritten, readArrayBody, readObjectBody, validateAll } from "./batch";
import { MAX_BATCH } from "./api-contacts";
import { entityRoutes, type ApiContext, type Route } from "./context";
import { renderFieldValues, searchableText } from "./custom-fields";
import { halAll, halPage, href, selfLinks } from "./hal";
import { hal, isRecord, noContent, ProblemError } from "./http";
import { createLead, readLead, updateLead, type LeadChange } from "./leads-model";
import { applyCommonFilters, applyOrder, filterIds, inRange, withList } from "./list-filters";
import { child, leaves } from "./php-form";
import { touch } from "./store";
import { renderTags } from "./tags";
import type { Lead } from "./types";
import { emitLeadChanges } from "./webhooks";

export function renderLead(ctx: ApiContext, lead: Lead, withContacts: boolean): Record<string, unknown> {
  const embedded: Record<string, unknown> = {
    tags: renderTags(ctx.account, lead.tag_ids),
    companies: lead.company_id ? [{ id: lead.company_id, _links: selfLinks(ctx, `/api/v4/companies/${lead.company_id}`) }] : [],
  };
  if (withContacts) {
    embedded.contacts = lead.contact_ids.map((id, i) => ({ id, is_main: i === 0, _links: selfLinks(ctx, `/api/v4/contacts/${id}`) }));
  }
  return {
    id: lead.id,
    name: lead.name,
    price: lead.price,
    responsible_user_id: lead.responsible_user_id,
    group_id: 0,
    status_id: lead.status_id,
    pipeline_id: lead.pipeline_id,
    loss_reason_id: null,
    created_by: lead.created_by,
    updated_by: lead.updated_by,
    created_at: lead.created_at,
    updated_at: lead.updated_at,
    closed_at: lead.closed_at,
    closest_task_at: null,
    is_deleted: false,
    custom_fields_values: renderFieldValues(lead.custom_fields_values),
    score: null,
    account_id: ctx.account.id,
    labor_cost: null,
    _links: selfLinks(ctx, `/api/v4/leads/${lead.id}`),
    _embedded: embedded,
  };
}

function statusPairs(ctx: ApiContext): Array<{ pipeline: number; status: number }> | null {
  const node = child(ctx.query.filter, "statuses");
  if (typeof node !== "object") return null;
  return Object.values(node).map((pair) => ({
    pipeline: Number(leaves(child(pair, "pipeline_id"))[0]),
    status: Number(leaves(child(pair, "status_id"))[0]),
  }));
}

function list(ctx: ApiContext): Response {
  const withContacts = withList(ctx).has("contacts");
  const pipelines = filterIds(ctx, "pipeline_id");
  const responsible = filterIds(ctx, "responsible_user_id");
  const statuses = statusPairs(ctx);
  const items = applyCommonFilters(ctx, [...ctx.account.leads.values()], (l) => searchableText(l.name, l.custom_fields_values)).filter(
    (l) =>
      (!pipelines || pipelines.has(l.pipeline_id)) &&
      (!responsible || responsible.has(l.responsible_user_id)) &&
      (!statuses || statuses.some((s) => s.pipeline === l.pipeline_id && s.status === l.status_id)) &&
      inRange(ctx, "closed_at", l.closed_at),
  );
  return halPage(ctx, "leads", applyOrder(ctx, items), (l) => renderLead(ctx, l, withContacts));
}

function one(ctx: ApiContext): Response {
  const lead = ctx.account.leads.get(Number(ctx.params.id));
  return lead ? hal(renderLead(ctx, lead, withList(ctx).has("contacts"))) : noContent();
}

async function create(ctx: ApiContext): Promise<Response> {
  const items = await readArrayBody(ctx, MAX_BATCH);
  const drafts = validateAll(items, (raw, errors) => readLead(ctx.account, raw, errors, { update: false }));
  const changes = drafts.map((d) => createLead(ctx.store, ctx.account, d, ctx.userId));
  emitLeadChanges(ctx.store, ctx.account, changes, 0);
  return halWritten(ctx, "/api/v4/leads", "leads", items, changes, ({ lead }) => ({ fields: { id: lead.id }, self: `/api/v4/leads/${lead.id}` }));
}

function updateAll(ctx: ApiContext, items: unknown[]): LeadChange[] {
  const drafts = validateAll(items, (raw, errors) => readLead(ctx.account, raw, errors, { update: true }));
  const changes = drafts.map((d) => updateLead(ctx.store, ctx.account, ctx.account.leads.get(d.id!)!, d, ctx.userId));
  emitLeadChanges(ctx.store, ctx.account, changes, 0);
  return changes;
}

async function patchMany(ctx: ApiContext): Promise<Response> {
  const items = await readArrayBody(ctx, MAX_BATCH);
  const changes = updateAll(ctx, items);
  return halWritten(ctx, "/api/v4/leads", "leads", items, changes, ({ lead }) => ({ fields: { id: lead.id, updated_at: lead.updated_at }, self: `/api/v4/leads/${lead.id}` }));
}

async function patchOne(ctx: ApiContext): Promise<Response> {
  const body = await readObjectBody(ctx);
  const id = Number(ctx.params.id);
  if (!ctx.account.leads.has(id)) throw new ProblemError(404, "Not Found", `Lead ${id} not found`);
  const [change] = updateAll(ctx, [{ ...body, id }]);
  return hal({ id, updated_at: change!.lead.updated_at, _links: { self: { href: href(ctx, ctx.url.pathname) } } });
}

/** `POST /api/v4/leads/{id}/link` with `[{to_entity_id, to_entity_type: "contacts"}]`. */
async function link(ctx: ApiContext): Promise<Response> {
  const lead = ctx.account.leads.get(Number(ctx.params.id));
  if (!lead) throw new ProblemError(404, "Not Found", `Lead ${ctx.params.id} not found`);
  const items = await readArrayBody(ctx, MAX_BATCH);
  const ids = validateAll(items, (raw, errors) => {
    const id = isRecord(raw) ? Number(raw.to_entity_id) : NaN;
    if (!isRecord(raw) || raw.to_entity_type !== "contacts") errors.push({ code: "NotSupportedChoice", path: "to_entity_type", detail: "Only contacts can be linked here." });
    else if (!ctx.account.contacts.has(id)) errors.push({ code: "NotFound", path: "to_entity_id", detail: "Contact not found." });
    return id;
  });
  lead.contact_ids = [...new Set([...lead.contact_ids, ...ids])];
  touch(lead, ctx.nowSec());
  return halAll(ctx, "links", ids.map((id) => ({ entity_id: lead.id, entity_type: "leads", to_entity_id: id, to_entity_type: "contacts", metadata: null })));
}

export const leadRoutes: Route[] = [
  ...entityRoutes("/api/v4/leads", { list, create, patchMany, one, patchOne }),
  { method: "POST", pattern: "/api/v4/leads/{id}/link", handler: link },
];

