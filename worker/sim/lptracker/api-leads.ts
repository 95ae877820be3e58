// Lead routes (§2.5): create (records whether LPTracker was asked to call back), read, list with
// paging/sorting/filters, update, stage/owner/custom changes, delete; each change fires the callback.
import { type ApiCtx, type ApiRoute, intParam } from "./api-context";
import { createContact } from "./contacts";
import { findCustom } from "./customs";
import { LptError, invalid, jsonResponse, notFound } from "./envelope";
import { optInt, optObject, phpTruthy } from "./input";
import { leadPatchFromBody } from "./lead-input";
import { applyLeadPatch, createLeadRec, type LeadPatch } from "./lead-ops";
import { listLeads } from "./lead-list";
import { presentLead } from "./present";
import type { ContactRec, LeadRec } from "./store";
import { emitLeadEvent, serviceAuthor } from "./webhooks";

export function leadOf(ctx: ApiCtx, error?: LptError): LeadRec {
  const lead = ctx.store.lead(ctx.user, intParam(ctx, "id"));
  if (!lead) throw error ?? notFound("Lead");
  return lead;
}

export function changeLead(ctx: ApiCtx, lead: LeadRec, patch: LeadPatch) {
  const project = ctx.user.projects.get(lead.projectId)!;
  const fields = applyLeadPatch(ctx.store, ctx.user, project, lead, patch);
  if (fields.length) emitLeadEvent(ctx.store, ctx.user, lead, "update", { author: serviceAuthor(ctx.user, ctx.token.service), fields });
  return presentLead(ctx.store, ctx.user, lead);
}

function resolveContact(ctx: ApiCtx): { contact: ContactRec; created: boolean } {
  const contactId = optInt(ctx.body.contact_id, "contact_id");
  if (contactId !== undefined) {
    const contact = ctx.store.contact(ctx.user, contactId);
    if (!contact) throw invalid("Invalid contact_id");
    return { contact, created: false };
  }
  const inline = optObject(ctx.body.contact, "contact");
  if (!inline) throw invalid("Field contact_id or contact is required");
  const projectId = optInt(inline.project_id ?? ctx.body.project_id, "project_id");
  const project = projectId === undefined ? undefined : ctx.store.project(ctx.user, projectId);
  if (!project) throw invalid("Invalid project_id");
  return { contact: createContact(ctx.store, ctx.user, project, inline), created: true };
}

function create(ctx: ApiCtx) {
  const patch = leadPatchFromBody(ctx.store, ctx.body);
  const { contact, created } = resolveContact(ctx);
  const project = ctx.user.projects.get(contact.projectId)!;
  // A missing `callback` counts as a request to phone the client: the safe call always sends false.
  const dial = ctx.body.callback === undefined ? true : phpTruthy(ctx.body.callback);
  let lead: LeadRec;
  try {
    lead = createLeadRec(ctx.store, ctx.user, project, contact, patch, dial);
  } catch (err) {
    if (created) ctx.user.contacts.delete(contact.id);
    throw err;
  }
  emitLeadEvent(ctx.store, ctx.user, lead, "create", { author: serviceAuthor(ctx.user, ctx.token.service) });
  return presentLead(ctx.store, ctx.user, lead);
}

function list(ctx: ApiCtx) {
  const project = ctx.store.project(ctx.user, intParam(ctx, "project_id"));
  if (!project) throw notFound("Project");
  const items = listLeads(ctx.user, project, ctx.url.searchParams).map((l) => presentLead(ctx.store, ctx.user, l, { list: true }));
  // Some doc pages show this list as a bare array; the option lets a client prove it copes (§1).
  return ctx.store.behaviour(ctx.user).bareListArrays ? jsonResponse(items) : items;
}

function remove(ctx: ApiCtx) {
  const lead = leadOf(ctx);
  lead.deleted = true;
  lead.updatedAt = ctx.store.now();
  emitLeadEvent(ctx.store, ctx.user, lead, "delete", { author: serviceAuthor(ctx.user, ctx.token.service) });
  return null;
}

function customOf(ctx: ApiCtx, lead: LeadRec) {
  const field = findCustom(ctx.user.projects.get(lead.projectId)!, ctx.params.custom_id!);
  if (!field) throw notFound("Custom field");
  return field;
}

export const leadRoutes: ApiRoute[] = [
  { method: "POST", pattern: "/lead", handler: create },
  { method: "GET", pattern: "/lead/:project_id/list", handler: list },
  { method: "GET", pattern: "/lead/:id", handler: (ctx) => presentLead(ctx.store, ctx.user, leadOf(ctx)) },
  { method: "PUT", pattern: "/lead/:id", handler: (ctx) => changeLead(ctx, leadOf(ctx), leadPatchFromBody(ctx.store, ctx.body)) },
  { method: "DELETE", pattern: "/lead/:id", handler: remove },
  {
    method: "PUT",
    pattern: "/lead/:id/funnel",
    handler: (ctx) => {
      const lead = leadOf(ctx);
      const stageId = optInt(ctx.body.funnel ?? ctx.body.stage_id, "funnel");
      if (stageId === undefined) throw invalid("Field funnel is required");
      return changeLead(ctx, lead, { stageId });
    },
  },
  {
    method: "PUT",
    pattern: "/lead/:id/owner",
    handler: (ctx) => {
      const lead = leadOf(ctx);
      if (!("owner" in ctx.body)) throw invalid("Field owner is required");
      return changeLead(ctx, lead, { ownerId: optInt(ctx.body.owner, "owner") ?? null });
    },
  },
  {
    method: "GET",
    pattern: "/lead/:id/custom/:custom_id",
    handler: (ctx) => {
      const lead = leadOf(ctx);
      const field = customOf(ctx, lead);
      return { id: field.id, name: field.name, type: field.type, value: lead.custom.get(field.id) ?? null };
    },
  },
  {
    method: "PUT",
    pattern: "/lead/:id/custom/:custom_id",
    handler: (ctx) => {
      const lead = leadOf(ctx);
      const field = customOf(ctx, lead);
      if (!("value" in ctx.body)) throw invalid("Field value is required");
      return changeLead(ctx, lead, { custom: { [field.id]: ctx.body.value } });
    },
  },
  {
    method: "DELETE",
    pattern: "/lead/:id/custom/:custom_id",
    handler: (ctx) => {
      const lead = leadOf(ctx);
      const field = customOf(ctx, lead);
      changeLead(ctx, lead, { custom: { [field.id]: null } });
      return null;
    },
  },
];
