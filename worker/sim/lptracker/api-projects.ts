// Project-level routes: projects, funnel stages, lead customs, contact fields, staff, and the two
// webhook registrations (callback-url and project-callback-url, add-or-replace per option, §3.1).
import { type ApiCtx, type ApiRoute, intParam } from "./api-context";
import { unix } from "./dates";
import { invalid, notFound } from "./envelope";
import { optString } from "./input";
import type { ProjectRec } from "./store";
import type { CallbackHook } from "./types";

function projectOf(ctx: ApiCtx): ProjectRec {
  const project = ctx.store.project(ctx.user, intParam(ctx, "id"));
  if (!project) throw notFound("Project");
  return project;
}

const brief = (p: ProjectRec) => ({ id: p.id, name: p.name, page: p.page, domain: p.domain });

function putHook(ctx: ApiCtx, kind: "lead" | "project"): CallbackHook[] {
  const project = projectOf(ctx);
  const key = kind === "lead" ? "callbackUrls" : "projectCallbackUrls";
  const url = optString(ctx.body.url, "url");
  if (url === undefined) throw invalid("Field url is required");
  if (url.trim() === "") {
    // The docs say an empty url disables the callback; with several hooks the sim drops them all.
    project[key] = [];
    return [];
  }
  if (!/^https?:\/\/[^\s]+$/i.test(url.trim())) throw invalid("Invalid url");
  const name = optString(ctx.body.name, "name");
  const now = unix(ctx.store.now());
  const existing = project[key].find((h) => h.url === url.trim());
  const hook: CallbackHook = existing ?? {
    id: ctx.store.nextId(),
    name: name ?? "",
    url: url.trim(),
    created_at: now,
    updated_at: now,
    type: kind,
    site_id: null,
  };
  if (existing) {
    if (name !== undefined) existing.name = name;
    existing.updated_at = now;
  } else {
    ctx.store.own(ctx.user, hook.id);
  }
  if (ctx.store.behaviour(ctx.user).callbackUrlPut === "replace") project[key] = [hook];
  else if (!existing) project[key].push(hook);
  return project[key].map((h) => ({ ...h }));
}

export const projectRoutes: ApiRoute[] = [
  { method: "GET", pattern: "/projects", handler: (ctx) => [...ctx.user.projects.values()].map(brief) },
  { method: "GET", pattern: "/project/:id", handler: (ctx) => brief(projectOf(ctx)) },
  { method: "GET", pattern: "/project/:id/funnel", handler: (ctx) => projectOf(ctx).stages.map((s) => ({ ...s })) },
  { method: "GET", pattern: "/project/:id/customs", handler: (ctx) => structuredClone(projectOf(ctx).customs) },
  { method: "GET", pattern: "/project/:id/fields", handler: (ctx) => projectOf(ctx).fields.map((f) => ({ ...f })) },
  { method: "GET", pattern: "/project/:id/callback-url", handler: (ctx) => projectOf(ctx).callbackUrls.map((h) => ({ ...h })) },
  { method: "PUT", pattern: "/project/:id/callback-url", handler: (ctx) => putHook(ctx, "lead") },
  {
    method: "GET",
    pattern: "/project/:id/project-callback-url",
    handler: (ctx) => projectOf(ctx).projectCallbackUrls.map((h) => ({ ...h })),
  },
  { method: "PUT", pattern: "/project/:id/project-callback-url", handler: (ctx) => putHook(ctx, "project") },
  { method: "GET", pattern: "/staff", handler: (ctx) => ctx.user.staff.map((s) => ({ ...s })) },
];
