// The audit page's filters as they live in the address bar and as the API wants them. Pure.
import { dateInputToMs } from "../format";
import { AUDIT_SOURCES, EVENT_SOURCES, EVENT_STATUSES } from "./words";

export const PAGE = 50;

export interface AuditFilter {
  view: "log" | "events";
  level: string;
  source: string;
  entityType: string;
  entityId: string;
  q: string;
  status: string;
  from: string;
  to: string;
  offset: number;
}

const pick = (value: string | null, allowed: readonly string[]) => (value && allowed.includes(value) ? value : "");

export function readAuditFilter(p: URLSearchParams): AuditFilter {
  const view = p.get("view") === "events" ? "events" : "log";
  const offset = Number(p.get("offset"));
  return {
    view,
    level: pick(p.get("level"), ["info", "warn", "error"]),
    source: pick(p.get("source"), view === "events" ? EVENT_SOURCES : AUDIT_SOURCES),
    entityType: p.get("entityType") ?? "",
    entityId: p.get("entityId") ?? "",
    q: p.get("q") ?? "",
    status: pick(p.get("status"), EVENT_STATUSES),
    from: p.get("from") ?? "",
    to: p.get("to") ?? "",
    offset: Number.isSafeInteger(offset) && offset > 0 ? offset : 0,
  };
}

export function auditFilterParams(f: AuditFilter): Record<string, string | number | undefined> {
  const common = { view: f.view === "log" ? undefined : f.view, source: f.source || undefined, from: f.from || undefined, to: f.to || undefined, offset: f.offset || undefined };
  if (f.view === "events") return { ...common, status: f.status || undefined };
  return { ...common, level: f.level || undefined, entityType: f.entityType || undefined, entityId: f.entityId || undefined, q: f.q || undefined };
}

export function auditApiQuery(f: AuditFilter, limit = PAGE) {
  return {
    level: f.level || undefined,
    source: f.source || undefined,
    entityType: f.entityType || undefined,
    entityId: f.entityId.trim() || undefined,
    q: f.q.trim() || undefined,
    from: dateInputToMs(f.from),
    to: dateInputToMs(f.to, true),
    limit,
    offset: f.offset,
  };
}

export function eventApiQuery(f: AuditFilter, limit = PAGE) {
  return {
    status: f.status || undefined,
    source: f.source && (EVENT_SOURCES as readonly string[]).includes(f.source) ? f.source : undefined,
    from: dateInputToMs(f.from),
    to: dateInputToMs(f.to, true),
    limit,
    offset: f.offset,
  };
}

/** What "replay every failed event" covers for this filter: the period, and the source when it is an event source. */
export function replayScope(f: AuditFilter): { source?: string; from?: number; to?: number } {
  const q = eventApiQuery(f);
  return { source: q.source, from: q.from, to: q.to };
}

export function hasFilter(f: AuditFilter): boolean {
  return !!(f.level || f.source || f.entityType || f.entityId || f.q || f.status || f.from || f.to);
}
