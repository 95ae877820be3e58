// The lead policy per LPTracker project (repeat requests, who gets a new lead): read by any
// signed-in user, saved by admins, every id checked against the account's own users and pipelines.
import { Hono } from "hono";
import type { AppEnv } from "../lib/hono-env";
import { Problem } from "../lib/problem";
import { parseOr400 } from "../lib/validate";
import { tenant, type Tenant } from "../db/tenant";
import { requireWidgetAdmin } from "../auth";
import { getProject } from "../db/lptracker";
import { getLeadPolicy, saveLeadPolicy } from "../db/lead-policy";
import { getMetadata } from "../amocrm/metadata";
import { writeAudit } from "../db/audit";
import { cachedSchema } from "../sync/plan/dry-run";
import { leadPolicySchema, policyIssues } from "../sync/plan/lead-policy";

async function connected(t: Tenant, projectId: number) {
  if (!Number.isSafeInteger(projectId) || projectId <= 0 || !(await getProject(t, projectId))) {
    throw new Problem("lpt_project_not_connected", { projectId });
  }
}

export function leadPolicyRoutes() {
  const r = new Hono<AppEnv>();

  r.get("/api/widget/lead-policy/:projectId", async (c) => {
    const projectId = Number(c.req.param("projectId"));
    const t = tenant(c.var.db, c.var.widget.accountId);
    await connected(t, projectId);
    const { rrNext: _slots, ...policy } = await getLeadPolicy(t, projectId);
    return c.json({ projectId, ...policy });
  });

  r.put("/api/widget/lead-policy/:projectId", requireWidgetAdmin, async (c) => {
    const projectId = Number(c.req.param("projectId"));
    const t = tenant(c.var.db, c.var.widget.accountId);
    await connected(t, projectId);
    const body = parseOr400(leadPolicySchema, await c.req.json().catch(() => null));
    // LPTracker staff are judged from the project's cached schema (the mapping editor loads it first).
    const schema = await cachedSchema(t, projectId);
    const staff = schema?.staff?.length ? new Set(schema.staff.map((s) => s.id)) : null;
    const issues = policyIssues(body, await getMetadata(t), staff);
    if (issues.length) throw new Problem("request_invalid", { field: issues[0]!.field, issue: issues[0]!.message }, { field: issues[0]!.field, issues });
    await saveLeadPolicy(t, projectId, body, c.var.widget.userId);
    await writeAudit(t, {
      source: "widget",
      action: "lead_policy.saved",
      actor: `amo-user:${c.var.widget.userId}`,
      message: `Lead policy of LPTracker project ${projectId} saved: repeat requests «${body.repeatMode}», assignment «${body.assignMode}».`,
      entityType: "lpt_project",
      entityId: projectId,
    });
    const { rrNext: _slots, ...policy } = await getLeadPolicy(t, projectId);
    return c.json({ projectId, ...policy });
  });

  return r;
}
