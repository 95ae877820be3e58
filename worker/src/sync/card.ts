// What the widget's card panel shows: the LPTracker leads linked to an amoCRM lead or contact,
// from our own records (snapshot of the last sync + call results), so a card opens without
// spending the LPTracker budget.
import type { Env } from "../env";
import type { Tenant } from "../db/tenant";
import { findLinksByAmo, type LinkRow } from "../db/links";
import { callsForLptLeads } from "../db/calls";
import { listEvents } from "../db/events";
import { getAccount } from "../db/accounts";
import { AmoClient } from "../amocrm/client";
import { amoContactSchema, amoLeadSchema, amoLeadsAnswerSchema, type AmoLead } from "../contracts/amocrm";
import type { CardLead, CardResponse, CallView, InstallStatus } from "../api-types";
import { metaSnapshotParts } from "./run/link-meta";
import { listProjects } from "../db/lptracker";
import { LptClient } from "../lptracker/client";
import { normalizePhone } from "../lib/phone";
import { REINSTALL } from "../auth/install-status";
import { Problem } from "../lib/problem";
import { RightsCheck, refusal } from "../amocrm/rights";
import type { EntityFacts } from "../amocrm/rights-model";

export const LPT_APP_ORIGIN = "https://my.lptracker.ru";

/** amoCRM lead ids behind a card: the lead itself, or every lead of a contact. */
export async function cardLeadIds(env: Env, t: Tenant, entity: "leads" | "contacts", id: number): Promise<number[]> {
  if (entity === "leads") return [id];
  const contact = await new AmoClient(env, t.accountId).read(amoContactSchema, `/api/v4/contacts/${id}`, { with: "leads" });
  return contact?._embedded?.leads?.map((l) => l.id) ?? [];
}

/** Who opened the card, from the widget token (never from the request). */
export interface CardViewer {
  userId: number;
  isAdmin: boolean;
}

/** The card's leads this viewer may see. */
export interface CardScope {
  leadIds: number[];
  /** The contact's leads amoCRM hides from this viewer. */
  hidden: number;
}

const leadFacts = (l: AmoLead): EntityFacts => ({ type: "leads", responsibleUserId: l.responsible_user_id ?? null, pipelineId: l.pipeline_id ?? null, statusId: l.status_id ?? null });

function notInAmo(entity: "leads" | "contacts", id: number): Problem {
  return new Problem(entity === "leads" ? "card_lead_not_found" : "card_contact_not_found", { id });
}

/**
 * Decides with amoCRM's rights which of the card's leads the viewer may see: admins everything;
 * others per their view right on the lead (status rights first) or, in a contact card, on the
 * contact and then on each of its leads. Refuses with 403 when the card itself is off limits or the
 * rights cannot be read.
 */
export async function cardScope(env: Env, t: Tenant, viewer: CardViewer, entity: "leads" | "contacts", id: number): Promise<CardScope> {
  if (viewer.isAdmin) {
    return { leadIds: await cardLeadIds(env, t, entity, id), hidden: 0 };
  }
  const check = await RightsCheck.forUser(env, t, viewer.userId);
  if (!check) throw refusal("rights_unavailable", entity);
  if (check.viewer.isAdmin) return cardScope(env, t, { ...viewer, isAdmin: true }, entity, id);
  const amo = new AmoClient(env, t.accountId);
  if (entity === "leads") {
    const lead = await amo.read(amoLeadSchema, `/api/v4/leads/${id}`);
    if (!lead) throw notInAmo(entity, id);
    const facts = leadFacts(lead);
    await check.prepare([facts], ["view"]);
    if (!check.may("view", facts)) throw refusal("no_view_right", entity);
    return { leadIds: [id], hidden: 0 };
  }
  const contact = await amo.read(amoContactSchema, `/api/v4/contacts/${id}`, { with: "leads" });
  if (!contact) throw notInAmo(entity, id);
  const contactFacts: EntityFacts = { type: "contacts", responsibleUserId: contact.responsible_user_id ?? null };
  const ids = (contact._embedded?.leads ?? []).map((l) => l.id).slice(0, 250);
  const leads = ids.length ? ((await amo.read(amoLeadsAnswerSchema, "/api/v4/leads", { "filter[id][]": ids, limit: 250 }))?._embedded?.leads ?? []) : [];
  await check.prepare([contactFacts, ...leads.map(leadFacts)], ["view"]);
  if (!check.may("view", contactFacts)) throw refusal("no_view_right", entity);
  const visible = leads.filter((l) => check.may("view", leadFacts(l)));
  // A lead amoCRM did not return (deleted meanwhile) is not counted as hidden.
  return { leadIds: visible.map((l) => l.id), hidden: leads.length - visible.length };
}

function toCardLead(link: LinkRow, calls: CallView[], lastEvent: CardLead["lastEvent"]): CardLead {
  const snap = metaSnapshotParts(link.meta);
  return {
    lptLeadId: Number(link.lptId),
    projectId: link.projectId,
    projectName: snap.projectName ?? null,
    name: snap.name ?? null,
    stage: snap.stage ?? { id: null, name: null },
    source: { source: snap.view?.source ?? null, campaign: snap.view?.campaign ?? null, keyword: snap.view?.keyword ?? null, referrer: snap.view?.referrer ?? null },
    createdAt: snap.createdAt ?? null,
    fields: snap.fields ?? [],
    calls,
    lptUrl: `${LPT_APP_ORIGIN}/#/leads/${link.lptId}`,
    syncedAt: snap.syncedAt ?? null,
    lastEvent,
  };
}

export async function buildCard(env: Env, t: Tenant, entity: "leads" | "contacts", id: number, viewer: CardViewer): Promise<CardResponse> {
  const account = await getAccount(t);
  const installStatus: InstallStatus = account?.status ?? "not_installed";
  // Without a working install amoCRM cannot be asked who may see what: only admins see our records then.
  let scope: CardScope;
  if (installStatus === "active") scope = await cardScope(env, t, viewer, entity, id);
  else scope = { leadIds: viewer.isAdmin && entity === "leads" ? [id] : [], hidden: 0 };
  const leadIds = scope.leadIds;
  const links = await findLinksByAmo(t, "lead", leadIds);
  const calls = await callsForLptLeads(
    t,
    links.map((l) => l.lptId),
  );
  const leads: CardLead[] = [];
  for (const link of links) {
    const mine: CallView[] = calls
      .filter((c) => c.lptLeadId === link.lptId)
      .map((c) => ({
        id: c.callId,
        at: c.startedAt,
        direction: c.direction,
        durationSec: c.duration,
        result: c.result,
        recordingUrl: c.recordingUrl,
        operator: c.operator,
        syncStatus: c.syncStatus,
      }));
    const ev = (await listEvents(t, { externalId: link.lptId, limit: 1 })).items[0];
    leads.push(toCardLead(link, mine, ev ? { id: ev.id, status: ev.status, error: ev.error } : null));
  }
  const card: CardResponse = { entity, id, install_status: installStatus, leads, can: { sync: viewer.isAdmin, link: viewer.isAdmin } };
  if (scope.hidden) card.hiddenLeads = scope.hidden;
  if (account?.pausedAt != null) card.paused = true;
  if (installStatus === "reauth_required") Object.assign(card, { action: REINSTALL.text, actionText: REINSTALL.ref });
  // Suggestions exist to be linked, which only admins may do.
  if (!leads.length && installStatus === "active" && viewer.isAdmin) card.suggestions = await suggestByPhone(env, t, entity, id).catch(() => []);
  return card;
}

/** The card's phones: the contact's own, or the main contact's for a lead. */
async function cardPhones(amo: AmoClient, entity: "leads" | "contacts", id: number): Promise<string[]> {
  let contactId = entity === "contacts" ? id : null;
  if (entity === "leads") {
    const lead = await amo.read(amoLeadSchema, `/api/v4/leads/${id}`, { with: "contacts" });
    contactId = lead?._embedded?.contacts?.[0]?.id ?? null;
  }
  if (!contactId) return [];
  const contact = await amo.read(amoContactSchema, `/api/v4/contacts/${contactId}`);
  const raw = (contact?.custom_fields_values ?? []).filter((f) => f.field_code === "PHONE").flatMap((f) => f.values.map((v) => String(v.value ?? "")));
  return [...new Set(raw.map((p) => normalizePhone(p)?.digits).filter((p): p is string => !!p))].slice(0, 3);
}

/** LPTracker leads of the card's person (by phone) in the connected projects, for one-click linking. */
async function suggestByPhone(env: Env, t: Tenant, entity: "leads" | "contacts", id: number): Promise<NonNullable<CardResponse["suggestions"]>> {
  const projects = (await listProjects(t)).filter((p) => p.enabled);
  if (!projects.length) return [];
  const phones = await cardPhones(new AmoClient(env, t.accountId), entity, id);
  const lpt = new LptClient(env, t.accountId);
  const out: NonNullable<CardResponse["suggestions"]> = [];
  for (const project of projects) {
    for (const phone of phones) {
      for (const contact of await lpt.searchContacts(project.projectId, { phone })) {
        for (const lead of (await lpt.contactLeads(contact.id)).slice(0, 5)) {
          if (out.some((x) => x.lptLeadId === lead.id)) continue;
          out.push({ lptLeadId: lead.id, name: lead.name ?? null, projectId: project.projectId, stage: lead.stage?.name ?? lead.funnel?.name ?? null, createdAt: typeof lead.created_at === "number" ? lead.created_at * 1000 : null });
        }
      }
    }
  }
  return out.slice(0, 10);
}
