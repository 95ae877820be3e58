// Body of the lead callback, with the field list of docs §3.2 (`/common/webhook/`): note `contact.contacts`
// (not `details`), `created_at` in Unix seconds and `action_timestamp` in milliseconds.
import { listCustoms } from "./customs";
import { unix } from "./dates";
import type { LeadRec, Store, UserRec } from "./store";
import type { WebhookAction } from "./types";

export interface Author {
  id: number | null;
  type: string;
  name: string;
  job: string | null;
}

const VIEW_KEYS = [
  "source",
  "campaign",
  "keyword",
  "address",
  "click_time",
  "platform",
  "browser",
  "ip",
  "referrer",
  "lead_from",
  "ym_client_id",
  "ga_client_id",
];

export function leadPayload(
  store: Store,
  user: UserRec,
  lead: LeadRec,
  action: WebhookAction,
  author: Author,
  updateFields: string[],
) {
  const project = user.projects.get(lead.projectId)!;
  const contact = user.contacts.get(lead.contactId)!;
  const stage = project.stages.find((s) => s.id === lead.stageId)!;
  const owner = user.staff.find((s) => s.id === lead.ownerId);
  const detail = contact.details.find((d) => d.type === "phone") ?? contact.details[0];
  const view: Record<string, unknown> = { id: lead.view.id, project_id: project.id };
  for (const key of VIEW_KEYS) view[key] = lead.view[key] ?? null;
  return {
    action,
    action_timestamp: store.now(),
    // Only an update names changed fields; the docs do not say how several are joined, the sim uses ",".
    action_update_fields: action === "update" ? updateFields.join(",") : null,
    id: lead.id,
    contact_id: contact.id,
    detail_id: detail?.id ?? null,
    project_id: project.id,
    created_at: unix(lead.createdAt),
    deal: stage.in_deals && !stage.in_leads,
    local_time: null,
    capture_type: null,
    owner_id: lead.ownerId,
    stage_id: stage.id,
    name: lead.name,
    form: null,
    author,
    custom: listCustoms(project, lead.custom),
    view,
    contact: {
      id: contact.id,
      name: contact.name,
      profession: contact.profession,
      site: contact.site,
      created_at: unix(contact.createdAt),
      project_id: contact.projectId,
      contacts: contact.details.map((d) => ({ ...d })),
    },
    owner: owner ? { id: owner.id, type: owner.type, last_project: project.id, name: owner.name, job: owner.job } : null,
    stage: { id: stage.id, name: stage.name },
    payments: lead.payments.map((p) => ({ ...p })),
    calls_records: lead.calls.map((c) => ({ ...c })),
  };
}
