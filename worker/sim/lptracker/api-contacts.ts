// Contact routes (§2.4): create/read/update/delete, search by phone or email, and a contact's leads.
import { type ApiCtx, type ApiRoute, intParam } from "./api-context";
import { createContact, searchContacts, updateContact } from "./contacts";
import { invalid, notFound } from "./envelope";
import { optInt } from "./input";
import { presentContact, presentLead } from "./present";
import type { ContactRec } from "./store";

function contactOf(ctx: ApiCtx): ContactRec {
  const contact = ctx.store.contact(ctx.user, intParam(ctx, "id"));
  if (!contact) throw notFound("Contact");
  return contact;
}

function create(ctx: ApiCtx) {
  const projectId = optInt(ctx.body.project_id, "project_id");
  if (projectId === undefined) throw invalid("Field project_id is required");
  const project = ctx.store.project(ctx.user, projectId);
  if (!project) throw notFound("Project");
  return presentContact(ctx.user, createContact(ctx.store, ctx.user, project, ctx.body));
}

function search(ctx: ApiCtx) {
  const q = ctx.url.searchParams;
  const phone = q.get("phone")?.trim() || undefined;
  const email = q.get("email")?.trim() || undefined;
  // Live: project_id alone is a 400; there is no "list all contacts" call (§2.4).
  if (!phone && !email) throw invalid("Phone or email is required");
  const projectId = optInt(q.get("project_id"), "project_id");
  if (projectId !== undefined && !ctx.store.project(ctx.user, projectId)) throw notFound("Project");
  return searchContacts(ctx.user, projectId, phone, email).map((c) => presentContact(ctx.user, c));
}

function remove(ctx: ApiCtx) {
  const contact = contactOf(ctx);
  if ([...ctx.user.leads.values()].some((l) => l.contactId === contact.id && !l.deleted)) {
    throw invalid("Contact has leads");
  }
  ctx.user.contacts.delete(contact.id);
  return null;
}

export const contactRoutes: ApiRoute[] = [
  { method: "POST", pattern: "/contact", handler: create },
  { method: "GET", pattern: "/contact/search", handler: search },
  { method: "GET", pattern: "/contact/:id", handler: (ctx) => presentContact(ctx.user, contactOf(ctx)) },
  {
    method: "PUT",
    pattern: "/contact/:id",
    handler: (ctx) => {
      const contact = contactOf(ctx);
      updateContact(ctx.store, ctx.user, contact, ctx.body);
      return presentContact(ctx.user, contact);
    },
  },
  { method: "DELETE", pattern: "/contact/:id", handler: remove },
  {
    method: "GET",
    pattern: "/contact/:id/leads",
    handler: (ctx) => {
      const contact = contactOf(ctx);
      return [...ctx.user.leads.values()]
        .filter((l) => l.contactId === contact.id && !l.deleted)
        .map((l) => presentLead(ctx.store, ctx.user, l));
    },
  },
];
