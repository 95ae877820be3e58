// The audit-log writer used by every mutation and every sync step. Text is masked (phones,
// e-mails) before it is stored; callers never pass secrets.
import { and, desc, eq, gte, lte, or, sql } from "drizzle-orm";
import { auditLog, type AUDIT_LEVELS } from "./schema";
import { scoped, type Tenant } from "./tenant";
import { maskText } from "../lib/mask";
import { auditDataSchema, type AuditData, type AuditEntry } from "../contracts/stored";

export type AuditLevel = (typeof AUDIT_LEVELS)[number];

export type { AuditEntry };

function maskData(value: unknown): unknown {
  if (typeof value === "string") return maskText(value);
  if (Array.isArray(value)) return value.map(maskData);
  if (value && typeof value === "object") return maskRecord(value);
  return value;
}

function maskRecord(value: object): AuditData {
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskData(v)]));
}

/** The insert as a query, for callers that put it in a D1 batch with their own writes. */
export const auditInsert = scoped((t: Tenant, entry: AuditEntry) =>
  t.db.insert(auditLog).values({
    accountId: t.accountId,
    level: entry.level ?? "info",
    source: entry.source,
    action: entry.action,
    message: maskText(entry.message),
    entityType: entry.entityType,
    entityId: entry.entityId === undefined ? undefined : String(entry.entityId),
    eventId: entry.eventId,
    actor: entry.actor,
    data: entry.data ? maskRecord(entry.data) : undefined,
    requestId: entry.requestId,
  }),
);

export const writeAudit = scoped(async (t: Tenant, entry: AuditEntry) => {
  await auditInsert(t, entry);
});

/** Details of another shape (not an object) are not shown as details; the message still is. */
const storedData = auditDataSchema.nullable().catch(null);

export interface AuditFilter {
  level?: AuditLevel;
  source?: string;
  entityType?: string;
  entityId?: string;
  eventId?: number;
  from?: number;
  to?: number;
  q?: string;
  limit?: number;
  offset?: number;
}

/**
 * SQLite's LIKE ignores case only for Latin letters, so Cyrillic text is searched in its usual
 * casings too; `%` and `_` typed by the user are matched literally.
 */
function textSearch(q: string) {
  const escaped = q.replace(/[\\%_]/g, (ch) => `\\${ch}`);
  const forms = new Set([escaped, escaped.toLowerCase(), escaped.toUpperCase(), escaped.charAt(0).toUpperCase() + escaped.slice(1).toLowerCase()]);
  return or(...[...forms].flatMap((form) => [sql`${auditLog.message} like ${`%${form}%`} escape '\\'`, sql`${auditLog.action} like ${`%${form}%`} escape '\\'`]));
}

export const listAudit = scoped(async (t: Tenant, f: AuditFilter) => {
  const where = and(
    eq(auditLog.accountId, t.accountId),
    f.level ? eq(auditLog.level, f.level) : undefined,
    f.source ? eq(auditLog.source, f.source) : undefined,
    f.entityType ? eq(auditLog.entityType, f.entityType) : undefined,
    f.entityId ? eq(auditLog.entityId, f.entityId) : undefined,
    f.eventId ? eq(auditLog.eventId, f.eventId) : undefined,
    f.from ? gte(auditLog.at, f.from) : undefined,
    f.to ? lte(auditLog.at, f.to) : undefined,
    f.q ? textSearch(f.q) : undefined,
  );
  const limit = Math.min(Math.max(f.limit ?? 50, 1), 200);
  const [items, total] = await Promise.all([
    t.db.select().from(auditLog).where(where).orderBy(desc(auditLog.at), desc(auditLog.id)).limit(limit).offset(f.offset ?? 0),
    t.db.select({ n: sql<number>`count(*)` }).from(auditLog).where(where),
  ]);
  return { items: items.map((r) => ({ ...r, data: storedData.parse(r.data) })), total: total[0]?.n ?? 0 };
});
