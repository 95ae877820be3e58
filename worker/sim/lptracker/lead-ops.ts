// Lead changes shared by the API and the control calls: validates a patch against the project
// (stage, owner, custom fields), applies it and names what changed for `action_update_fields`.
import { normaliseCustomValue, findCustom } from "./customs";
import { invalid } from "./envelope";
import type { ContactRec, LeadRec, ProjectRec, Store, UserRec } from "./store";
import type { CallRecord, Payment } from "./types";

export interface LeadPatch {
  name?: string;
  stageId?: number;
  /** null unassigns; the meaning of `owner: 0` on the real API is unknown, the sim treats it as null. */
  ownerId?: number | null;
  view?: Record<string, unknown>;
  custom?: Record<string, unknown>;
  payments?: Payment[];
  addPayments?: Payment[];
  leadDate?: number;
  addCalls?: CallRecord[];
}

function checkStage(project: ProjectRec, id: number): void {
  if (!project.stages.some((s) => s.id === id)) throw invalid("Invalid funnel step");
}

function checkOwner(user: UserRec, id: number | null): void {
  if (id !== null && !user.staff.some((s) => s.id === id)) throw invalid("Invalid owner");
}

/** Validates everything first so a rejected patch leaves the lead untouched. */
function prepareCustom(project: ProjectRec, custom: Record<string, unknown>): Map<number, unknown> {
  const out = new Map<number, unknown>();
  for (const [key, value] of Object.entries(custom)) {
    const field = findCustom(project, key);
    if (!field) throw invalid(`Invalid custom field ${key}`);
    out.set(field.id, normaliseCustomValue(field, value));
  }
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function applyLeadPatch(store: Store, user: UserRec, project: ProjectRec, lead: LeadRec, patch: LeadPatch): string[] {
  if (patch.stageId !== undefined) checkStage(project, patch.stageId);
  const ownerId = patch.ownerId === 0 ? null : patch.ownerId;
  if (ownerId !== undefined) checkOwner(user, ownerId);
  const custom = patch.custom ? prepareCustom(project, patch.custom) : undefined;

  const changed: string[] = [];
  if (patch.name !== undefined && patch.name !== lead.name) {
    lead.name = patch.name;
    changed.push("name");
  }
  if (patch.stageId !== undefined && patch.stageId !== lead.stageId) {
    lead.stageId = patch.stageId;
    changed.push("stage.id");
  }
  if (ownerId !== undefined && ownerId !== lead.ownerId) {
    lead.ownerId = ownerId;
    changed.push("owner.id");
  }
  if (custom) {
    let any = false;
    for (const [id, value] of custom) {
      if (same(lead.custom.get(id) ?? null, value)) continue;
      if (value === null) lead.custom.delete(id);
      else lead.custom.set(id, value);
      any = true;
    }
    if (any) changed.push("custom");
  }
  if (patch.view) {
    const next = { ...lead.view, ...patch.view, id: lead.view.id, project_id: project.id };
    if (!same(next, lead.view)) {
      lead.view = next;
      changed.push("view");
    }
  }
  if (patch.payments || patch.addPayments?.length) {
    lead.payments = [...(patch.payments ?? lead.payments), ...(patch.addPayments ?? [])];
    changed.push("payments");
  }
  if (patch.leadDate !== undefined && patch.leadDate !== lead.leadDate) {
    lead.leadDate = patch.leadDate;
    changed.push("lead_date");
  }
  if (patch.addCalls?.length) {
    lead.calls.push(...patch.addCalls);
    changed.push("calls_records");
  }
  if (changed.length) lead.updatedAt = store.now();
  return changed;
}

export function createLeadRec(
  store: Store,
  user: UserRec,
  project: ProjectRec,
  contact: ContactRec,
  patch: LeadPatch,
  dial: boolean,
): LeadRec {
  const now = store.now();
  const id = store.nextId();
  const viewId = store.nextId();
  const lead: LeadRec = {
    id,
    projectId: project.id,
    contactId: contact.id,
    name: "",
    stageId: project.stages[0]!.id,
    ownerId: null,
    view: { id: viewId, project_id: project.id, source: null, campaign: null, keyword: null },
    custom: new Map(),
    payments: [],
    calls: [],
    comments: [],
    createdAt: now,
    updatedAt: now,
    leadDate: now,
    dialed: false,
    dials: 0,
    deleted: false,
  };
  applyLeadPatch(store, user, project, lead, patch);
  lead.updatedAt = now;
  store.own(user, id);
  store.own(user, viewId);
  user.leads.set(id, lead);
  if (dial) recordDial(store, user, lead, "lead.callback");
  return lead;
}

/** Notes that LPTracker would have phoned the client: the one thing our sync must never cause. */
export function recordDial(store: Store, user: UserRec, lead: LeadRec, via: "lead.callback" | "lead.call"): void {
  lead.dialed = true;
  lead.dials++;
  user.dials.push({ leadId: lead.id, via, at: store.now() });
}
