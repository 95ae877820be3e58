// Incoming leads («Неразобранное») of the simulated account: `/api/v4/leads/unsorted/forms` (bare
// array, ≤50), list/one/accept/decline/link, the manager's accept/decline from the UI, and the
// `unsorted[add|delete]` account webhooks amoCRM posts for them (amocrm-platform.md §6).
import { requestIdOf, validateAll } from "./batch";
import { createContact, readContact } from "./contacts-model";
import type { ApiContext, Route } from "./context";
import { halAll, halPage, selfLinks } from "./hal";
import { hal, isRecord, json, noContent, ProblemError, type FieldError } from "./http";
import { readLead, createLead, updateLead, type LeadChange } from "./leads-model";
import { child, encodeNested, leaves } from "./php-form";
import { adminOf } from "./seed";
import { domainOf, perAccount, randomToken, type Account, type Store } from "./store";
import { emitLeadChanges } from "./webhooks";

/** Not documented; the platform doc advises ≤50, and the simulator holds callers to it. */
export const MAX_UNSORTED_BATCH = 50;

export type UnsortedState = "pending" | "accepted" | "declined";

export interface UnsortedEntry {
  uid: string;
  source_uid: string;
  source_name: string;
  category: "forms";
  pipeline_id: number;
  created_at: number;
  updated_at: number;
  metadata: Record<string, string | number | boolean>;
  lead_id: number;
  contact_ids: number[];
  state: UnsortedState;
  /** The lead the entry ended in: its own lead on a plain accept, an existing lead when a manager attached it there. */
  result_lead_id: number | null;
  processed_by: number | null;
}

export const unsortedEntries = perAccount<UnsortedEntry[]>(() => []);

/** Contacts created with an entry stay out of contact lists and searches until it is accepted. */
export function hiddenContactIds(account: Account): Set<number> {
  return new Set(unsortedEntries(account).filter((e) => e.state === "pending").flatMap((e) => e.contact_ids));
}

const FORM_META_KEYS = ["form_id", "form_name", "form_page", "form_sent_at", "ip", "referer", "form_type", "visitor_uid"];

function readMetadata(raw: unknown, errors: FieldError[]): UnsortedEntry["metadata"] {
  if (!isRecord(raw)) {
    errors.push({ code: "FieldMissing", path: "metadata", detail: "This field is missing." });
    return {};
  }
  const out: UnsortedEntry["metadata"] = {};
  for (const key of FORM_META_KEYS) {
    const v = raw[key];
    if (v === undefined || v === null) continue;
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[key] = v;
    else errors.push({ code: "InvalidType", path: `metadata.${key}`, detail: "This value should be a scalar." });
  }
  for (const key of ["form_id", "form_name", "form_page"]) {
    if (out[key] === undefined || out[key] === "") errors.push({ code: "NotBlank", path: `metadata.${key}`, detail: "This value should not be blank." });
  }
  if (out.form_sent_at !== undefined && !Number.isInteger(Number(out.form_sent_at))) errors.push({ code: "InvalidType", path: "metadata.form_sent_at", detail: "This value should be a unix timestamp." });
  return out;
}

interface UnsortedDraft {
  source_uid: string;
  source_name: string;
  pipeline_id: number;
  created_at: number | null;
  metadata: UnsortedEntry["metadata"];
  lead: ReturnType<typeof readLead>;
  contacts: ReturnType<typeof readContact>[];
}

function unsortedStatus(account: Account, pipelineId: number): number | undefined {
  return account.pipelines.find((p) => p.id === pipelineId)?.statuses.find((s) => s.type === 1)?.id;
}

function readItem(account: Account, raw: unknown, errors: FieldError[]): UnsortedDraft {
  const draft: UnsortedDraft = { source_uid: "", source_name: "", pipeline_id: 0, created_at: null, metadata: {}, lead: { fields: new Map(), fieldEntries: 0 }, contacts: [] };
  if (!isRecord(raw)) {
    errors.push({ code: "InvalidType", path: "", detail: "This value should be of type object." });
    return draft;
  }
  for (const key of ["source_uid", "source_name"] as const) {
    const v = raw[key];
    if (typeof v !== "string" || !v.trim()) errors.push({ code: "FieldMissing", path: key, detail: "This field is missing." });
    else draft[key] = v;
  }
  draft.metadata = readMetadata(raw.metadata, errors);
  const main = account.pipelines.find((p) => p.is_main) ?? account.pipelines[0]!;
  draft.pipeline_id = raw.pipeline_id === undefined || raw.pipeline_id === null ? main.id : Number(raw.pipeline_id);
  if (unsortedStatus(account, draft.pipeline_id) === undefined) errors.push({ code: "NotSupportedChoice", path: "pipeline_id", detail: "Pipeline not found." });
  if (raw.created_at !== undefined) {
    const at = Number(raw.created_at);
    if (Number.isInteger(at) && at > 0) draft.created_at = at;
    else errors.push({ code: "InvalidType", path: "created_at", detail: "This value should be a unix timestamp." });
  }
  const embedded = isRecord(raw._embedded) ? raw._embedded : {};
  const leads = embedded.leads === undefined ? [{}] : embedded.leads;
  if (!Array.isArray(leads) || leads.length !== 1) {
    errors.push({ code: "InvalidType", path: "_embedded.leads", detail: "An incoming lead holds exactly one lead." });
  } else {
    // The status is amoCRM's to set: the entry sits in the pipeline's «Неразобранное» column.
    const lead = isRecord(leads[0]) ? { ...leads[0] } : leads[0];
    if (isRecord(lead)) {
      delete lead.pipeline_id;
      delete lead.status_id;
    }
    const local: FieldError[] = [];
    draft.lead = readLead(account, lead, local, { update: false, contacts: false });
    for (const e of local) if (e.path !== "status_id" && e.path !== "pipeline_id") errors.push({ ...e, path: `_embedded.leads.0.${e.path}` });
  }
  if (embedded.contacts !== undefined) {
    if (!Array.isArray(embedded.contacts)) errors.push({ code: "InvalidType", path: "_embedded.contacts", detail: "This value should be of type array." });
    else draft.contacts = embedded.contacts.slice(0, 10).map((c, i) => readContact(account, c, errors, { update: false, prefix: `_embedded.contacts.${i}` }));
  }
  return draft;
}

function deliverUnsorted(store: Store, account: Account, event: "add_unsorted" | "delete_unsorted", section: Record<string, unknown>): void {
  const body = encodeNested({ unsorted: section, account: { subdomain: account.subdomain, id: account.id, _links: { self: `https://${domainOf(account)}` } } });
  for (const hook of account.webhooks.filter((w) => !w.disabled && w.settings.includes(event)).sort((a, b) => a.sort - b.sort || a.id - b.id)) {
    if (account.dropWebhooks > 0) {
      account.dropWebhooks--;
      account.dropped.push({ url: hook.destination, method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body, id: 0, createdAt: store.opts.now() });
      continue;
    }
    void account.outbox.push({ url: hook.destination, method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
  }
}

function createEntries(store: Store, account: Account, drafts: UnsortedDraft[], userId: number): UnsortedEntry[] {
  const now = store.nowSec();
  return drafts.map((d) => {
    const contacts = d.contacts.map((c) => createContact(store, account, c, userId));
    const statusId = unsortedStatus(account, d.pipeline_id)!;
    const { lead } = createLead(store, account, { ...d.lead, placement: { pipeline_id: d.pipeline_id, status_id: statusId }, contactIds: contacts.map((c) => c.id) }, userId);
    const entry: UnsortedEntry = {
      uid: randomToken(16).replace(/[^a-f0-9]/gi, "").slice(0, 32).padEnd(32, "0"),
      source_uid: d.source_uid,
      source_name: d.source_name,
      category: "forms",
      pipeline_id: d.pipeline_id,
      created_at: d.created_at ?? now,
      updated_at: now,
      metadata: d.metadata,
      lead_id: lead.id,
      contact_ids: contacts.map((c) => c.id),
      state: "pending",
      result_lead_id: null,
      processed_by: null,
    };
    unsortedEntries(account).push(entry);
    deliverUnsorted(store, account, "add_unsorted", {
      add: [{ uid: entry.uid, source_name: entry.source_name, source_uid: entry.source_uid, category: entry.category, pipeline_id: entry.pipeline_id, lead_id: lead.id, created_at: entry.created_at, source_data: entry.metadata }],
    });
    return entry;
  });
}

/** An entry's `_embedded`: its lead(s), its contacts and (forms carry none) companies, by id. */
function embeddedOf(e: UnsortedEntry, leadIds: number[]): Record<string, unknown> {
  return { leads: leadIds.map((id) => ({ id })), contacts: e.contact_ids.map((id) => ({ id })), companies: [] };
}

function render(ctx: ApiContext, e: UnsortedEntry): Record<string, unknown> {
  const { uid, source_uid, source_name, category, pipeline_id, created_at, metadata } = e;
  const _links = selfLinks(ctx, `/api/v4/leads/unsorted/${uid}`);
  return { uid, source_uid, source_name, category, pipeline_id, created_at, metadata, account_id: ctx.account.id, _links, _embedded: embeddedOf(e, [e.lead_id]) };
}

async function addForms(ctx: ApiContext): Promise<Response> {
  const body = await ctx.body();
  // amoCRM's PHP SDK posts the bare array; a `{data: …}` wrapper is what amoCRM refuses.
  if (!Array.isArray(body)) {
    throw new ProblemError(400, "Bad Request", "Body must be a JSON array of incoming leads", {
      "validation-errors": [{ request_id: "0", errors: [{ code: "FieldMissing", path: "source_uid", detail: "This field is missing." }] }],
    });
  }
  if (body.length === 0) throw new ProblemError(400, "Bad Request", "Body must be a non-empty array");
  if (body.length > MAX_UNSORTED_BATCH) {
    throw new ProblemError(400, "Bad Request", `At most ${MAX_UNSORTED_BATCH} items per request`, {
      "validation-errors": [{ request_id: "0", errors: [{ code: "LessThanOrEqual", path: "", detail: `This collection should contain ${MAX_UNSORTED_BATCH} elements or less.` }] }],
    });
  }
  const drafts = validateAll(body, (raw, errors) => readItem(ctx.account, raw, errors));
  const entries = createEntries(ctx.store, ctx.account, drafts, ctx.userId);
  return halAll(ctx, "unsorted", entries.map((e, i) => ({ ...render(ctx, e), request_id: requestIdOf(body[i], i) })));
}

function pending(account: Account): UnsortedEntry[] {
  return unsortedEntries(account).filter((e) => e.state === "pending");
}

function list(ctx: ApiContext): Response {
  const uids = new Set(leaves(child(ctx.query.filter, "uid")));
  const categories = new Set(leaves(child(ctx.query.filter, "category")));
  const pipelines = new Set(leaves(child(ctx.query.filter, "pipeline_id")).map(Number));
  const items = pending(ctx.account).filter(
    (e) => (!uids.size || uids.has(e.uid)) && (!categories.size || categories.has(e.category)) && (!pipelines.size || pipelines.has(e.pipeline_id)),
  );
  const order = child(ctx.query.order, "created_at") ?? child(ctx.query.order, "updated_at");
  const key = child(ctx.query.order, "updated_at") !== undefined ? "updated_at" : "created_at";
  items.sort((a, b) => (order === "desc" ? b[key] - a[key] : a[key] - b[key]));
  return halPage(ctx, "unsorted", items, (e) => render(ctx, e));
}

function find(ctx: ApiContext): UnsortedEntry {
  const entry = pending(ctx.account).find((e) => e.uid === ctx.params.uid);
  if (!entry) throw new ProblemError(404, "Not Found", `Incoming lead ${ctx.params.uid} not found`);
  return entry;
}

function one(ctx: ApiContext): Response {
  const entry = pending(ctx.account).find((e) => e.uid === ctx.params.uid);
  return entry ? hal(render(ctx, entry)) : noContent();
}

/** The answer to accept/decline: the entry and where it ended, under the call's own link. */
function processed(ctx: ApiContext, e: UnsortedEntry): Response {
  const { uid, category, pipeline_id, created_at } = e;
  return hal({ uid, category, pipeline_id, created_at, _embedded: embeddedOf(e, [e.result_lead_id ?? e.lead_id]), _links: selfLinks(ctx, ctx.url.pathname) });
}

function userOr(account: Account, raw: unknown, fallback: number): number {
  if (raw === undefined || raw === null) return fallback;
  const id = Number(raw);
  if (!account.users.some((u) => u.id === id)) throw new ProblemError(400, "Bad Request", `User ${String(raw)} not found`, { "validation-errors": [{ request_id: "0", errors: [{ code: "NotFound", path: "user_id", detail: "User not found." }] }] });
  return id;
}

/**
 * Accepts an entry: its lead leaves «Неразобранное» for `status_id` (the pipeline's first working
 * status by default) and its contacts become visible — or, when a manager attaches the request to
 * an existing lead (`intoLeadId`), that lead takes the contacts and the entry's own lead is removed.
 */
export function acceptEntry(store: Store, account: Account, entry: UnsortedEntry, opts: { userId: number; statusId?: number; intoLeadId?: number; modifiedBy: number }): UnsortedEntry {
  const lead = account.leads.get(entry.lead_id);
  let change: LeadChange | null = null;
  if (opts.intoLeadId !== undefined) {
    const target = account.leads.get(opts.intoLeadId);
    if (!target || target.id === entry.lead_id) throw new ProblemError(400, "Bad Request", `Lead ${opts.intoLeadId} not found`);
    const [draft] = validateAll([{ id: target.id }], (raw, errors) => readLead(account, raw, errors, { update: true }));
    change = updateLead(store, account, target, { ...draft!, contactIds: entry.contact_ids }, opts.userId);
    account.leads.delete(entry.lead_id);
    entry.result_lead_id = target.id;
  } else if (lead) {
    const pipeline = account.pipelines.find((p) => p.id === lead.pipeline_id)!;
    const statusId = opts.statusId ?? [...pipeline.statuses].sort((a, b) => a.sort - b.sort).find((s) => s.type === 0)!.id;
    const status = pipeline.statuses.find((s) => s.id === statusId);
    if (!status || status.type === 1) {
      throw new ProblemError(400, "Bad Request", "status_id must be a status of the entry's pipeline", { "validation-errors": [{ request_id: "0", errors: [{ code: "NotSupportedChoice", path: "status_id", detail: "Status not found." }] }] });
    }
    const [draft] = validateAll([{ id: lead.id, pipeline_id: pipeline.id, status_id: statusId, responsible_user_id: opts.userId }], (raw, errors) => readLead(account, raw, errors, { update: true }));
    change = updateLead(store, account, lead, draft!, opts.userId);
    entry.result_lead_id = lead.id;
  }
  entry.state = "accepted";
  entry.processed_by = opts.userId;
  entry.updated_at = store.nowSec();
  if (change) emitLeadChanges(store, account, [change], opts.modifiedBy);
  deliverUnsorted(store, account, "delete_unsorted", {
    delete: [
      {
        action: "accept",
        uid: entry.uid,
        category: entry.category,
        pipeline_id: entry.pipeline_id,
        source_uid: entry.source_uid,
        modified_user_id: opts.userId,
        accept_result: { leads: [entry.result_lead_id ?? entry.lead_id], contacts: entry.contact_ids },
      },
    ],
  });
  return entry;
}

/** Declines an entry: amoCRM deletes its lead and the contacts that came with it. */
export function declineEntry(store: Store, account: Account, entry: UnsortedEntry, userId: number): UnsortedEntry {
  account.leads.delete(entry.lead_id);
  for (const id of entry.contact_ids) {
    if (![...account.leads.values()].some((l) => l.contact_ids.includes(id))) account.contacts.delete(id);
  }
  entry.state = "declined";
  entry.processed_by = userId;
  entry.updated_at = store.nowSec();
  deliverUnsorted(store, account, "delete_unsorted", {
    delete: [{ action: "decline", uid: entry.uid, category: entry.category, pipeline_id: entry.pipeline_id, source_uid: entry.source_uid, modified_user_id: userId, decline_result: { leads: [entry.lead_id], contacts: entry.contact_ids } }],
  });
  return entry;
}

async function accept(ctx: ApiContext): Promise<Response> {
  const entry = find(ctx);
  const body = await ctx.body();
  const raw = isRecord(body) ? body : {};
  const userId = userOr(ctx.account, raw.user_id, ctx.userId);
  const statusId = raw.status_id === undefined || raw.status_id === null ? undefined : Number(raw.status_id);
  acceptEntry(ctx.store, ctx.account, entry, { userId, statusId, modifiedBy: 0 });
  return processed(ctx, entry);
}

async function decline(ctx: ApiContext): Promise<Response> {
  const entry = find(ctx);
  const body = await ctx.body();
  const userId = userOr(ctx.account, isRecord(body) ? body.user_id : undefined, ctx.userId);
  declineEntry(ctx.store, ctx.account, entry, userId);
  return processed(ctx, entry);
}

/** amoCRM links only chat (and mail) entries to an existing entity; a form entry is refused. */
async function link(ctx: ApiContext): Promise<Response> {
  const entry = find(ctx);
  const body = await ctx.body();
  const target = isRecord(body) && isRecord(body.link) ? body.link : null;
  if (!target || target.entity_type === undefined || target.entity_id === undefined) {
    throw new ProblemError(400, "Bad Request", "link.entity_type and link.entity_id are required", { "validation-errors": [{ request_id: "0", errors: [{ code: "FieldMissing", path: "link", detail: "This field is missing." }] }] });
  }
  throw new ProblemError(400, "Bad Request", `Incoming leads of category ${entry.category} cannot be linked; only chats and mail can`, {
    "validation-errors": [{ request_id: "0", errors: [{ code: "NotSupportedChoice", path: "category", detail: "Linking is available for chats and mail only." }] }],
  });
}

function summary(ctx: ApiContext): Response {
  const items = pending(ctx.account);
  return hal({ total: items.length, accepted: unsortedEntries(ctx.account).filter((e) => e.state === "accepted").length, declined: unsortedEntries(ctx.account).filter((e) => e.state === "declined").length, average_sort_time: 0, categories: { forms: items.length } });
}

export const unsortedRoutes: Route[] = [
  { method: "GET", pattern: "/api/v4/leads/unsorted", handler: list },
  { method: "GET", pattern: "/api/v4/leads/unsorted/summary", handler: summary },
  { method: "POST", pattern: "/api/v4/leads/unsorted/forms", handler: addForms },
  { method: "GET", pattern: "/api/v4/leads/unsorted/{uid}", handler: one },
  { method: "POST", pattern: "/api/v4/leads/unsorted/{uid}/accept", handler: accept },
  { method: "DELETE", pattern: "/api/v4/leads/unsorted/{uid}/decline", handler: decline },
  { method: "POST", pattern: "/api/v4/leads/unsorted/{uid}/link", handler: link },
];

export class UnsortedControlError extends Error {
  constructor(
    public status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A manager's view of an entry (control API and host page): the entry with its lead and contacts. */
function controlView(account: Account, e: UnsortedEntry): Record<string, unknown> {
  const lead = account.leads.get(e.result_lead_id ?? e.lead_id);
  return {
    ...structuredClone(e),
    lead: lead ? { id: lead.id, name: lead.name, price: lead.price, status_id: lead.status_id, pipeline_id: lead.pipeline_id } : null,
    contacts: e.contact_ids.flatMap((id) => {
      const c = account.contacts.get(id);
      return c ? [{ id: c.id, name: c.name }] : [];
    }),
  };
}

/** Control calls under /__sim/accounts/{id}/unsorted…: a manager in amoCRM's «Неразобранное». */
export function unsortedControl(store: Store, account: Account, method: string, rest: string, body: Record<string, unknown>): Response | null {
  if (rest === "unsorted" && method === "GET") return json({ entries: unsortedEntries(account).map((e) => controlView(account, e)) });
  const m = /^unsorted\/([A-Za-z0-9_-]+)\/(accept|decline)$/.exec(rest);
  if (!m || method !== "POST") return null;
  const entry = pending(account).find((e) => e.uid === m[1]);
  if (!entry) throw new UnsortedControlError(404, `incoming lead ${m[1]} is not waiting in «Неразобранное»`);
  const userId = body.user_id === undefined ? adminOf(account).id : Number(body.user_id);
  if (!account.users.some((u) => u.id === userId)) throw new UnsortedControlError(400, `user ${String(body.user_id)} is not in account ${account.id}`);
  try {
    if (m[2] === "decline") declineEntry(store, account, entry, userId);
    else {
      const intoLeadId = body.lead_id === undefined || body.lead_id === null || body.lead_id === "" ? undefined : Number(body.lead_id);
      const statusId = body.status_id === undefined || body.status_id === null || body.status_id === "" ? undefined : Number(body.status_id);
      acceptEntry(store, account, entry, { userId, statusId, intoLeadId, modifiedBy: userId });
    }
  } catch (err) {
    if (err instanceof ProblemError) throw new UnsortedControlError(err.status, err.detail);
    throw err;
  }
  return json(controlView(account, entry));
}
