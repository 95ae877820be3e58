// Account metadata: /account (with task_types, users_groups, …), users, pipelines with statuses,
// and the custom field lists that the Worker's mapping pickers read.
import type { ApiContext, Route } from "./context";
import { renderField } from "./custom-fields";
import { halAll, halPage, href, selfLinks } from "./hal";
import { hal, noContent, ProblemError } from "./http";
import { child, leaves } from "./php-form";
import type { EntityType, Pipeline, SimUser, Status } from "./types";

/**
 * A user as `/api/v4/users` shows it: rights with group_id, role_id and status_rights always;
 * `with=group` adds `_embedded.groups`, `with=role` adds `_embedded.roles` (empty without a role).
 */
function renderUser(ctx: ApiContext, user: SimUser, want: Set<string>): Record<string, unknown> {
  const embedded: Record<string, unknown> = {};
  if (want.has("group")) {
    const group = ctx.account.groups.find((g) => g.id === user.group_id);
    embedded.groups = group ? [{ id: group.id, name: group.name }] : [];
  }
  if (want.has("role")) embedded.roles = [];
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    lang: "ru",
    rights: {
      leads: user.rights.leads,
      contacts: user.rights.contacts,
      companies: user.rights.companies,
      tasks: { edit: "A", delete: user.is_admin ? "A" : "D" },
      mail_access: true,
      catalog_access: true,
      status_rights: user.rights.status_rights,
      catalog_rights: [],
      is_admin: user.is_admin,
      is_free: false,
      is_active: user.is_active !== false,
      group_id: user.group_id,
      role_id: user.role_id,
    },
    ...(Object.keys(embedded).length ? { _embedded: embedded } : {}),
    _links: selfLinks(ctx, `/api/v4/users/${user.id}`),
  };
}

/** The users methods are for administrators only (and may be closed to integrations altogether). */
function requireUsersAccess(ctx: ApiContext): void {
  if (ctx.account.usersApiForbidden) throw new ProblemError(403, "Forbidden", "Access to user methods is not granted to this integration");
  // Who granted the access counts, not what that user is now: an admin's grant survives a demotion.
  if (!ctx.byAdmin) throw new ProblemError(403, "Forbidden", "Only account administrators may read users");
}

function renderStatus(ctx: ApiContext, status: Status): Record<string, unknown> {
  return {
    ...status,
    account_id: ctx.account.id,
    _links: selfLinks(ctx, `/api/v4/leads/pipelines/${status.pipeline_id}/statuses/${status.id}`),
  };
}

function renderPipeline(ctx: ApiContext, p: Pipeline): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    sort: p.sort,
    is_main: p.is_main,
    is_unsorted_on: true,
    is_archive: false,
    account_id: ctx.account.id,
    _links: selfLinks(ctx, `/api/v4/leads/pipelines/${p.id}`),
    _embedded: { statuses: p.statuses.map((s) => renderStatus(ctx, s)) },
  };
}

function account(ctx: ApiContext): Response {
  const a = ctx.account;
  const want = new Set(leaves(ctx.query.with));
  const embedded: Record<string, unknown> = {};
  if (want.has("task_types")) embedded.task_types = a.taskTypes.map((t) => ({ ...t, color: null, icon_id: null }));
  if (want.has("users_groups")) embedded.users_groups = a.groups.map((g) => ({ id: g.id, name: g.name, uuid: null }));
  const extra: Record<string, unknown> = {};
  if (want.has("amojo_id")) extra.amojo_id = `amojo-${a.id}`;
  if (want.has("uuid")) extra.uuid = `00000000-0000-4000-8000-${String(a.id).padStart(12, "0")}`;
  if (want.has("version")) extra.version = 3;
  if (want.has("datetime_settings")) {
    extra.datetime_settings = { date_pattern: "d.m.Y H:i", short_date_pattern: "d.m.Y", short_time_pattern: "H:i", date_format: "d.m.Y", time_format: "H:i:s", timezone: "Europe/Moscow", timezone_offset: "+03:00" };
  }
  if (want.has("is_api_filter_enabled")) extra.is_api_filter_enabled = false;
  return hal({
    id: a.id,
    name: a.name,
    subdomain: a.subdomain,
    created_at: a.createdAt,
    created_by: a.users[0]!.id,
    updated_at: a.createdAt,
    updated_by: a.users[0]!.id,
    current_user_id: ctx.userId,
    country: "RU",
    currency: "RUB",
    currency_symbol: "₽",
    customers_mode: "disabled",
    is_unsorted_on: true,
    mobile_feature_version: 0,
    is_loss_reason_enabled: true,
    is_helpbot_enabled: false,
    is_technical_account: false,
    contact_name_display_order: 1,
    ...extra,
    _links: selfLinks(ctx, "/api/v4/account"),
    ...(Object.keys(embedded).length ? { _embedded: embedded } : {}),
  });
}

function pipelineOf(ctx: ApiContext): Pipeline | undefined {
  return ctx.account.pipelines.find((p) => p.id === Number(ctx.params.id));
}

function customFields(ctx: ApiContext): Response {
  const entity = ctx.params.entity as EntityType;
  const types = new Set(leaves(child(ctx.query.filter, "type")));
  const fields = ctx.account.fields[entity].filter((f) => types.size === 0 || types.has(f.type));
  return halPage(ctx, "custom_fields", fields, (f) => renderField(f, ctx.account.id, href(ctx, `/api/v4/${entity}/custom_fields/${f.id}`)), {
    withPageCount: true,
  });
}

export const accountRoutes: Route[] = [
  { method: "GET", pattern: "/api/v4/account", handler: account },
  {
    method: "GET",
    pattern: "/api/v4/users",
    handler: (ctx) => {
      requireUsersAccess(ctx);
      const want = new Set(leaves(ctx.query.with));
      return halPage(ctx, "users", ctx.account.users, (u) => renderUser(ctx, u, want), { withPageCount: true });
    },
  },
  {
    method: "GET",
    pattern: "/api/v4/users/{id}",
    handler: (ctx) => {
      requireUsersAccess(ctx);
      const user = ctx.account.users.find((u) => u.id === Number(ctx.params.id));
      return user ? hal(renderUser(ctx, user, new Set(leaves(ctx.query.with)))) : noContent();
    },
  },
  {
    method: "GET",
    pattern: "/api/v4/leads/pipelines",
    handler: (ctx) => halAll(ctx, "pipelines", ctx.account.pipelines.map((p) => renderPipeline(ctx, p))),
  },
  {
    method: "GET",
    pattern: "/api/v4/leads/pipelines/{id}",
    handler: (ctx) => {
      const p = pipelineOf(ctx);
      return p ? hal(renderPipeline(ctx, p)) : noContent();
    },
  },
  {
    method: "GET",
    pattern: "/api/v4/leads/pipelines/{id}/statuses",
    handler: (ctx) => {
      const p = pipelineOf(ctx);
      return p ? halAll(ctx, "statuses", p.statuses.map((s) => renderStatus(ctx, s))) : noContent();
    },
  },
  { method: "GET", pattern: "/api/v4/{entity}/custom_fields", handler: customFields },
  {
    method: "GET",
    pattern: "/api/v4/{entity}/custom_fields/{id}",
    handler: (ctx) => {
      const entity = ctx.params.entity as EntityType;
      const f = ctx.account.fields[entity].find((x) => x.id === Number(ctx.params.id));
      return f ? hal(renderField(f, ctx.account.id, href(ctx, ctx.url.pathname))) : noContent();
    },
  },
];
