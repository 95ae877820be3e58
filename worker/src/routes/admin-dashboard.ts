// Admin API for the state of the integration: the dashboard (install, LPTracker, counts, activity,
// latest failures) and the cached amoCRM metadata and LPTracker projects the rule constructor picks from.
import { Hono } from "hono";
import type { AppEnv } from "../lib/hono-env";
import { queryOf } from "../lib/validate";
import { dashboardQuerySchema } from "../contracts/admin";
import { tenant, type Tenant } from "../db/tenant";
import { getAccount } from "../db/accounts";
import { listEvents } from "../db/events";
import { recentQuotaHits } from "../db/quotas";
import { writeAudit } from "../db/audit";
import { activityBuckets, dayStarts, hourStarts, lastEventAt, statusCounts } from "../db/stats";
import { installStatus, REINSTALL_ACTION } from "../auth/install-status";
import { AmoError } from "../amocrm/client";
import { Problem } from "../lib/problem";
import { connectionView } from "../lptracker/connection";
import { lptProjectSchema } from "../lptracker/project-schema";
import { getMetadata, refreshMetadata } from "../amocrm/metadata";
import { logWarn } from "../lib/log";
import { errorText } from "../lib/error-text";
import { eventView } from "./admin-events";
import { heldCount } from "../sync/run/hold";
import type { AdminLptResponse, DashboardResponse, LptConnectionResponse } from "../api-types";
import type { Env } from "../env";

/**
 * GET /api/admin/lptracker: the connection as the widget sees it, plus the LPTracker side
 * (stages, lead fields) of every selected project, for the rule constructor's pickers.
 */


const HOURLY_BUCKETS = 24;
const DAILY_BUCKETS = 14;

async function lptView(env: Env, t: Tenant): Promise<LptConnectionResponse> {
  return connectionView(env, t);
}

/** Reads amoCRM, turning its failures into problems the page can show instead of a bare 500. */
async function fromAmo<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (!(err instanceof AmoError)) throw err;
    if (err.kind === "reauth_required" || err.kind === "no_tokens") throw new Problem("amo_reauth_required", {}, { reason: err.kind });
    throw new Problem("amo_unreachable", { reason: err.message }, { reason: err.kind });
  }
}

export function adminDashboardRoutes() {
  const r = new Hono<AppEnv>();
  const t = (c: { var: AppEnv["Variables"] }) => tenant(c.var.db, c.var.admin.accountId);

  r.get("/api/admin/dashboard", queryOf(dashboardQuerySchema), async (c) => {
    const { tz } = c.req.valid("query");
    const tt = t(c);
    const now = Date.now();
    const days = dayStarts(tz, now, DAILY_BUCKETS);
    const hours = hourStarts(tz, now, HOURLY_BUCKETS);
    const weekFrom = days[DAILY_BUCKETS - 7]!;
    const todayFrom = days[DAILY_BUCKETS - 1]!;
    const [account, lptracker, last, counts, hourly, daily, failures, held, quotas] = await Promise.all([
      getAccount(tt),
      lptView(c.env, tt),
      lastEventAt(tt),
      statusCounts(tt, todayFrom, weekFrom, now + 1),
      activityBuckets(tt, hours, now + 1),
      activityBuckets(tt, days, now + 1),
      listEvents(tt, { status: "failed", limit: 10 }),
      heldCount(tt),
      recentQuotaHits(tt, now),
    ]);
    const body: DashboardResponse = {
      install: {
        status: installStatus(account),
        subdomain: account?.subdomain ?? "",
        domain: account?.domain ?? "",
        reason: account?.statusReason ?? null,
      },
      lptracker,
      lastEventAt: last,
      counts,
      activity: { hourly, daily },
      latestFailures: failures.items.map(eventView),
      held: { widgetOff: account?.pausedAt != null, paused: held.paused, parked: held.parked },
      quotas,
    };
    c.header("cache-control", "no-store");
    return c.json(body);
  });

  r.get("/api/admin/metadata", async (c) => {
    const tt = t(c);
    const meta = await getMetadata(tt);
    // The first visit may come before the install's metadata fetch finished: fetch it now.
    return c.json(meta.fetchedAt === null ? await fromAmo(() => refreshMetadata(c.env, tt)) : meta);
  });

  r.post("/api/admin/metadata/refresh", async (c) => {
    const tt = t(c);
    const meta = await fromAmo(() => refreshMetadata(c.env, tt));
    await writeAudit(tt, {
      source: "admin",
      action: "metadata.refreshed",
      actor: `amo-user:${c.var.admin.userId}`,
      message: "amoCRM metadata refreshed from the admin page.",
      requestId: c.var.requestId,
    });
    return c.json(meta);
  });

  r.get("/api/admin/lptracker", async (c) => {
    const tt = t(c);
    const view = await lptView(c.env, tt);
    const selected = view.projects.filter((p) => p.selected);
    const results = await Promise.all(
      selected.map(async (p) => {
        try {
          return { ok: true as const, schema: await lptProjectSchema(c.env, tt, p.id) };
        } catch (err) {
          logWarn("lptracker schema unavailable", { projectId: p.id, error: String(err) });
          return { ok: false as const, projectId: p.id, error: errorText(err) };
        }
      }),
    );
    const body: AdminLptResponse = {
      ...view,
      schemas: results.flatMap((x) => (x.ok ? [x.schema] : [])),
      schemaErrors: results.flatMap((x) => (x.ok ? [] : [{ projectId: x.projectId, error: x.error }])),
    };
    return c.json(body);
  });

  return r;
}
