// POST /api/v4/calls: each call is matched to a contact by the digits of its PHONE values and
// logged there as a call_in/call_out note; calls that match nobody come back as per-item errors.
import { readArrayBody, requestIdOf, validateAll } from "./batch";
import { MAX_BATCH } from "./api-contacts";
import { createNote } from "./api-notes";
import { readUserId } from "./contacts-model";
import type { ApiContext, Route } from "./context";
import { selfLinks } from "./hal";
import { hal, isRecord, type FieldError } from "./http";
import type { Account } from "./store";
import type { Call, Contact } from "./types";

const digits = (s: string): string => s.replace(/\D/g, "");

/** Same number when all digits agree, or the last ten do (8 999… and +7 999… are one Russian number). */
function samePhone(a: string, b: string): boolean {
  if (a === "" || b === "") return false;
  if (a === b) return true;
  return a.length >= 10 && b.length >= 10 && a.slice(-10) === b.slice(-10);
}

export function findContactByPhone(account: Account, phone: string): Contact | undefined {
  const wanted = digits(phone);
  return [...account.contacts.values()]
    .sort((a, b) => a.id - b.id)
    .find((c) => c.custom_fields_values.some((f) => f.field_code === "PHONE" && f.values.some((v) => samePhone(digits(String(v.value)), wanted))));
}

type CallDraft = Omit<Call, "id" | "entity_id" | "entity_type" | "note_id">;

function readCall(ctx: ApiContext, raw: unknown, errors: FieldError[]): CallDraft | null {
  if (!isRecord(raw)) {
    errors.push({ code: "InvalidType", path: "", detail: "This value should be of type object." });
    return null;
  }
  const optionalString = (key: string): string | null => {
    const v = raw[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== "string") errors.push({ code: "InvalidType", path: key, detail: "This value should be of type string." });
    return typeof v === "string" ? v : null;
  };
  if (raw.direction !== "inbound" && raw.direction !== "outbound") errors.push({ code: "NotSupportedChoice", path: "direction", detail: "direction must be inbound or outbound." });
  if (typeof raw.phone !== "string" || digits(raw.phone) === "") errors.push({ code: "NotBlank", path: "phone", detail: "This value should not be blank." });
  if (!Number.isInteger(raw.duration) || (raw.duration as number) < 0) errors.push({ code: "InvalidType", path: "duration", detail: "duration must be a non-negative integer." });
  if (typeof raw.source !== "string" || raw.source === "") errors.push({ code: "NotBlank", path: "source", detail: "This value should not be blank." });
  const status = raw.call_status;
  if (status !== undefined && status !== null && !(Number.isInteger(status) && (status as number) >= 1 && (status as number) <= 8)) {
    errors.push({ code: "NotSupportedChoice", path: "call_status", detail: "call_status must be 1..8." });
  }
  const responsible = readUserId(ctx.account, raw.responsible_user_id, "responsible_user_id", errors);
  const callResponsible = typeof raw.call_responsible === "number" || typeof raw.call_responsible === "string" ? raw.call_responsible : null;
  return {
    direction: raw.direction as Call["direction"],
    phone: String(raw.phone ?? ""),
    uniq: optionalString("uniq"),
    duration: Number(raw.duration),
    source: String(raw.source ?? ""),
    link: optionalString("link"),
    call_status: typeof status === "number" ? status : null,
    call_result: optionalString("call_result"),
    call_responsible: callResponsible,
    responsible_user_id: responsible ?? ctx.userId,
    created_at: Number.isInteger(raw.created_at) ? (raw.created_at as number) : ctx.nowSec(),
  };
}

async function create(ctx: ApiContext): Promise<Response> {
  const items = await readArrayBody(ctx, MAX_BATCH);
  const drafts = validateAll(items, (raw, errors) => readCall(ctx, raw, errors));
  const calls: unknown[] = [];
  const errors: unknown[] = [];
  drafts.forEach((d, i) => {
    const draft = d!;
    const requestId = requestIdOf(items[i], i);
    const contact = findContactByPhone(ctx.account, draft.phone);
    if (!contact) {
      errors.push({ request_id: requestId, status: 404, title: "Not Found", detail: `No contact has the phone ${draft.phone}` });
      return;
    }
    const note = createNote(ctx.store, ctx.account, "contacts", contact.id, draft.direction === "inbound" ? "call_in" : "call_out", {
      uniq: draft.uniq,
      duration: draft.duration,
      source: draft.source,
      link: draft.link,
      phone: draft.phone,
      call_status: draft.call_status,
      call_result: draft.call_result,
      call_responsible: draft.call_responsible,
    }, ctx.userId);
    const call: Call = { ...draft, id: note.id, entity_id: contact.id, entity_type: "contacts", note_id: note.id };
    ctx.account.calls.push(call);
    calls.push({ id: call.id, entity_id: contact.id, entity_type: "contacts", account_id: ctx.account.id, request_id: requestId, _links: selfLinks(ctx, `/api/v4/contacts/${contact.id}/notes/${note.id}`) });
  });
  return hal({ _total_items: calls.length, _embedded: { calls, errors } });
}

export const callRoutes: Route[] = [{ method: "POST", pattern: "/api/v4/calls", handler: create }];
