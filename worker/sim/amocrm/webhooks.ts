// Outgoing account webhooks (form-urlencoded, PHP-style nested keys, one POST per subscribed
// destination per write) and the "integration disabled" hook with its HMAC signature.
import type { OutgoingHook } from "../shared/outbox";
import type { LeadChange } from "./leads-model";
import { statusChanged } from "./leads-model";
import { encodeNested } from "./php-form";
import { domainOf, type Account, type Store } from "./store";
import type { Contact, DisconnectVariant, Lead, StoredFieldValues } from "./types";

const FORM = "application/x-www-form-urlencoded";

function customFields(values: StoredFieldValues[]): unknown[] {
  return values.map((f) => ({
    id: f.field_id,
    name: f.field_name,
    ...(f.field_code ? { code: f.field_code } : {}),
    values: f.values.map((v) => ({ value: v.value, ...(v.enum_id !== undefined ? { enum: v.enum_id } : {}) })),
  }));
}

function tags(account: Account, ids: number[]): unknown[] {
  return ids.flatMap((id) => account.tags.filter((t) => t.id === id).map((t) => ({ id: t.id, name: t.name })));
}

function leadItem(account: Account, lead: Lead, modifiedBy: number): Record<string, unknown> {
  return {
    id: lead.id,
    name: lead.name,
    status_id: lead.status_id,
    price: lead.price,
    responsible_user_id: lead.responsible_user_id,
    last_modified: lead.updated_at,
    modified_user_id: modifiedBy,
    created_user_id: lead.created_by,
    date_create: lead.created_at,
    pipeline_id: lead.pipeline_id,
    tags: tags(account, lead.tag_ids),
    account_id: account.id,
    custom_fields: customFields(lead.custom_fields_values),
    created_at: lead.created_at,
    updated_at: lead.updated_at,
  };
}

function contactItem(account: Account, contact: Contact, modifiedBy: number): Record<string, unknown> {
  return {
    id: contact.id,
    name: contact.name,
    responsible_user_id: contact.responsible_user_id,
    date_create: contact.created_at,
    last_modified: contact.updated_at,
    created_user_id: contact.created_by,
    modified_user_id: modifiedBy,
    account_id: account.id,
    custom_fields: customFields(contact.custom_fields_values),
    tags: tags(account, contact.tag_ids),
    linked_leads_id: Object.fromEntries(
      [...account.leads.values()].filter((l) => l.contact_ids.includes(contact.id)).map((l) => [l.id, { ID: l.id }]),
    ),
    created_at: contact.created_at,
    updated_at: contact.updated_at,
    type: "contact",
  };
}

function accountPart(account: Account): Record<string, unknown> {
  return { subdomain: account.subdomain, id: account.id, _links: { self: `https://${domainOf(account)}` } };
}

function deliver(store: Store, account: Account, url: string, body: string): void {
  const hook = { url, method: "POST", headers: { "content-type": FORM }, body };
  // A scheduled loss, for tests of reconciliation: amoCRM is known to lose webhooks now and then.
  if (account.dropWebhooks > 0) {
    account.dropWebhooks--;
    account.dropped.push({ ...hook, id: 0, createdAt: store.opts.now() });
    return;
  }
  void account.outbox.push(hook);
}

function subscribers(account: Account): Account["webhooks"] {
  return account.webhooks.filter((w) => !w.disabled).sort((a, b) => a.sort - b.sort || a.id - b.id);
}

/** `modifiedBy` is 0 for API writes (what lets a receiver spot its own echo) and a user id for UI changes. */
export function emitLeadChanges(store: Store, account: Account, changes: LeadChange[], modifiedBy: number): void {
  if (changes.length === 0) return;
  const added = changes.filter((c) => c.before === null);
  const updated = changes.filter((c) => c.before !== null);
  const moved = updated.filter(statusChanged);
  for (const hook of subscribers(account)) {
    const sections: Record<string, unknown[]> = {};
    if (hook.settings.includes("add_lead") && added.length) sections.add = added.map((c) => leadItem(account, c.lead, modifiedBy));
    if (hook.settings.includes("update_lead") && updated.length) sections.update = updated.map((c) => leadItem(account, c.lead, modifiedBy));
    if (hook.settings.includes("status_lead") && moved.length) {
      sections.status = moved.map((c) => ({
        ...leadItem(account, c.lead, modifiedBy),
        old_status_id: c.before!.status_id,
        old_pipeline_id: c.before!.pipeline_id,
      }));
    }
    if (Object.keys(sections).length) deliver(store, account, hook.destination, encodeNested({ leads: sections, account: accountPart(account) }));
  }
}

export function emitContactChanges(store: Store, account: Account, action: "add" | "update", contacts: Contact[], modifiedBy: number): void {
  if (contacts.length === 0) return;
  const event = `${action}_contact`;
  for (const hook of subscribers(account)) {
    if (!hook.settings.includes(event)) continue;
    const items = contacts.map((c) => contactItem(account, c, modifiedBy));
    deliver(store, account, hook.destination, encodeNested({ contacts: { [action]: items }, account: accountPart(account) }));
  }
}

export async function disconnectSignature(clientSecret: string, clientId: string, accountId: number): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(clientSecret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, enc.encode(`${clientId}|${accountId}`));
  return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Builds and queues the hook amoCRM sends when a user disables the integration. */
export async function sendDisconnect(store: Store, account: Account, url: string, variant: DisconnectVariant): Promise<OutgoingHook> {
  const fields = {
    account_id: String(account.id),
    client_uuid: store.opts.clientId,
    signature: await disconnectSignature(store.opts.clientSecret, store.opts.clientId, account.id),
  };
  if (variant === "query") {
    const target = new URL(url);
    for (const [k, v] of Object.entries(fields)) target.searchParams.set(k, v);
    // No body at all: fetch refuses a GET that carries even an empty one.
    return account.outbox.push({ url: target.toString(), method: "GET", headers: {}, body: undefined as unknown as string });
  }
  if (variant === "json") {
    const body = JSON.stringify({ ...fields, account_id: account.id });
    return account.outbox.push({ url, method: "POST", headers: { "content-type": "application/json" }, body });
  }
  return account.outbox.push({ url, method: "POST", headers: { "content-type": FORM }, body: new URLSearchParams(fields).toString() });
}
