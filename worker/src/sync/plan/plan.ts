// The sync's plan step for one LPTracker lead: from what was read (the link, the linked amoCRM lead,
// the found contact and its leads) and the project's lead policy, the amoCRM operations to run and
// why. Pure: no I/O, no clock (the caller passes `now`); lpt-to-amo.ts executes the operations.
import { leadPatchBody, type AmoContactDraft, type AmoLeadBody, type AmoLeadDraft } from "../mapping/amo-payload";
import type { AmoContact } from "./contact-finder";
import type { AmoLead } from "../../contracts/amocrm";
import type { LeadPolicy, RepeatDecision, RepeatWhy } from "./lead-policy";

export type { RepeatDecision, RepeatWhy };
import type { LptLead } from "../mapping/lpt-lead";
import type { AmoMetadata } from "../types";
import type { UnsortedDecision } from "./unsorted-decision";

export type { UnsortedDecision };

export type Placement = { pipelineId: number; statusId: number };

/** An amoCRM lead as the plan needs it: as amoCRM answers `GET /api/v4/leads` (contracts/amocrm.ts). */
export type AmoLeadState = AmoLead;

/** Where the responsible user of a new lead comes from (the order is documented in the README). */
export type ResponsibleDecision =
  | { from: "rule" | "contact" | "mapping" | "fixed" | "lpt_owner" | "fallback"; userId: number }
  /** A slot of the project's counter is taken when the lead is really created (lpt-to-amo.ts). */
  | { from: "round_robin"; users: number[] }
  /** amoCRM's own default: the user whose token created the lead. */
  | { from: "none" };

export type AmoOp =
  /** Update the linked lead; `body` null when amoCRM already holds it all. */
  | { kind: "update_lead"; leadId: number; body: AmoLeadBody | null; status: Placement; keptForRepeat: boolean }
  /** Patch a contact with the mapped fields (read first unless `known`). */
  | { kind: "update_contact"; contactId: number; known?: AmoContact }
  /** A new lead; `contactId` null: the contact is created with it (`leads/complex`). */
  | { kind: "create_lead"; placement: Placement; contactId: number | null; responsible: ResponsibleDecision }
  /** A repeat request: a note and a task on the contact's open lead, nothing created. */
  | { kind: "attach_repeat"; leadId: number; contactId: number; status: Placement; note: string; task: { text: string; responsibleUserId: number | null; taskTypeId: number; completeTill: number } }
  /** Incoming leads («Неразобранное»): a forms entry in the pipeline instead of a lead (with its contact). */
  | { kind: "create_unsorted"; pipelineId: number }
  /** A request added to an entry still waiting in incoming leads; `note` false: the entry is this lead's own (a retry). */
  | { kind: "join_unsorted"; uid: string; leadId: number; contactId: number | null; note: boolean; why: "linked" | "person" | "own" }
  /** The manager declined the entry: nothing is created or updated in amoCRM. */
  | { kind: "keep_declined"; uid: string };

/** What a lead link remembers of its incoming lead (`links.meta.unsorted`). */
export interface LinkUnsortedState {
  uid: string;
  state: "pending" | "accepted" | "declined";
  leadId: string;
}

/** A waiting entry found before planning: this lead's own (a retried job) or the same person's. */
export interface WaitingEntry {
  uid: string;
  amoLeadId: string;
  amoContactId: string | null;
  own: boolean;
}


export interface PlanReason {
  /** Audit action name. */
  action: "lead.link_stale" | "lead.repeat_attached" | "lead.repeat_new" | "lead.repeat_kept" | "lead.assigned" | "unsorted.pipeline_missing" | "unsorted.declined_kept";
  level: "info" | "warn";
  message: string;
  leadId?: number;
}


export interface AmoPlan {
  ops: AmoOp[];
  reasons: PlanReason[];
  repeat: RepeatDecision | null;
  responsible: ResponsibleDecision | null;
  unsorted: UnsortedDecision;
}

export interface PlanInput {
  lead: Pick<LptLead, "id" | "name" | "ownerId" | "contact" | "view" | "createdAt" | "leadDate">;
  /** The link of this LPTracker lead; `attached`: it was a repeat request added to that lead. */
  link: { amoId: string; attached: boolean } | null;
  /** The linked lead as read now (null: gone); undefined without a link. */
  linked?: AmoLeadState | null;
  contactDraft: AmoContactDraft;
  leadDraft: AmoLeadDraft;
  /** Rule or stage-map placement, or null. */
  placement: Placement | null;
  defaultPlacement: Placement | null;
  stageChanged: boolean;
  /** The contact found by phone or e-mail (null: none); undefined when not looked up. */
  found?: { contact: AmoContact; by: "phone" | "email" } | null;
  /** The found contact's leads, read only when the repeat policy needs them. */
  contactLeads?: AmoLeadState[];
  policy: LeadPolicy;
  /** The responsible user a rule chose (its action wins over the policy). */
  ruleResponsibleUserId?: number;
  meta: Pick<AmoMetadata, "users" | "taskTypes" | "pipelines">;
  now: number;
  /** The project's incoming-leads pipeline (null: new leads go straight into a pipeline). */
  unsorted?: { pipelineId: number } | null;
  /** The link's incoming-lead state, when the link came from an entry. */
  linkUnsorted?: LinkUnsortedState | null;
  /** A waiting entry of this lead or of the same person (read only when incoming leads are on). */
  waiting?: WaitingEntry | null;
}

const CLOSED = new Set([142, 143]);
export const isClosed = (l: Pick<AmoLeadState, "status_id">) => CLOSED.has(l.status_id);

/** Whether the executor must read the found contact's leads before planning. */
export function needsContactLeads(policy: LeadPolicy): boolean {
  return policy.repeatMode !== "new";
}

const newestFirst = (a: AmoLeadState, b: AmoLeadState) => (b.created_at ?? 0) - (a.created_at ?? 0) || b.id - a.id;

/** The open lead a repeat request goes to, or why a new lead is made. */
export function repeatTarget(policy: LeadPolicy, leads: AmoLeadState[] | undefined): { lead: AmoLeadState | null; code: RepeatWhy; leadId?: number; why: string } {
  const scoped = policy.repeatPipelines.length > 0;
  const inScope = (leads ?? []).filter((l) => !scoped || policy.repeatPipelines.includes(l.pipeline_id)).sort(newestFirst);
  if (!inScope.length) return scoped ? { lead: null, code: "no_leads_in_pipelines", why: "the contact has no lead in the chosen pipelines" } : { lead: null, code: "no_leads", why: "the contact has no lead" };
  if (policy.repeatMode === "attach") {
    const open = inScope.find((l) => !isClosed(l));
    return open ? { lead: open, code: "open_lead", leadId: open.id, why: `the contact's open lead ${open.id}` } : { lead: null, code: "all_closed", why: "every lead of the contact is closed" };
  }
  const last = inScope[0]!;
  return isClosed(last)
    ? { lead: null, code: "last_closed", leadId: last.id, why: `the contact's last lead ${last.id} is closed` }
    : { lead: last, code: "last_open", leadId: last.id, why: `the contact's last lead ${last.id} is still open` };
}

/**
 * Who gets a new lead: a rule's choice; then the contact's own responsible user when the project
 * asks for it; then a mapping row; then the project's mode (fixed, round-robin, LPTracker owner
 * through the staff map, with its fallback); else amoCRM's default. Users amoCRM no longer lists
 * are passed over.
 */
export function chooseResponsible(i: Pick<PlanInput, "policy" | "ruleResponsibleUserId" | "leadDraft" | "found" | "lead" | "meta">): ResponsibleDecision {
  const listed = new Set(i.meta.users.map((u) => u.id));
  const exists = (u: number | null | undefined): u is number => typeof u === "number" && (listed.size === 0 || listed.has(u));
  if (i.ruleResponsibleUserId !== undefined) return { from: "rule", userId: i.ruleResponsibleUserId };
  const owner = i.found?.contact.responsible_user_id;
  if (i.policy.contactOwnerWins && exists(owner)) return { from: "contact", userId: owner };
  if (i.leadDraft.responsibleUserId !== undefined) return { from: "mapping", userId: i.leadDraft.responsibleUserId };
  const p = i.policy;
  const fallback = (): ResponsibleDecision => (exists(p.fallbackUserId) ? { from: "fallback", userId: p.fallbackUserId } : { from: "none" });
  if (p.assignMode === "fixed") return exists(p.fixedUserId) ? { from: "fixed", userId: p.fixedUserId } : fallback();
  if (p.assignMode === "round_robin") {
    const users = p.rrUsers.filter(exists);
    return users.length ? { from: "round_robin", users } : fallback();
  }
  if (p.assignMode === "lpt_owner") {
    const mapped = p.staffMap.find((m) => m.lptStaffId === i.lead.ownerId)?.amoUserId;
    return exists(mapped) ? { from: "lpt_owner", userId: mapped } : fallback();
  }
  return { from: "none" };
}

const MSK = new Intl.DateTimeFormat("ru-RU", { timeZone: "Europe/Moscow", day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit" });

/** The note «Повторная заявка»: what the request said, for the manager who already has the client. */
export function repeatNoteText(lead: PlanInput["lead"], now: number): string {
  const at = lead.leadDate ?? lead.createdAt ?? now;
  const lines = [`Повторная заявка из LPTracker (заявка №${lead.id})`];
  if (lead.name) lines.push(`Заявка: ${lead.name}`);
  lines.push(`Время: ${MSK.format(new Date(at))} (МСК)`);
  if (lead.contact.name) lines.push(`Контакт: ${lead.contact.name}`);
  if (lead.contact.phones.length) lines.push(`Телефон: ${lead.contact.phones.join(", ")}`);
  if (lead.contact.emails.length) lines.push(`E-mail: ${lead.contact.emails.join(", ")}`);
  const labels: Record<string, string> = { source: "Источник", campaign: "Кампания (utm_campaign)", keyword: "Ключевое слово (utm_term)", seo_system: "Поисковая система", referrer: "Страница / реферер", platform: "Площадка" };
  for (const [k, v] of Object.entries(lead.view)) if (v) lines.push(`${labels[k] ?? k}: ${v}`);
  return lines.join("\n");
}

/** The account's call task type (amoCRM's «Связаться» is id 1), else its first type. */
function followUpTaskType(meta: PlanInput["meta"]): number {
  return meta.taskTypes.find((x) => x.code === "CALL")?.id ?? meta.taskTypes.find((x) => x.id === 1)?.id ?? meta.taskTypes[0]?.id ?? 1;
}

export const REPEAT_TASK_HOURS = 1;

/** The plan. Throws only when a lead must be created and the account has nowhere to put it. */
export function planAmoWrites(i: PlanInput): AmoPlan {
  const ops: AmoOp[] = [];
  const reasons: PlanReason[] = [];
  const { lead } = i;

  // A link made by an entry follows the manager's decision: declined creates nothing, waiting takes a note.
  const lu = i.link ? i.linkUnsorted : null;
  if (lu?.state === "declined") {
    reasons.push({ action: "unsorted.declined_kept", level: "info", message: `LPTracker lead ${lead.id} was declined in amoCRM's incoming leads (${lu.uid}); this update creates nothing in amoCRM.` });
    return { ops: [{ kind: "keep_declined", uid: lu.uid }], reasons, repeat: null, responsible: null, unsorted: { outcome: "declined", uid: lu.uid } };
  }
  if (lu?.state === "pending") {
    const contactId = i.waiting?.uid === lu.uid && i.waiting.amoContactId ? Number(i.waiting.amoContactId) : null;
    ops.push({ kind: "join_unsorted", uid: lu.uid, leadId: Number(lu.leadId), contactId, note: true, why: "linked" });
    return { ops, reasons, repeat: null, responsible: null, unsorted: { outcome: "joined", uid: lu.uid, leadId: Number(lu.leadId), why: "linked" } };
  }

  if (i.link && i.linked) {
    const existing = i.linked;
    let status: Placement = { pipelineId: existing.pipeline_id, statusId: existing.status_id };
    if (i.link.attached) {
      // A repeat request added to someone's open lead: that lead keeps the first request's data and stage.
      ops.push({ kind: "update_lead", leadId: existing.id, body: null, status, keptForRepeat: true });
      reasons.push({ action: "lead.repeat_kept", level: "info", leadId: existing.id, message: `LPTracker lead ${lead.id} was a repeat request added to amoCRM lead ${existing.id}; that lead keeps its own fields and stage.` });
    } else {
      const body = leadPatchBody(existing.id, i.leadDraft, existing);
      if (i.placement && i.stageChanged && (existing.pipeline_id !== i.placement.pipelineId || existing.status_id !== i.placement.statusId)) {
        body.pipeline_id = i.placement.pipelineId;
        body.status_id = i.placement.statusId;
        status = { ...i.placement };
      }
      const unchanged =
        !body.custom_fields_values?.length &&
        !body._embedded &&
        body.pipeline_id === undefined &&
        (body.name === undefined || body.name === existing.name) &&
        (body.price === undefined || body.price === existing.price) &&
        (body.responsible_user_id === undefined || body.responsible_user_id === existing.responsible_user_id);
      ops.push({ kind: "update_lead", leadId: existing.id, body: unchanged ? null : body, status, keptForRepeat: false });
    }
    const contactId = existing._embedded?.contacts?.find((c) => c.is_main)?.id ?? existing._embedded?.contacts?.[0]?.id ?? null;
    if (contactId) ops.push({ kind: "update_contact", contactId });
    return { ops, reasons, repeat: null, responsible: null, unsorted: i.unsorted === undefined ? { outcome: "off" } : { outcome: "linked" } };
  }
  if (i.link && i.linked === null) {
    reasons.push({ action: "lead.link_stale", level: "warn", message: `The linked amoCRM lead ${i.link.amoId} no longer exists; a new one is created.` });
  }

  // A retried job finds the entry its first attempt posted: it joins it and posts nothing again.
  if (!i.link && i.unsorted && i.waiting?.own) {
    const w = i.waiting;
    ops.push({ kind: "join_unsorted", uid: w.uid, leadId: Number(w.amoLeadId), contactId: w.amoContactId ? Number(w.amoContactId) : null, note: false, why: "own" });
    return { ops, reasons, repeat: null, responsible: null, unsorted: { outcome: "joined", uid: w.uid, leadId: Number(w.amoLeadId), why: "own" } };
  }

  const found = i.found ?? null;
  let repeat: RepeatDecision | null = null;
  if (i.policy.repeatMode !== "new") {
    if (!found) {
      repeat = { mode: i.policy.repeatMode, outcome: "not_repeat", code: "no_contact", why: "no amoCRM contact has this phone or e-mail" };
    } else {
      // The lead of a waiting entry is not an open lead to attach to: the request joins the entry below.
      const waitingLead = i.waiting ? Number(i.waiting.amoLeadId) : null;
      const target = repeatTarget(i.policy, i.contactLeads?.filter((l) => l.id !== waitingLead));
      if (target.lead) {
        const open = target.lead;
        repeat = { mode: i.policy.repeatMode, outcome: "attached", leadId: open.id, code: target.code, why: target.why };
        ops.push({ kind: "update_contact", contactId: found.contact.id, known: found.contact });
        ops.push({
          kind: "attach_repeat",
          leadId: open.id,
          contactId: found.contact.id,
          status: { pipelineId: open.pipeline_id, statusId: open.status_id },
          note: repeatNoteText(lead, i.now),
          task: {
            text: `Повторная заявка из LPTracker (№${lead.id}): свяжитесь с клиентом`,
            responsibleUserId: open.responsible_user_id ?? null,
            taskTypeId: followUpTaskType(i.meta),
            completeTill: Math.floor(i.now / 1000) + REPEAT_TASK_HOURS * 3600,
          },
        });
        reasons.push({ action: "lead.repeat_attached", level: "info", leadId: open.id, message: `Repeat request: LPTracker lead ${lead.id} added to ${target.why} (a note and a task), no new lead.` });
        return { ops, reasons, repeat, responsible: null, unsorted: !i.unsorted ? { outcome: "off" } : i.link ? { outcome: "linked" } : { outcome: "repeat_first", leadId: open.id } };
      }
      repeat = { mode: i.policy.repeatMode, outcome: "new", ...(target.leadId ? { leadId: target.leadId } : {}), code: target.code, why: target.why };
      reasons.push({ action: "lead.repeat_new", level: "info", message: `Repeat request from contact ${found.contact.id}: a new lead, because ${target.why}.` });
    }
  }

  // Incoming leads only for a lead we never linked (a stale link is recreated where it was).
  let unsorted: UnsortedDecision = i.link && i.unsorted ? { outcome: "linked" } : { outcome: "off" };
  if (!i.link && i.unsorted) {
    const pipelineId = i.unsorted.pipelineId;
    if (!i.meta.pipelines.some((p) => p.id === pipelineId)) {
      unsorted = { outcome: "pipeline_missing", pipelineId };
      reasons.push({ action: "unsorted.pipeline_missing", level: "warn", message: `The pipeline ${pipelineId} chosen for incoming leads no longer exists in amoCRM; LPTracker lead ${lead.id} goes straight into a pipeline. Choose another pipeline in the widget's settings.` });
    } else if (i.waiting) {
      const w = i.waiting;
      ops.push({ kind: "join_unsorted", uid: w.uid, leadId: Number(w.amoLeadId), contactId: w.amoContactId ? Number(w.amoContactId) : null, note: true, why: "person" });
      return { ops, reasons, repeat, responsible: null, unsorted: { outcome: "joined", uid: w.uid, leadId: Number(w.amoLeadId), why: "person" } };
    } else {
      ops.push({ kind: "create_unsorted", pipelineId });
      return { ops, reasons, repeat, responsible: null, unsorted: { outcome: "entry", pipelineId } };
    }
  }

  const placement = i.placement ?? i.defaultPlacement;
  if (!placement) throw new Error("The amoCRM account has no pipeline with an open status to put the lead in.");
  const responsible = chooseResponsible({ ...i, found });
  // The round-robin's user is known only once its slot is taken; the executor records it then.
  if (responsible.from !== "none" && responsible.from !== "round_robin" && responsible.from !== "rule" && responsible.from !== "mapping") {
    reasons.push({ action: "lead.assigned", level: "info", message: `Responsible user ${responsible.userId} (from ${responsible.from.replace("_", " ")}).` });
  }
  if (found) ops.push({ kind: "update_contact", contactId: found.contact.id, known: found.contact });
  ops.push({ kind: "create_lead", placement, contactId: found ? found.contact.id : null, responsible });
  return { ops, reasons, repeat, responsible, unsorted };
}
