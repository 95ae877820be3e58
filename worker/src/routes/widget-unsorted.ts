// Per LPTracker project: new leads go straight into a pipeline (default) or to amoCRM's incoming
// leads («Неразобранное») of a chosen pipeline (read: any signed-in user; write: admins).
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../lib/hono-env";
import { Problem } from "../lib/problem";
import { parseOr400 } from "../lib/validate";
import { tenant, type Tenant } from "../db/tenant";
import { requireWidgetAdmin } from "../auth";
import { getProject } from "../db/lptracker";
import { getUnsortedSetting, saveUnsortedSetting } from "../db/unsorted";
import { getMetadata } from "../amocrm/metadata";
import { writeAudit } from "../db/audit";
import { getAccount } from "../db/accounts";
import { ensureAmoWebhook } from "../amocrm/install";
import { logWarn } from "../lib/log";
import type { UnsortedSettingResponse } from "../api-types";

const saveBody = z.object({ pipelineId: z.number().int().positive().nullable() });

async function view(t: Tenant, projectId: number): Promise<UnsortedSettingResponse> {
  const setting = await getUnsortedSetting(t, projectId);
  return { projectId, pipelineId: setting?.pipelineId ?? null, updatedAt: setting?.updatedAt ?? null };
}

async function connected(t: Tenant, raw: string): Promise<number> {
  const projectId = Number(raw);
  if (!Number.isSafeInteger(projectId) || projectId <= 0 || !(await getProject(t, projectId))) {
    throw new Problem("lpt_project_not_connected", { projectId: raw });
  }
  return projectId;
}

export function unsortedSettingRoutes() {
  const r = new Hono<AppEnv>();
  const t = (c: { var: AppEnv["Variables"] }) => tenant(c.var.db, c.var.widget.accountId);

  r.get("/api/widget/unsorted/:projectId", async (c) => c.json(await view(t(c), await connected(t(c), c.req.param("projectId")))));

  r.put("/api/widget/unsorted/:projectId", requireWidgetAdmin, async (c) => {
    const tt = t(c);
    const projectId = await connected(tt, c.req.param("projectId"));
    const body = parseOr400(saveBody, await c.req.json().catch(() => null));
    if (body.pipelineId !== null) {
      const meta = await getMetadata(tt);
      if (!meta.pipelines.some((p) => p.id === body.pipelineId)) {
        throw new Problem("unsorted_pipeline_unknown", { pipelineId: body.pipelineId }, { field: "pipelineId" });
      }
    }
    await saveUnsortedSetting(tt, projectId, body.pipelineId, c.var.widget.userId);
    if (body.pipelineId !== null) {
      // Accounts installed before incoming leads existed are not subscribed to delete_unsorted yet.
      const account = await getAccount(tt);
      if (account?.status === "active") {
        await ensureAmoWebhook(c.env, tt, `${c.var.cfg.publicOrigin}/hooks/amocrm/${account.amoHookKey}`).catch((err: unknown) =>
          logWarn("amoCRM webhook not re-registered for incoming leads", { accountId: tt.accountId, error: String(err) }),
        );
      }
    }
    await writeAudit(tt, {
      source: "widget",
      action: "unsorted.setting_saved",
      actor: `amo-user:${c.var.widget.userId}`,
      message:
        body.pipelineId === null
          ? `New leads of LPTracker project ${projectId} go straight into a pipeline.`
          : `New leads of LPTracker project ${projectId} go to amoCRM's incoming leads of pipeline ${body.pipelineId}.`,
      entityType: "lpt_project",
      entityId: projectId,
    });
    return c.json(await view(tt, projectId));
  });

  return r;
}
