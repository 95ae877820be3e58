// Contact rules shared by the API and the control calls: detail validation (a phone or an email
// is required), contact fields, and the search matching (phone by its last 10 digits, email caseless).
import { invalid } from "./envelope";
import { type Body, optObject, optString } from "./input";
import type { ContactRec, ProjectRec, Store, UserRec } from "./store";
import type { ContactDetail } from "./types";

/** Docs list the first six; the SDK added telegram and viber. */
const DETAIL_TYPES = new Set(["phone", "email", "skype", "icq", "facebook", "vk", "telegram", "viber"]);

export function phoneDigits(phone: string): string {
  return phone.replace(/\D/g, "");
}

/** +7 (999) 123-45-67, 89991234567 and 9991234567 are one number; short numbers must match fully. */
export function samePhone(a: string, b: string): boolean {
  const x = phoneDigits(a);
  const y = phoneDigits(b);
  if (!x || !y) return false;
  if (x.length >= 10 && y.length >= 10) return x.slice(-10) === y.slice(-10);
  return x === y;
}

export function sameEmail(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

function parseDetails(store: Store, user: UserRec, input: unknown, previous: ContactDetail[] = []): ContactDetail[] {
  if (!Array.isArray(input)) throw invalid("Invalid details");
  const out = input.map((raw): ContactDetail => {
    if (!raw || typeof raw !== "object") throw invalid("Invalid contact detail");
    const { type, data } = raw as Body;
    if (typeof type !== "string" || !DETAIL_TYPES.has(type)) throw invalid("Invalid contact detail type");
    if (typeof data !== "string" || !data.trim()) throw invalid("Invalid contact detail data");
    // Keeping ids of unchanged details mirrors an update rather than a delete-and-recreate.
    const kept = previous.find((d) => d.type === type && d.data === data);
    const id = kept?.id ?? store.nextId();
    if (!kept) store.own(user, id);
    return { id, type, data };
  });
  if (!out.some((d) => d.type === "phone" || d.type === "email")) throw invalid("Contact must have a phone or an email");
  return out;
}

function applyFields(project: ProjectRec, input: unknown, target: Map<number, unknown>): void {
  const fields = optObject(input, "fields");
  if (!fields) return;
  for (const [key, value] of Object.entries(fields)) {
    const field = project.fields.find((f) => String(f.id) === key);
    if (!field) throw invalid(`Invalid contact field ${key}`);
    if (value === null || value === "") target.delete(field.id);
    else target.set(field.id, value);
  }
}

export function createContact(store: Store, user: UserRec, project: ProjectRec, body: Body): ContactRec {
  const fields = new Map<number, unknown>();
  applyFields(project, body.fields, fields);
  const details = parseDetails(store, user, body.details);
  const contact: ContactRec = {
    id: store.nextId(),
    projectId: project.id,
    name: optString(body.name, "name") ?? "",
    profession: optString(body.profession, "profession") ?? null,
    site: optString(body.site, "site") ?? null,
    details,
    fields,
    createdAt: store.now(),
  };
  store.own(user, contact.id);
  user.contacts.set(contact.id, contact);
  return contact;
}

export function updateContact(store: Store, user: UserRec, contact: ContactRec, body: Body): void {
  const project = user.projects.get(contact.projectId)!;
  const fields = new Map(contact.fields);
  applyFields(project, body.fields, fields);
  const details = body.details === undefined ? contact.details : parseDetails(store, user, body.details, contact.details);
  contact.fields = fields;
  contact.details = details;
  contact.name = optString(body.name, "name") ?? contact.name;
  contact.profession = optString(body.profession, "profession") ?? contact.profession;
  contact.site = optString(body.site, "site") ?? contact.site;
}

/** A contact matches when any given phone or email matches one of its details. */
export function searchContacts(user: UserRec, projectId: number | undefined, phone?: string, email?: string): ContactRec[] {
  return [...user.contacts.values()].filter(
    (c) =>
      (projectId === undefined || c.projectId === projectId) &&
      c.details.some(
        (d) => (phone && d.type === "phone" && samePhone(d.data, phone)) || (email && d.type === "email" && sameEmail(d.data, email)),
      ),
  );
}
