// Admin API over the audit log: every sync step and every change, filtered by level, source,
// entity and time, with a text search, newest first.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../lib/hono-env";
import { parseOr400 } from "../lib/validate";
import { tenant } from "../db/tenant";
import { listAudit } from "../db/audit";
import type { auditLog } from "../db/schema";
import type { AuditListResponse, AuditView } from "../api-types";

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, { error: `at most ${max} characters` })
    .transform((s) => s || undefined)
    .optional();

const auditQuery = z.object({
  level: z.enum(["info", "warn", "error"], { error: "level must be info, warn or error" }).optional(),
  source: optionalText(40),
  entityType: optionalText(40),
  entityId: optionalText(100),
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().nonnegative().optional(),
  q: optionalText(200),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  offset: z.coerce.number().int().min(0).max(1_000_000).optional(),
});

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

  r.get("/api/admin/audit", async (c) => {
    const f = parseOr400(auditQuery, c.req.query());
    // listAudit matches q with LIKE: a typed `%` or `_` widens the match a little but never hides a row.
    const { items, total } = await listAudit(tenant(c.var.db, c.var.admin.accountId), f);
    const body: AuditListResponse = { items: items.map(auditView), total };
    c.header("cache-control", "no-store");
    return c.json(body);
  });

  return r;
}
