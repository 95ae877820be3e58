// Field mapping and stage map per LPTracker project (read: any signed-in user; write: admins).
// Rows are checked against the cached amoCRM metadata: a row whose field is gone shows as broken.
import { Hono } from "hono";
import type { AppEnv } from "../lib/hono-env";
import { Problem } from "../lib/problem";
import { parseOr400 } from "../lib/validate";
import { tenant } from "../db/tenant";
import { requireWidgetAdmin } from "../auth";
import { getProject } from "../db/lptracker";
import { getSavedMapping, getStageMap, saveMapping } from "../db/mapping";
import { getMetadata } from "../amocrm/metadata";
import { writeAudit } from "../db/audit";
import { defaultMapping, validateMapping } from "../sync/mapping/mapping";
import type { MappingResponse } from "../api-types";
import { mappingSaveRequestSchema } from "../contracts/widget";

export function mappingRoutes() {
  const r = new Hono<AppEnv>();

  const load = async (c: { var: AppEnv["Variables"] }, projectId: number): Promise<MappingResponse> => {
    const t = tenant(c.var.db, c.var.widget.accountId);
    if (!(await getProject(t, projectId))) throw new Problem("lpt_project_not_connected", { projectId });
    const meta = await getMetadata(t);
    const saved = await getSavedMapping(t, projectId);
    const rows = validateMapping(saved?.rows ?? defaultMapping(meta), meta);
    return { projectId, isDefault: !saved, rows, stageMap: await getStageMap(t, projectId), brokenCount: rows.filter((row) => row.broken).length, updatedAt: saved?.updatedAt ?? null };
  };

  r.get("/api/widget/mapping/:projectId", async (c) => c.json(await load(c, Number(c.req.param("projectId")))));

  r.put("/api/widget/mapping/:projectId", requireWidgetAdmin, async (c) => {
    const projectId = Number(c.req.param("projectId"));
    const t = tenant(c.var.db, c.var.widget.accountId);
    if (!(await getProject(t, projectId))) throw new Problem("lpt_project_not_connected", { projectId });
    const body = parseOr400(mappingSaveRequestSchema, await c.req.json().catch(() => null));
    await saveMapping(t, projectId, body.rows, body.stageMap, c.var.widget.userId);
    await writeAudit(t, {
      source: "widget",
      action: "mapping.saved",
      actor: `amo-user:${c.var.widget.userId}`,
      message: `Mapping of LPTracker project ${projectId} saved: ${body.rows.length} rows, ${body.stageMap.length} stage links.`,
      entityType: "lpt_project",
      entityId: projectId,
    });
    return c.json(await load(c, projectId));
  });

  return r;
}
