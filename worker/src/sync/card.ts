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
import type { CardLead, CardResponse, CallView, InstallStatus } from "../api-types";
import type { LeadSnapshot } from "./lpt-to-amo";

export const LPT_APP_ORIGIN = "https://my.lptracker.ru";

/** amoCRM lead ids behind a card: the lead itself, or every lead of a contact. */
export async function cardLeadIds(env: Env, t: Tenant, entity: "leads" | "contacts", id: number): Promise<number[]> {
  if (entity === "leads") return [id];
  const contact = await new AmoClient(env, t.accountId).get<{ _embedded?: { leads?: { id: number }[] } }>(`/api/v4/contacts/${id}`, { with: "leads" });
  return contact?._embedded?.leads?.map((l) => l.id) ?? [];
}

function toCardLead(link: LinkRow, calls: CallView[], lastEvent: CardLead["lastEvent"]): CardLead {
  const snap = (link.meta.snapshot ?? {}) as Partial<LeadSnapshot>;
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

export async function buildCard(env: Env, t: Tenant, entity: "leads" | "contacts", id: number): Promise<CardResponse> {
  const account = await getAccount(t);
  const installStatus: InstallStatus = (account?.status as InstallStatus | undefined) ?? "not_installed";
  const leadIds = installStatus === "active" ? await cardLeadIds(env, t, entity, id) : entity === "leads" ? [id] : [];
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
        direction: (c.direction as CallView["direction"]) ?? null,
        durationSec: c.duration,
        result: c.result,
        recordingUrl: c.recordingUrl,
        operator: c.operator,
        syncStatus: c.syncStatus as CallView["syncStatus"],
      }));
    const ev = (await listEvents(t, { externalId: link.lptId, limit: 1 })).items[0];
    leads.push(toCardLead(link, mine, ev ? { id: ev.id, status: ev.status, error: ev.error } : null));
  }
  return { entity, id, install_status: installStatus, leads };
}
