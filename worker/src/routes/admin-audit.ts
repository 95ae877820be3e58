// Admin API over the audit log: every sync step and every change, filtered by level, source,
// entity and time, with a text search, newest first.
import { Hono } from "hono";
import type { AppEnv } from "../lib/hono-env";
import { queryOf } from "../lib/validate";
import { auditQuerySchema } from "../contracts/admin";
import { tenant } from "../db/tenant";
import { listAudit } from "../db/audit";
import type { auditLog } from "../db/schema";
import type { AuditListResponse, AuditView } from "../api-types";


type AuditRow = typeof auditLog.$inferSelect;

export function auditView(row: AuditRow): AuditView {
  return {
    id: row.id,
    at: row.at,
    level: row.level === "warn" || row.level === "error" ? row.level : "info",
    source: row.source,
    action: row.action,
    entityType: row.entityType,
    entityId: row.entityId,
    eventId: row.eventId,
    actor: row.actor,
    message: row.message,
    data: row.data ?? null,
  };
}

export function adminAuditRoutes() {
  const r = new Hono<AppEnv>();

  r.get("/api/admin/audit", queryOf(auditQuerySchema), async (c) => {
    const f = c.req.valid("query");
    // listAudit matches q with LIKE: a typed `%` or `_` widens the match a little but never hides a row.
    const { items, total } = await listAudit(tenant(c.var.db, c.var.admin.accountId), f);
    const body: AuditListResponse = { items: items.map(auditView), total };
    c.header("cache-control", "no-store");
    return c.json(body);
  });

  return r;
}
