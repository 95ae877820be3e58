// Notes on leads and contacts: `/api/v4/{entity}/notes` (items carry entity_id) and
// `/api/v4/{entity}/{id}/notes`; common, call_in/call_out, service_message and sms types.
import { halWritten, readArrayBody, validateAll } from "./batch";
import { MAX_BATCH } from "./api-contacts";
import type { ApiContext, Route } from "./context";
import { halPage, selfLinks } from "./hal";
import { isRecord, type FieldError } from "./http";
import { filterIds, inRange } from "./list-filters";
import { child, leaves } from "./php-form";
import type { Account, Store } from "./store";
import type { EntityType, Note } from "./types";

type ParamRule = [name: string, kind: "string" | "duration" | "status" | "optional-string" | "any"];

const NOTE_TYPES: Record<string, ParamRule[]> = {
  common: [["text", "string"]],
  call_in: [["uniq", "string"], ["duration", "duration"], ["source", "string"], ["phone", "string"], ["link", "optional-string"], ["call_status", "status"], ["call_result", "optional-string"], ["call_responsible", "any"]],
  call_out: [["uniq", "string"], ["duration", "duration"], ["source", "string"], ["phone", "string"], ["link", "optional-string"], ["call_status", "status"], ["call_result", "optional-string"], ["call_responsible", "any"]],
  service_message: [["service", "string"], ["text", "string"]],
  extended_service_message: [["service", "string"], ["text", "string"]],
  sms_in: [["text", "string"], ["phone", "string"]],
  sms_out: [["text", "string"], ["phone", "string"]],
};

function checkParams(type: string, params: Record<string, unknown>, errors: FieldError[]): void {
  for (const [name, kind] of NOTE_TYPES[type]!) {
    const v = params[name];
    const path = `params.${name}`;
    if (kind === "string" && (typeof v !== "string" || v === "")) errors.push({ code: "NotBlank", path, detail: "This value should not be blank." });
    if (kind === "optional-string" && v !== undefined && v !== null && typeof v !== "string") errors.push({ code: "InvalidType", path, detail: "This value should be of type string." });
    if (kind === "duration" && !(Number.isInteger(v) && (v as number) >= 0)) errors.push({ code: "InvalidType", path, detail: "This value should be a non-negative integer." });
    if (kind === "status" && v !== undefined && v !== null && !(Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 8)) {
      errors.push({ code: "NotSupportedChoice", path, detail: "call_status must be 1..8." });
    }
  }
}

export function entityExists(account: Account, entity: EntityType, id: number): boolean {
  return entity === "leads" ? account.leads.has(id) : account.contacts.has(id);
}

export function createNote(store: Store, account: Account, entity: EntityType, entityId: number, type: string, params: Record<string, unknown>, userId: number): Note {
  const now = store.nowSec();
  const note: Note = { id: store.nextId("note"), entity_type: entity, entity_id: entityId, note_type: type, params, created_by: userId, responsible_user_id: userId, created_at: now, updated_at: now };
  account.notes.push(note);
  return note;
}

function renderNote(ctx: ApiContext, n: Note): Record<string, unknown> {
  return {
    id: n.id,
    entity_id: n.entity_id,
    created_by: n.created_by,
    updated_by: n.created_by,
    created_at: n.created_at,
    updated_at: n.updated_at,
    responsible_user_id: n.responsible_user_id,
    group_id: 0,
    note_type: n.note_type,
    params: n.params,
    account_id: ctx.account.id,
    _links: selfLinks(ctx, `/api/v4/${n.entity_type}/${n.entity_id}/notes/${n.id}`),
  };
}

async function create(ctx: ApiContext): Promise<Response> {
  const entity = ctx.params.entity as EntityType;
  const pathId = ctx.params.id ? Number(ctx.params.id) : undefined;
  const items = await readArrayBody(ctx, MAX_BATCH);
  const drafts = validateAll(items, (raw, errors) => {
    if (!isRecord(raw)) {
      errors.push({ code: "InvalidType", path: "", detail: "This value should be of type object." });
      return null;
    }
    const entityId = pathId ?? Number(raw.entity_id);
    if (!entityExists(ctx.account, entity, entityId)) errors.push({ code: "NotFound", path: "entity_id", detail: "Entity not found." });
    const type = String(raw.note_type ?? "");
    const params = isRecord(raw.params) ? raw.params : {};
    if (!(type in NOTE_TYPES)) errors.push({ code: "NotSupportedChoice", path: "note_type", detail: "Unknown note type." });
    else checkParams(type, params, errors);
    return { entityId, type, params };
  });
  const notes = drafts.map((d) => createNote(ctx.store, ctx.account, entity, d!.entityId, d!.type, d!.params, ctx.userId));
  return halWritten(ctx, ctx.url.pathname, "notes", items, notes, (n) => ({ fields: { id: n.id, entity_id: n.entity_id }, self: `/api/v4/${entity}/${n.entity_id}/notes/${n.id}` }));
}

function list(ctx: ApiContext): Response {
  const entity = ctx.params.entity as EntityType;
  const pathId = ctx.params.id ? Number(ctx.params.id) : undefined;
  const entityIds = filterIds(ctx, "entity_id");
  const ids = filterIds(ctx, "id");
  const types = new Set(leaves(child(ctx.query.filter, "note_type")));
  const notes = ctx.account.notes.filter(
    (n) =>
      n.entity_type === entity &&
      (pathId === undefined || n.entity_id === pathId) &&
      (!entityIds || entityIds.has(n.entity_id)) &&
      (!ids || ids.has(n.id)) &&
      (types.size === 0 || types.has(n.note_type)) &&
      inRange(ctx, "updated_at", n.updated_at),
  );
  return halPage(ctx, "notes", notes, (n) => renderNote(ctx, n));
}

export const noteRoutes: Route[] = [
  { method: "GET", pattern: "/api/v4/{entity}/notes", handler: list },
  { method: "POST", pattern: "/api/v4/{entity}/notes", handler: create },
  { method: "GET", pattern: "/api/v4/{entity}/{id}/notes", handler: list },
  { method: "POST", pattern: "/api/v4/{entity}/{id}/notes", handler: create },
];
