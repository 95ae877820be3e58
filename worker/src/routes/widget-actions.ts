// The widget's API for its amoCRM-native actions: what the Digital Pipeline settings offer (the
// account's LPTracker projects and stages, and the action's hidden key), and the list action
// «Синхронизировать с LPTracker» (start a background job, read its progress and per-entity results).
import { Hono } from "hono";
import type { AppEnv } from "../lib/hono-env";
import { Problem } from "../lib/problem";
import { jsonBody } from "../lib/validate";
import { LIST_MAX, listSyncRequestSchema, type ActionOptions, type ActionProject, type ListJobResponse, type ListSyncStarted } from "../contracts/widget";
import { tenant } from "../db/tenant";
import { requireWidgetAdmin } from "../auth";
import { getProject, listProjects } from "../db/lptracker";
import { writeAudit } from "../db/audit";
import { createListJob, getListJob, listJobCounts, listJobItemsOf } from "../db/list-jobs";
import { lptProjectSchema } from "../lptracker/project-schema";
import { dpKeyFor } from "../sync/run/dp-action";
import { DP_ACTIONS, DP_COMMENT_MAX } from "../sync/intake/dp-hook";
import { DP_HOOK_PATH } from "./hooks-dp";
import { errorText } from "../lib/error-text";

/** The most entities one list action takes: amoCRM's longest list page. */
export { LIST_MAX };

export function widgetActionRoutes() {
  const r = new Hono<AppEnv>();
  const t = (c: { var: AppEnv["Variables"] }) => tenant(c.var.db, c.var.widget.accountId);

  // Admin only: both the DP settings and list actions write into LPTracker with the install's login.
  r.get("/api/widget/actions/options", requireWidgetAdmin, async (c) => {
    const tt = t(c);
    const projects = (await listProjects(tt)).filter((p) => p.enabled);
    const out: ActionProject[] = [];
    for (const p of projects) {
      try {
        const schema = await lptProjectSchema(c.env, tt, p.projectId);
        out.push({ id: p.projectId, name: p.name ?? `#${p.projectId}`, stages: schema.stages, error: null });
      } catch (err) {
        out.push({ id: p.projectId, name: p.name ?? `#${p.projectId}`, stages: [], error: errorText(err) });
      }
    }
    c.header("cache-control", "no-store");
    const dp = c.req.query("dp") === "1";
    return c.json({
      projects: out,
      actions: [...DP_ACTIONS],
      commentMax: DP_COMMENT_MAX,
      listMax: LIST_MAX,
      ...(dp ? { dpKey: await dpKeyFor(c.var.db, c.var.cfg.encryptionKey, tt.accountId), dpWebhookUrl: `${c.var.cfg.publicOrigin}${DP_HOOK_PATH}` } : {}),
    } satisfies ActionOptions);
  });

  r.post("/api/widget/list-sync", requireWidgetAdmin, jsonBody(listSyncRequestSchema), async (c) => {
    const body = c.req.valid("json");
    const tt = t(c);
    const project = await getProject(tt, body.projectId);
    if (!project || !project.enabled) throw new Problem("list_project_not_connected", { projectId: body.projectId, field: "projectId" }, { field: "projectId" });
    const defaultType = body.entity === "leads" ? "lead" : "contact";
    const seen = new Set<string>();
    const items = [];
    for (const s of body.selected) {
      const type = s.type ?? defaultType;
      if (body.entity === "leads" && type !== "lead") throw new Problem("list_only_leads");
      if (seen.has(`${type}:${s.id}`)) continue;
      seen.add(`${type}:${s.id}`);
      items.push({ entityType: type, entityId: s.id, name: s.name?.trim() || null });
    }
    const countSelected = Math.max(body.countSelected, items.length);
    const jobId = await createListJob(tt, { entity: body.entity, projectId: body.projectId, countSelected, requestedBy: c.var.widget.userId, items });
    await c.env.SYNC_QUEUE.send({ kind: "list-job", accountId: tt.accountId, jobId });
    await writeAudit(tt, {
      source: "widget",
      action: "list.started",
      actor: `amo-user:${c.var.widget.userId}`,
      message: `List action: ${items.length} ${body.entity} to LPTracker project ${body.projectId}${countSelected > items.length ? ` (${countSelected} selected in amoCRM, ${items.length} handed over)` : ""}.`,
      data: { listJob: jobId },
    });
    return c.json({ jobId, total: items.length, countSelected } satisfies ListSyncStarted, 202);
  });

  r.get("/api/widget/list-sync/:id", requireWidgetAdmin, async (c) => {
    const id = Number(c.req.param("id"));
    const tt = t(c);
    const job = Number.isSafeInteger(id) && id > 0 ? await getListJob(tt, id) : null;
    if (!job) throw new Problem("list_job_not_found", { id: c.req.param("id") });
    const [counts, items] = await Promise.all([listJobCounts(tt, id), listJobItemsOf(tt, id)]);
    c.header("cache-control", "no-store");
    return c.json({
      id: job.id,
      entity: job.entity,
      projectId: job.projectId,
      status: job.status,
      total: job.total,
      countSelected: job.countSelected,
      done: job.total - counts.pending,
      counts,
      error: job.error,
      items: items.map((i) => ({ type: i.entityType, id: i.entityId, name: i.name, status: i.status, code: i.reasonCode, reason: i.reason, lptLeadIds: i.lptLeadIds ?? [] })),
    } satisfies ListJobResponse);
  });

  return r;
}
