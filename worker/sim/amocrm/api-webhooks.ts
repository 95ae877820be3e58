// /api/v4/webhooks: list, subscribe (upsert by destination) and unsubscribe; admin users only,
// as in amoCRM.
import type { ApiContext, Route } from "./context";
import { readObjectBody } from "./batch";
import { hal, noContent, ProblemError, ValidationFailure, type FieldError } from "./http";
import { halAll } from "./hal";
import { leaves, child } from "./php-form";
import type { Webhook } from "./types";

const ENTITIES = ["lead", "contact", "company", "customer", "task"];
const ACTIONS = ["add", "update", "delete", "restore", "status", "responsible", "note"];
export const EVENT_CODES = new Set([
  ...ENTITIES.flatMap((e) => ACTIONS.map((a) => `${a}_${e}`)),
  "add_talk",
  "update_talk",
  "add_chat_template_review",
  "add_message",
  "add_unsorted",
  "delete_unsorted",
]);

function requireAdmin(ctx: ApiContext): void {
  if (!ctx.account.users.find((u) => u.id === ctx.userId)?.is_admin) {
    throw new ProblemError(403, "Forbidden", "Only account administrators manage webhooks");
  }
}

function render(ctx: ApiContext, w: Webhook): Record<string, unknown> {
  return { ...w, account_id: ctx.account.id };
}

function list(ctx: ApiContext): Response {
  requireAdmin(ctx);
  const destination = leaves(child(ctx.query.filter, "destination"))[0];
  const hooks = ctx.account.webhooks.filter((w) => destination === undefined || w.destination === destination);
  return halAll(ctx, "webhooks", hooks.map((w) => render(ctx, w)));
}

async function subscribe(ctx: ApiContext): Promise<Response> {
  requireAdmin(ctx);
  const body = await readObjectBody(ctx);
  const errors: FieldError[] = [];
  const destination = typeof body.destination === "string" ? body.destination : "";
  if (!/^https?:\/\/\S+$/.test(destination)) errors.push({ code: "InvalidUrl", path: "destination", detail: "destination must be an http(s) URL." });
  const settings = Array.isArray(body.settings) ? body.settings.map(String) : [];
  if (settings.length === 0) errors.push({ code: "NotBlank", path: "settings", detail: "settings must list at least one event." });
  settings.forEach((s, i) => {
    if (!EVENT_CODES.has(s)) errors.push({ code: "NotSupportedChoice", path: `settings.${i}`, detail: `Unknown event ${s}.` });
  });
  if (errors.length) throw new ValidationFailure([{ request_id: "0", errors }]);
  const now = ctx.nowSec();
  const sort = Number.isInteger(body.sort) ? (body.sort as number) : 1;
  let hook = ctx.account.webhooks.find((w) => w.destination === destination);
  if (hook) Object.assign(hook, { settings, sort, disabled: false, updated_at: now });
  else {
    hook = { id: ctx.store.nextId("webhook"), destination, settings, sort, disabled: false, created_by: ctx.userId, created_at: now, updated_at: now };
    ctx.account.webhooks.push(hook);
  }
  return hal(render(ctx, hook), 201);
}

async function unsubscribe(ctx: ApiContext): Promise<Response> {
  requireAdmin(ctx);
  const body = await readObjectBody(ctx);
  const index = ctx.account.webhooks.findIndex((w) => w.destination === body.destination);
  if (index < 0) throw new ProblemError(404, "Not Found", "No webhook with this destination");
  ctx.account.webhooks.splice(index, 1);
  return noContent();
}

export const webhookRoutes: Route[] = [
  { method: "GET", pattern: "/api/v4/webhooks", handler: list },
  { method: "POST", pattern: "/api/v4/webhooks", handler: subscribe },
  { method: "DELETE", pattern: "/api/v4/webhooks", handler: unsubscribe },
];
