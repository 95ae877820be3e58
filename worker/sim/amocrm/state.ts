// Snapshots of an account for tests and the control API: plain data, detached from the live store.
import { domainOf, API_DOMAIN, type Account, type Store } from "./store";
import { adminOf } from "./seed";
import type { AccountInfo, AccountState } from "./types";

const copy = <T>(value: T): T => structuredClone(value);

function tagNames(account: Account, ids: number[]): string[] {
  return ids.flatMap((id) => account.tags.filter((t) => t.id === id).map((t) => t.name));
}

export function accountInfo(account: Account): AccountInfo {
  return copy({
    id: account.id,
    name: account.name,
    subdomain: account.subdomain,
    domain: domainOf(account),
    api_domain: API_DOMAIN,
    previous_domains: account.previousDomains,
    users: account.users,
    groups: account.groups,
    admin_user_id: adminOf(account).id,
    pipelines: account.pipelines,
    custom_fields: account.fields,
    task_types: account.taskTypes,
  });
}

export function accountState(store: Store, account: Account): AccountState {
  const key = String(account.id);
  return copy({
    account: { ...accountInfo(account), tokens_revoked: account.tokensRevoked },
    contacts: [...account.contacts.values()].map((c) => ({ ...c, tags: tagNames(account, c.tag_ids) })),
    leads: [...account.leads.values()].map((l) => ({ ...l, tags: tagNames(account, l.tag_ids) })),
    companies: [...account.companies.values()],
    notes: account.notes,
    tasks: account.tasks,
    calls: account.calls,
    webhooks: account.webhooks,
    tags: account.tags,
    oauth: {
      refresh_calls: account.stats.refreshCalls,
      refresh_succeeded: account.stats.refreshSucceeded,
      code_exchanges: account.stats.codeExchanges,
    },
    requests: account.stats.requests,
    rate: {
      limit_per_second: store.rate.limitPerSecond,
      peak: store.rate.peak(key),
      accepted_peak: store.rate.acceptedPeak(key),
      too_many_requests: account.stats.tooManyRequests,
      forbidden: account.stats.forbidden,
      blocked_until: account.stats.blockedUntil,
    },
    faults: { plan: account.faults.current, injected: account.faults.injected },
    outgoing: {
      pending: account.outbox.pending.length,
      sent: account.outbox.sent,
      dropped: account.dropped,
      drops_left: account.dropWebhooks,
    },
  });
}
