// The account's contacts by phone (E.164) and e-mail, kept in the account gate's own SQLite so a
// burst of new leads needs no search per person. It is trusted only when provably fresh: filled
// once from the full contact list, then brought up to date by a delta read (`filter[updated_at]`)
// that started after the lead arrived, and every hit is re-read and confirmed before it is used.
import { normalizeEmail, normalizePhone } from "../lib/phone";
import { contactHasEmail, contactHasPhone, findAmoContact, type AmoContact } from "../sync/plan/contact-finder";
import type { AmoRequest, AmoResult } from "./gate";
import type { AmoClient } from "./client";
import { amoContactsAnswerSchema, shapeProblem } from "../contracts/amocrm";

/** Contacts seen this many seconds before the newest one are read again: commits land out of order. */
const OVERLAP_SEC = 5;
/** A full fill beyond this many pages (250 each) is not worth it: such accounts search per person. */
const MAX_FILL_PAGES = 200;
/** Pages one delta read may take before the index counts as stale for this round. */
const MAX_DELTA_PAGES = 20;
const PAGE = 250;
/** A delta that started this long before a lookup still counts as fresh for it (see `lookup`). */
export const FRESH_WITHIN_MS = 2000;
const RETRY_FILL_MS = 6 * 60 * 60 * 1000;

export interface Person {
  phones: string[];
  emails: string[];
  /** When the lead reached us: a delta that started after this covers every contact made before it. */
  notBefore: number;
}

/** A person's contact (or null: nobody has those numbers), or the amoCRM answer that stopped the search. */
export type LookupResult = { ok: true; found: { contact: AmoContact; by: "phone" | "email" } | null; via: "index" | "search" } | { ok: false; failure: AmoResult };

interface IndexState {
  /** amoCRM clock (unix s): contacts updated at or after this are read by the next delta. */
  watermark: number;
  /** Our clock: when the last complete delta (or fill) was sent. */
  freshAt: number;
}

type Send = (req: AmoRequest) => Promise<AmoResult>;

function keysOf(contact: AmoContact): string[] {
  const keys = new Set<string>();
  for (const f of contact.custom_fields_values ?? []) {
    if (f.field_code !== "PHONE" && f.field_code !== "EMAIL") continue;
    for (const v of f.values) {
      const raw = String(v.value ?? "");
      if (f.field_code === "PHONE") {
        const p = normalizePhone(raw);
        if (p) keys.add(`p:${p.e164}`);
      } else {
        const e = normalizeEmail(raw);
        if (e) keys.add(`e:${e}`);
      }
    }
  }
  return [...keys];
}

export class ContactIndex {
  private state: IndexState | null | undefined;
  private fillRetryAt = 0;
  /** Lookups and fills of one gate run one at a time. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private storage: DurableObjectStorage,
    private send: Send,
  ) {
    storage.sql.exec("CREATE TABLE IF NOT EXISTS contact_keys (key TEXT NOT NULL, contact_id INTEGER NOT NULL, PRIMARY KEY (key, contact_id))");
    storage.sql.exec("CREATE INDEX IF NOT EXISTS contact_keys_by_id ON contact_keys (contact_id)");
  }

  private async loadState(): Promise<IndexState | null> {
    if (this.state === undefined) this.state = (await this.storage.get<IndexState>("contact_index")) ?? null;
    return this.state;
  }

  private async saveState(state: IndexState | null): Promise<void> {
    this.state = state;
    if (state) await this.storage.put("contact_index", state);
    else await this.storage.delete("contact_index");
  }

  /** Replaces what the index knows about one contact (its phones and e-mails as amoCRM has them now). */
  put(contact: AmoContact): void {
    this.storage.sql.exec("DELETE FROM contact_keys WHERE contact_id = ?", contact.id);
    for (const key of keysOf(contact)) this.storage.sql.exec("INSERT OR IGNORE INTO contact_keys (key, contact_id) VALUES (?, ?)", key, contact.id);
  }

  /** A contact we just created: known without reading it back. */
  putKeys(contactId: number, phones: string[], emails: string[]): void {
    for (const p of phones) {
      const n = normalizePhone(p);
      if (n) this.storage.sql.exec("INSERT OR IGNORE INTO contact_keys (key, contact_id) VALUES (?, ?)", `p:${n.e164}`, contactId);
    }
    for (const e of emails) {
      const n = normalizeEmail(e);
      if (n) this.storage.sql.exec("INSERT OR IGNORE INTO contact_keys (key, contact_id) VALUES (?, ?)", `e:${n}`, contactId);
    }
  }

  remove(contactId: number): void {
    this.storage.sql.exec("DELETE FROM contact_keys WHERE contact_id = ?", contactId);
  }

  /** Forgets everything (an uninstall, or a fill that could not finish). */
  async clear(): Promise<void> {
    this.storage.sql.exec("DELETE FROM contact_keys");
    await this.saveState(null);
  }

  private candidates(person: Person): { id: number; by: "phone" | "email"; key: string }[] {
    const out: { id: number; by: "phone" | "email"; key: string }[] = [];
    const keys = [
      ...person.phones.map((p) => ({ key: `p:${normalizePhone(p)?.e164 ?? ""}`, by: "phone" as const, value: p })),
      ...person.emails.map((e) => ({ key: `e:${normalizeEmail(e) ?? ""}`, by: "email" as const, value: e })),
    ];
    for (const k of keys) {
      const rows = this.storage.sql.exec<{ contact_id: number }>("SELECT contact_id FROM contact_keys WHERE key = ? ORDER BY contact_id", k.key).toArray();
      for (const r of rows) if (!out.some((o) => o.id === r.contact_id)) out.push({ id: r.contact_id, by: k.by, key: k.key });
    }
    return out;
  }

  private async page(query: AmoRequest["query"]): Promise<{ ok: true; contacts: AmoContact[] } | { ok: false; result: AmoResult }> {
    const r = await this.send({ method: "GET", path: "/api/v4/contacts", query });
    if (!r.ok || r.status >= 400) return { ok: false, result: r };
    if (r.status === 204) return { ok: true, contacts: [] };
    // A page in another shape proves nothing about who is in amoCRM: the index is not built on it.
    const page = amoContactsAnswerSchema.safeParse(r.body);
    if (!page.success) return { ok: false, result: { ok: false, error: "shape", detail: shapeProblem("GET /api/v4/contacts", page.error), body: r.body } };
    return { ok: true, contacts: page.data._embedded?.contacts ?? [] };
  }

  /** Reads every contact once. False when the account is too big or amoCRM did not answer. */
  private async fill(): Promise<boolean> {
    const startedAt = Date.now();
    // The newest change before the fill: anything changed during the fill is at or after it.
    const newest = await this.page({ "order[updated_at]": "desc", limit: 1 });
    if (!newest.ok) return false;
    const watermark = (newest.contacts[0]?.updated_at ?? 0) - OVERLAP_SEC;
    this.storage.sql.exec("DELETE FROM contact_keys");
    for (let p = 1; p <= MAX_FILL_PAGES; p++) {
      const r = await this.page({ "order[id]": "asc", limit: PAGE, page: p });
      if (!r.ok) {
        await this.clear();
        return false;
      }
      for (const c of r.contacts) this.put(c);
      if (r.contacts.length < PAGE) {
        await this.saveState({ watermark, freshAt: startedAt });
        return true;
      }
    }
    await this.clear();
    // Remembered across restarts of the gate: each try costs MAX_FILL_PAGES requests.
    this.fillRetryAt = Date.now() + RETRY_FILL_MS;
    await this.storage.put("contact_index_retry_at", this.fillRetryAt);
    return false;
  }

  /** Brings the index up to amoCRM's present; false when that could not be proven. */
  private async delta(): Promise<boolean> {
    const state = await this.loadState();
    if (!state) return false;
    const startedAt = Date.now();
    let newest = state.watermark + OVERLAP_SEC;
    for (let p = 1; p <= MAX_DELTA_PAGES; p++) {
      const r = await this.page({ "filter[updated_at][from]": Math.max(0, state.watermark), "order[updated_at]": "asc", limit: PAGE, page: p });
      if (!r.ok) return false;
      for (const c of r.contacts) {
        this.put(c);
        newest = Math.max(newest, c.updated_at ?? 0);
      }
      if (r.contacts.length < PAGE) {
        await this.saveState({ watermark: newest - OVERLAP_SEC, freshAt: startedAt });
        return true;
      }
    }
    // Too much changed at once: start over with a fill next time.
    await this.clear();
    return false;
  }

  /** Fresh for lookups of leads that reached us by `notBefore`, filling or reading a delta if needed. */
  private async ensureFresh(notBefore: number): Promise<boolean> {
    const state = await this.loadState();
    if (state && state.freshAt >= Math.max(notBefore, Date.now() - FRESH_WITHIN_MS)) return true;
    if (!state) {
      this.fillRetryAt ||= (await this.storage.get<number>("contact_index_retry_at")) ?? 0;
      if (Date.now() < this.fillRetryAt) return false;
      return this.fill();
    }
    return this.delta();
  }

  /**
   * Finds each person's contact: by phone first (in the lead's order), then by e-mail, the oldest
   * contact first, as a search would. Every hit is read back and must still hold the number or
   * address in its PHONE or EMAIL field; a contact found only through another field never counts.
   */
  async lookup(persons: Person[]): Promise<LookupResult[]> {
    const run = this.chain.then(() => this.fromIndex(persons));
    this.chain = run.catch(() => undefined);
    const out = await run;
    // Without a fresh index (or for a person it could not settle): the plain search, person by
    // person. Outside the chain and side by side: a search that meets a timeout must hold neither
    // the other people of this batch nor the next batch's index read (the budget still paces them).
    return Promise.all(persons.map((p, i) => out[i] ?? this.search(p)));
  }

  /** What the index can settle, after making it fresh; undefined for the people it cannot. */
  private async fromIndex(persons: Person[]): Promise<(LookupResult | undefined)[]> {
    const out: (LookupResult | undefined)[] = new Array(persons.length);
    const notBefore = Math.max(...persons.map((p) => p.notBefore));
    const fresh = await this.ensureFresh(notBefore);
    if (fresh) {
      const pending = new Set(persons.map((_, i) => i));
      for (let round = 0; round < 3 && pending.size; round++) {
        const wanted = new Map<number, number[]>();
        for (const i of pending) {
          const c = this.candidates(persons[i]!);
          if (!c.length) {
            out[i] = { ok: true, found: null, via: "index" };
            pending.delete(i);
            continue;
          }
          for (const cand of c.slice(0, 3)) wanted.set(cand.id, [...(wanted.get(cand.id) ?? []), i]);
        }
        if (!wanted.size) break;
        const ids = [...wanted.keys()].slice(0, PAGE);
        // `with=leads`: the found contact carries its lead ids for the repeat-request policy, at no extra request.
        const r = await this.page({ "filter[id][]": ids, limit: PAGE, with: "leads" });
        // A contact we did not ask for means the filter was not applied: nothing here proves a deletion.
        if (!r.ok || r.contacts.some((c) => !wanted.has(c.id))) break;
        const byId = new Map(r.contacts.map((c) => [c.id, c]));
        for (const id of ids) {
          const c = byId.get(id);
          if (c) this.put(c);
          else this.remove(id);
        }
        for (const i of [...pending]) {
          const person = persons[i]!;
          // With stale keys gone, the first candidate is the answer when it was just read.
          const first = this.candidates(person)[0];
          if (!first) {
            out[i] = { ok: true, found: null, via: "index" };
            pending.delete(i);
            continue;
          }
          const contact = byId.get(first.id);
          if (!contact) continue;
          const confirmed =
            first.by === "phone"
              ? person.phones.some((p) => {
                  const n = normalizePhone(p);
                  return !!n && first.key === `p:${n.e164}` && contactHasPhone(contact, n.e164);
                })
              : person.emails.some((e) => {
                  const n = normalizeEmail(e);
                  return !!n && first.key === `e:${n}` && contactHasEmail(contact, n);
                });
          if (confirmed) {
            out[i] = { ok: true, found: { contact, by: first.by }, via: "index" };
            pending.delete(i);
          }
        }
      }
    }
    return out;
  }

  private async search(person: Person): Promise<LookupResult> {
    let failure: AmoResult | null = null;
    const client: Pick<AmoClient, "read"> = {
      read: async (schema, path, query) => {
        const r = await this.send({ method: "GET", path, query });
        if (!r.ok || r.status >= 400) {
          failure = r;
          throw new Error("amoCRM refused the search");
        }
        if (r.status === 204) return null;
        const parsed = schema.safeParse(r.body);
        if (!parsed.success) {
          failure = { ok: false, error: "shape", detail: shapeProblem(`GET ${path}`, parsed.error), body: r.body };
          throw new Error(failure.detail);
        }
        return parsed.data;
      },
    };
    try {
      const found = await findAmoContact(client, person.phones, person.emails);
      if (found && (await this.loadState())) this.put(found.contact);
      return { ok: true, found, via: "search" };
    } catch (err) {
      if (failure) return { ok: false, failure };
      throw err;
    }
  }
}
