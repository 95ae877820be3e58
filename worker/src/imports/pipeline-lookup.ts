// Finding the people of a leads file among the account's existing amoCRM contacts, for as few
// requests as possible: read the whole contact list (250 a page) when that is cheaper than one
// `query` search per row, which nobody can know in advance, so the list is read only while its
// pages stay fewer than the rows that need a lookup; past that, each row is searched on its own.
// What the list gave is kept in R2 beside the upload, for every chunk job to match its rows with.
import type { Env } from "../env";
import type { AmoClient } from "../amocrm/client";
import { amoContactsAnswerSchema } from "../contracts/amocrm";
import type { AmoContact } from "../sync/plan/contact-finder";
import { normalizeEmail, normalizePhone } from "../lib/phone";
import { contactIndexKey } from "./pipeline-files";
import type { NormalizedImportRow } from "./types";
import type { LookupDecision, PreparedImport } from "./pipeline-rows";
import { rethrowUnlessBatchProblem, type CountingAmoClient } from "./pipeline-amo";
import { storedContactIndexSchema, type StoredContactIndex } from "../contracts/stored";

export const CONTACT_PAGE = 250;
/** A ceiling on reading the list at all: about 64 s of the budget and 100,000 contacts. */
export const MAX_PREFETCH_PAGES = 400;

export interface ContactIndex {
  byPhone: Map<string, number>;
  byEmail: Map<string, number>;
}

/** The phones and e-mails the file asks about; the index keeps only those, so it stays small. */
export function wantedKeys(rows: Iterable<NormalizedImportRow>): { phones: Set<string>; emails: Set<string> } {
  const phones = new Set<string>();
  const emails = new Set<string>();
  for (const r of rows) {
    for (const p of r.phones.length ? r.phones : r.phone ? [r.phone] : []) phones.add(p);
    if (r.email) emails.add(r.email);
  }
  return { phones, emails };
}

/** Pages allowed before a per-row search becomes the cheaper bet (ski rental: never pay twice). */
export function prefetchPageBudget(rowsNeedingLookup: number, maxPages = MAX_PREFETCH_PAGES): number {
  return Math.max(0, Math.min(rowsNeedingLookup - 1, maxPages));
}

function values(contact: AmoContact, code: "PHONE" | "EMAIL"): unknown[] {
  return (contact.custom_fields_values ?? []).filter((f) => f.field_code === code).flatMap((f) => f.values.map((v) => v.value));
}

/** Adds a page of contacts; the lowest contact id wins a number, like amoCRM's own call matching. */
export function indexContacts(index: ContactIndex, contacts: AmoContact[], wanted: { phones: Set<string>; emails: Set<string> }): void {
  for (const c of [...contacts].sort((a, b) => a.id - b.id)) {
    for (const v of values(c, "PHONE")) {
      const p = normalizePhone(v)?.e164;
      if (p && wanted.phones.has(p)) {
        const held = index.byPhone.get(p);
        if (held === undefined || c.id < held) index.byPhone.set(p, c.id);
      }
    }
    for (const v of values(c, "EMAIL")) {
      const e = normalizeEmail(v);
      if (e && wanted.emails.has(e)) {
        const held = index.byEmail.get(e);
        if (held === undefined || c.id < held) index.byEmail.set(e, c.id);
      }
    }
  }
}

/** A phone match first (any of the row's numbers), then the e-mail: the order the sync uses. */
export function matchContact(index: ContactIndex, row: NormalizedImportRow): number | null {
  for (const p of row.phones.length ? row.phones : row.phone ? [row.phone] : []) {
    const id = index.byPhone.get(p);
    if (id !== undefined) return id;
  }
  return row.email ? (index.byEmail.get(row.email) ?? null) : null;
}

export interface PrefetchResult {
  /** True when the whole list was read, so a miss really means "no such contact". */
  complete: boolean;
  pages: number;
  contacts: number;
  index: ContactIndex;
}

/** Reads the contact list page by page, at most `maxPages`; stops early at the last page. */
export async function prefetchContacts(amo: AmoClient, maxPages: number, wanted: { phones: Set<string>; emails: Set<string> }): Promise<PrefetchResult> {
  const index: ContactIndex = { byPhone: new Map(), byEmail: new Map() };
  let contacts = 0;
  let pages = 0;
  while (pages < maxPages) {
    pages++;
    const body = await amo.read(amoContactsAnswerSchema, "/api/v4/contacts", { page: pages, limit: CONTACT_PAGE });
    const items = body?._embedded?.contacts ?? [];
    contacts += items.length;
    indexContacts(index, items, wanted);
    if (!body || !body._links?.next || items.length < CONTACT_PAGE) return { complete: true, pages, contacts, index };
  }
  return { complete: false, pages, contacts, index };
}

export async function storeContactIndex(env: Env, accountId: number, importId: number, index: ContactIndex): Promise<void> {
  const body: StoredContactIndex = { byPhone: [...index.byPhone], byEmail: [...index.byEmail] };
  await env.FILES.put(contactIndexKey(accountId, importId), JSON.stringify(body), { httpMetadata: { contentType: "application/json" } });
}

/** The index the parse job stored (read once per chunk); null when it is gone or unreadable (rows are then looked up one by one). */
export async function loadContactIndex(env: Env, accountId: number, importId: number): Promise<ContactIndex | null> {
  const object = await env.FILES.get(contactIndexKey(accountId, importId));
  if (!object) return null;
  const body = storedContactIndexSchema.safeParse(await object.json().catch(() => null));
  if (!body.success) return null;
  return { byPhone: new Map(body.data.byPhone), byEmail: new Map(body.data.byEmail) };
}

/** Once the import ended nobody matches against the index any more. */
export async function dropContactIndex(env: Env, accountId: number, importId: number): Promise<void> {
  await env.FILES.delete(contactIndexKey(accountId, importId));
}

/**
 * Existing contacts for the rows that need one: the contact list is read only while its pages stay
 * fewer than those rows (then it is certainly the cheaper way); otherwise each row is searched later.
 * The rows are left as they are (they are being stored meanwhile); chunks match them with `index`.
 */
export async function lookUpContacts(amo: CountingAmoClient, prepared: PreparedImport): Promise<{ decision: LookupDecision; index: ContactIndex | null }> {
  const needing = prepared.rows.filter((r) => r.status === "pending" && r.data.row);
  const decision: LookupDecision = { strategy: "none", rows: needing.length, pages: 0, contactsSeen: 0, matched: 0 };
  if (needing.length === 0) return { decision, index: null };
  const budget = prefetchPageBudget(needing.length);
  if (budget > 0) {
    const pre = await prefetchContacts(amo, budget, wantedKeys(needing.map((r) => r.data.row!))).catch((err: unknown) => {
      throw rethrowUnlessBatchProblem(err);
    });
    decision.pages = pre.pages;
    decision.contactsSeen = pre.contacts;
    if (pre.complete) {
      decision.strategy = "prefetch";
      decision.matched = needing.filter((r) => matchContact(pre.index, r.data.row!) !== null).length;
      return { decision, index: pre.index };
    }
  }
  decision.strategy = "query";
  return { decision, index: null };
}

export function lookupMessage(d: LookupDecision): string {
  if (d.strategy === "prefetch") {
    return `Existing contacts: read the whole contact list (${d.pages} page(s), ${d.contactsSeen} contacts) instead of at least ${d.rows} searches; ${d.matched} row(s) matched.`;
  }
  if (d.strategy === "query") {
    return d.pages > 0
      ? `Existing contacts: the list had more than ${d.pages} page(s), more than the ${d.rows} row(s) to look up; each row is searched instead (${d.pages} page request(s) spent finding that out).`
      : `Existing contacts: ${d.rows} row(s) to look up, so one search per row is the cheapest.`;
  }
  return "Existing contacts: no row needed a lookup.";
}
