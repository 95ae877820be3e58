// The test-facing view of a tenant: stable camelCase records (not the API's varying shapes),
// with what tests assert on: dials, request counts, rate peak, 503s, faults and webhook counters.
import { formatDmyHi, unix } from "./dates";
import type { ContactRec, LeadRec, ProjectRec, Store, UserRec } from "./store";
import type { SimContact, SimLead, SimProject, SimUserState } from "./types";

export function toSimProject(p: ProjectRec): SimProject {
  return structuredClone({ id: p.id, name: p.name, page: p.page, domain: p.domain, funnel: p.stages, customs: p.customs, fields: p.fields });
}

export function toSimContact(c: ContactRec): SimContact {
  return {
    id: c.id,
    projectId: c.projectId,
    name: c.name,
    profession: c.profession,
    site: c.site,
    details: c.details.map((d) => ({ ...d })),
    fields: Object.fromEntries(c.fields),
    createdAt: unix(c.createdAt),
  };
}

export function toSimLead(store: Store, user: UserRec, l: LeadRec): SimLead {
  const stage = user.projects.get(l.projectId)!.stages.find((s) => s.id === l.stageId)!;
  return structuredClone({
    id: l.id,
    projectId: l.projectId,
    contactId: l.contactId,
    name: l.name,
    stageId: l.stageId,
    stageName: stage.name,
    ownerId: l.ownerId,
    view: l.view,
    custom: Object.fromEntries(l.custom),
    payments: l.payments,
    calls: l.calls,
    comments: l.comments,
    dialed: l.dialed,
    dials: l.dials,
    createdAt: unix(l.createdAt),
    updatedAt: unix(l.updatedAt),
    leadDate: formatDmyHi(l.leadDate, store.options.utcOffsetMinutes),
    deleted: l.deleted,
  });
}

export function dumpUser(store: Store, user: UserRec): SimUserState {
  const ttl = store.behaviour(user).tokenIdleTtlSec * 1000;
  const activeTokens = [...store.tokens.values()].filter((t) => t.login === user.login && store.now() - t.lastUsedAt <= ttl).length;
  return {
    login: user.login,
    password: user.password,
    options: store.behaviour(user),
    projects: [...user.projects.values()].map((p) => ({
      ...toSimProject(p),
      callbackUrls: p.callbackUrls.map((h) => ({ ...h })),
      projectCallbackUrls: p.projectCallbackUrls.map((h) => ({ ...h })),
    })),
    staff: user.staff.map((s) => ({ ...s })),
    contacts: [...user.contacts.values()].map(toSimContact),
    leads: [...user.leads.values()].map((l) => toSimLead(store, user, l)),
    dials: user.dials.map((d) => ({ ...d })),
    loginCount: user.loginCount,
    failedLoginCount: user.failedLoginCount,
    activeTokens,
    requests: Object.fromEntries(user.requests),
    totalRequests: [...user.requests.values()].reduce((a, b) => a + b, 0),
    ratePeak: user.rate.peak(user.login),
    rateLimited: user.rateLimited,
    served503: user.served503,
    faults: { plan: user.faults.current ? { ...user.faults.current } : null, injected: { ...user.faults.injected } },
    webhooks: {
      pending: user.outbox.pending.length,
      sent: user.outbox.sent.length,
      // In "http" mode: deliveries the receiver did not answer with a 2xx (or never answered).
      failed: user.outbox.sent.filter((h) => h.delivered && ("error" in h.delivered || h.delivered.status >= 300)).length,
      failures: user.outbox.sent
        .filter((h) => h.delivered && ("error" in h.delivered || h.delivered.status >= 300))
        .slice(-5)
        .map((h) => ("error" in h.delivered! ? h.delivered.error : `HTTP ${h.delivered!.status}`)),
      dropped: user.dropped,
      dropNext: user.dropNext,
    },
  };
}
