// /api/v4/tasks: create (linked to a lead or contact, typed by the account's task types) and list
// with the entity, type, responsible and completion filters.
import { halWritten, readArrayBody, validateAll } from "./batch";
import { MAX_BATCH } from "./api-contacts";
import { readUserId } from "./contacts-model";
import type { ApiContext, Route } from "./context";
import { halPage, selfLinks } from "./hal";
import { isRecord } from "./http";
import { entityExists } from "./api-notes";
import { filterIds } from "./list-filters";
import { child, leaves } from "./php-form";
import type { EntityType, Task } from "./types";

function renderTask(ctx: ApiContext, t: Task): Record<string, unknown> {
  return {
    id: t.id,
    created_by: t.created_by,
    updated_by: t.created_by,
    created_at: t.created_at,
    updated_at: t.updated_at,
    responsible_user_id: t.responsible_user_id,
    group_id: 0,
    entity_id: t.entity_id,
    entity_type: t.entity_type,
    duration: t.duration,
    is_completed: t.is_completed,
    task_type_id: t.task_type_id,
    text: t.text,
    result: t.result ?? [],
    complete_till: t.complete_till,
    account_id: ctx.account.id,
    _links: selfLinks(ctx, `/api/v4/tasks/${t.id}`),
  };
}

async function create(ctx: ApiContext): Promise<Response> {
  const items = await readArrayBody(ctx, MAX_BATCH);
  const now = ctx.nowSec();
  const tasks = validateAll(items, (raw, errors): Task | null => {
    if (!isRecord(raw)) {
      errors.push({ code: "InvalidType", path: "", detail: "This value should be of type object." });
      return null;
    }
    if (typeof raw.text !== "string" || raw.text === "") errors.push({ code: "NotBlank", path: "text", detail: "This value should not be blank." });
    if (!Number.isInteger(raw.complete_till)) errors.push({ code: "NotBlank", path: "complete_till", detail: "complete_till must be a unix timestamp." });
    const typeId = raw.task_type_id === undefined ? 1 : Number(raw.task_type_id);
    if (!ctx.account.taskTypes.some((t) => t.id === typeId)) errors.push({ code: "NotSupportedChoice", path: "task_type_id", detail: "Unknown task type." });
    let entityType: EntityType | null = null;
    let entityId: number | null = null;
    if (raw.entity_id !== undefined && raw.entity_id !== null) {
      entityType = raw.entity_type === "leads" || raw.entity_type === "contacts" ? raw.entity_type : null;
      entityId = Number(raw.entity_id);
      if (!entityType) errors.push({ code: "NotSupportedChoice", path: "entity_type", detail: "entity_type must be leads or contacts." });
      else if (!entityExists(ctx.account, entityType, entityId)) errors.push({ code: "NotFound", path: "entity_id", detail: "Entity not found." });
    }
    const responsible = readUserId(ctx.account, raw.responsible_user_id, "responsible_user_id", errors);
    return {
      id: 0,
      text: String(raw.text ?? ""),
      complete_till: Number(raw.complete_till),
      entity_id: entityId,
      entity_type: entityType,
      task_type_id: typeId,
      responsible_user_id: responsible ?? ctx.userId,
      is_completed: raw.is_completed === true,
      duration: Number.isInteger(raw.duration) ? (raw.duration as number) : 0,
      result: isRecord(raw.result) ? { text: String(raw.result.text ?? "") } : null,
      created_by: ctx.userId,
      created_at: now,
      updated_at: now,
    };
  });
  const created = tasks.map((t) => {
    const task = { ...t!, id: ctx.store.nextId("task") };
    ctx.account.tasks.push(task);
    return task;
  });
  return halWritten(ctx, "/api/v4/tasks", "tasks", items, created, (t) => ({ fields: { id: t.id }, self: `/api/v4/tasks/${t.id}` }));
}

function list(ctx: ApiContext): Response {
  const filter = ctx.query.filter;
  const entityTypes = new Set(leaves(child(filter, "entity_type")));
  const entityIds = filterIds(ctx, "entity_id");
  const ids = filterIds(ctx, "id");
  const types = filterIds(ctx, "task_type");
  const responsible = filterIds(ctx, "responsible_user_id");
  const completed = leaves(child(filter, "is_completed"))[0];
  const tasks = ctx.account.tasks.filter(
    (t) =>
      (entityTypes.size === 0 || (t.entity_type !== null && entityTypes.has(t.entity_type))) &&
      (!entityIds || (t.entity_id !== null && entityIds.has(t.entity_id))) &&
      (!ids || ids.has(t.id)) &&
      (!types || types.has(t.task_type_id)) &&
      (!responsible || responsible.has(t.responsible_user_id)) &&
      (completed === undefined || t.is_completed === (completed === "1" || completed === "true")),
  );
  return halPage(ctx, "tasks", tasks, (t) => renderTask(ctx, t));
}

export const taskRoutes: Route[] = [
  { method: "GET", pattern: "/api/v4/tasks", handler: list },
  { method: "POST", pattern: "/api/v4/tasks", handler: create },
];
