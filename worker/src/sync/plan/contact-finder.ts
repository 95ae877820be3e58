// Finds an amoCRM contact for a person: amoCRM search is plain text, so we search the last ten
// digits of each phone and keep only contacts whose PHONE field really holds the number; then
// e-mails, compared case-insensitively. `with=leads` brings the contact's lead ids at no extra
// request (a repeat-request policy needs them).
import type { AmoClient } from "../../amocrm/client";
import { normalizeEmail, normalizePhone } from "../../lib/phone";
import { amoContactsAnswerSchema, type AmoContact } from "../../contracts/amocrm";

/** A contact as amoCRM answers it (contracts/amocrm.ts). */
export type { AmoContact };

function fieldValues(contact: AmoContact, code: "PHONE" | "EMAIL"): string[] {
  return (contact.custom_fields_values ?? []).filter((f) => f.field_code === code).flatMap((f) => f.values.map((v) => String(v.value ?? "")));
}

export function contactHasPhone(contact: AmoContact, e164: string): boolean {
  return fieldValues(contact, "PHONE").some((v) => normalizePhone(v)?.e164 === e164);
}

export function contactHasEmail(contact: AmoContact, email: string): boolean {
  return fieldValues(contact, "EMAIL").some((v) => normalizeEmail(v) === email);
}

export async function findAmoContact(client: Pick<AmoClient, "read">, phones: string[], emails: string[]): Promise<{ contact: AmoContact; by: "phone" | "email" } | null> {
  for (const phone of phones) {
    const p = normalizePhone(phone);
    if (!p) continue;
    const body = await client.read(amoContactsAnswerSchema, "/api/v4/contacts", { query: p.last10, limit: 50, with: "leads" });
    const hit = body?._embedded?.contacts?.find((c) => contactHasPhone(c, p.e164));
    if (hit) return { contact: hit, by: "phone" };
  }
  for (const email of emails) {
    const e = normalizeEmail(email);
    if (!e) continue;
    const body = await client.read(amoContactsAnswerSchema, "/api/v4/contacts", { query: e, limit: 50, with: "leads" });
    const hit = body?._embedded?.contacts?.find((c) => contactHasEmail(c, e));
    if (hit) return { contact: hit, by: "email" };
  }
  return null;
}
