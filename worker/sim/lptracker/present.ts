// How the API shows contacts, leads, comments and calls. The stage appears as `funnel: <id>` or
// `funnel: {id,name}` depending on the stageShape option, since clients have seen both (§2.5).
import { listCustoms } from "./customs";
import { formatDmyHi, unix } from "./dates";
import type { ContactRec, LeadRec, Store, UserRec } from "./store";

/** The contact as a lead embeds it; the contact itself adds its fields and creation time. */
function contactCore(contact: ContactRec) {
  return {
    id: contact.id,
    project_id: contact.projectId,
    name: contact.name,
    profession: contact.profession,
    site: contact.site,
    details: contact.details.map((d) => ({ ...d })),
  };
}

export function presentContact(user: UserRec, contact: ContactRec) {
  const project = user.projects.get(contact.projectId)!;
  return {
    ...contactCore(contact),
    fields: project.fields.map((f) => ({ id: f.id, name: f.name, type: f.type, value: contact.fields.get(f.id) ?? null })),
    created_at: unix(contact.createdAt),
  };
}

function stageAsObject(store: Store, user: UserRec): boolean {
  const shape = store.behaviour(user).stageShape;
  if (shape !== "mixed") return shape === "object";
  return user.stageShapeTurn++ % 2 === 1;
}

export function presentLead(store: Store, user: UserRec, lead: LeadRec, opts: { list?: boolean } = {}) {
  const project = user.projects.get(lead.projectId)!;
  const contact = user.contacts.get(lead.contactId)!;
  const stage = project.stages.find((s) => s.id === lead.stageId)!;
  const omitCustom = opts.list && store.behaviour(user).listOmitsCustom;
  return {
    id: lead.id,
    contact_id: lead.contactId,
    contact: contactCore(contact),
    name: lead.name,
    funnel: stageAsObject(store, user) ? { id: stage.id, name: stage.name } : stage.id,
    stage_id: stage.id,
    owner_id: lead.ownerId,
    view: { ...lead.view },
    ...(omitCustom ? {} : { custom: listCustoms(project, lead.custom) }),
    payments: lead.payments.map((p) => ({ ...p })),
    created_at: unix(lead.createdAt),
    lead_date: formatDmyHi(lead.leadDate, store.options.utcOffsetMinutes),
    updated_at: unix(lead.updatedAt),
    deal_date: null,
    calls_records: lead.calls.map((c) => ({ ...c })),
  };
}

export function presentCall(user: UserRec, lead: LeadRec) {
  return lead.calls.map((c) => {
    const owner = user.staff.find((s) => s.id === c.owner_id);
    return {
      linkedid: c.linkedid,
      time: c.time,
      duration: c.duration,
      type: c.type,
      disposition: c.disposition,
      record: c.record,
      owner_id: c.owner_id,
      owner: owner ? { id: owner.id, name: owner.name } : null,
    };
  });
}
