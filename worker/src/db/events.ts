// Tenant rows of inbound events: stored once per dedupe key, then walked through
// received → processing → done | failed | skipped (or held: parked without amoCRM tokens, paused
// while the widget is switched off; see sync/run/hold.ts).
import { and, desc, eq, gte, inArray, lte, sql } from "drizzle-orm";
import { events, type EVENT_SOURCES, type EVENT_STATUSES } from "./schema";
import { scoped, type Tenant } from "./tenant";
import type { CodedText } from "../lib/errors";
import { eventProgressSchema, type EventProgress } from "../contracts/stored";
import { logWarn } from "../lib/log";

export type EventRow = typeof events.$inferSelect;
export type EventStatus = (typeof EVENT_STATUSES)[number];
export type EventSource = (typeof EVENT_SOURCES)[number];

export const MAX_STORED_PAYLOAD = 64 * 1024;

export interface NewEvent {
  source: EventSource;
  action: string;
  dedupeKey: string;
  projectId?: number | null;
  externalId?: string | null;
  payload: string;
  status?: EventStatus;
  error?: string | null;
  /** When the webhook arrived, if that was before this row is written (queued intake). */
  receivedAt?: number;
}

/** The insert of one event as a query (ignored on a taken dedupe key), for callers that batch it. */
export const insertEventQuery = scoped((t: Tenant, e: NewEvent) =>
  t.db
    .insert(events)
    .values({
      accountId: t.accountId,
      source: e.source,
      action: e.action,
      dedupeKey: e.dedupeKey,
      projectId: e.projectId ?? null,
      externalId: e.externalId ?? null,
      payload: e.payload.length > MAX_STORED_PAYLOAD ? e.payload.slice(0, MAX_STORED_PAYLOAD) : e.payload,
      status: e.status ?? "received",
      error: e.error ?? null,
      ...(e.receivedAt === undefined ? {} : { receivedAt: e.receivedAt }),
    })
    .onConflictDoNothing({ target: [events.accountId, events.dedupeKey] })
    .returning({ id: events.id }),
);

/** Stores an event unless one with the same dedupe key exists. Returns its id, or null for a duplicate. */
export const insertEvent = scoped(async (t: Tenant, e: NewEvent): Promise<number | null> => {
  const rows = await insertEventQuery(t, e);
  return rows[0]?.id ?? null;
});

export const eventIdByDedupeKey = scoped(async (t: Tenant, dedupeKey: string): Promise<number | null> => {
  const rows = await t.db
    .select({ id: events.id })
    .from(events)
    .where(and(eq(events.accountId, t.accountId), eq(events.dedupeKey, dedupeKey)))
    .limit(1);
  return rows[0]?.id ?? null;
});

/**
 * The row with its journal checked: a journal of another shape (an older version's) reads as none,
 * so the job writes to amoCRM afresh, finding what it made by the links and contacts it keeps.
 */
function withProgress(row: EventRow | undefined): EventRow | null {
  if (!row) return null;
  if (row.progress === null) return row;
  const progress = eventProgressSchema.safeParse(row.progress);
  if (!progress.success) logWarn("event journal unreadable; the job syncs afresh", { accountId: row.accountId, eventId: row.id, issue: progress.error.issues[0]?.message });
  return { ...row, progress: progress.success ? progress.data : null };
}

export const getEvent = scoped(async (t: Tenant, id: number): Promise<EventRow | null> => {
  const rows = await t.db.select().from(events).where(and(eq(events.accountId, t.accountId), eq(events.id, id))).limit(1);
  return withProgress(rows[0]);
});

/** Moves an event to processing unless it is already finished; returns the row when the job should run. */
export const claimEvent = scoped(async (t: Tenant, id: number): Promise<EventRow | null> => {
  const rows = await t.db
    .update(events)
    .set({ status: "processing", attempts: sql`${events.attempts} + 1`, updatedAt: Date.now() })
    .where(and(eq(events.accountId, t.accountId), eq(events.id, id), inArray(events.status, ["received", "processing", "failed", "parked", "paused"])))
    .returning();
  return withProgress(rows[0]);
});

/** A free text, or a catalogue text whose code and params are stored beside it (lib/errors.ts TEXTS). */
export type EventError = string | CodedText | null;
const errorFields = (error: EventError) => (error === null || typeof error === "string" ? { error, errorText: null } : { error: error.text, errorText: error.ref });

export const finishEvent = scoped(async (t: Tenant, id: number, status: EventStatus, error: EventError = null) => {
  const now = Date.now();
  await t.db.update(events).set({ status, ...errorFields(error), processedAt: now, updatedAt: now }).where(and(eq(events.accountId, t.accountId), eq(events.id, id)));
});

/**
 * `finishEvent` as a query, for a job that records its event's end in its own D1 batch; the
 * journal of amoCRM writes is recorded now, so a later replay syncs afresh.
 */
export const finishEventQuery = scoped((t: Tenant, id: number, status: EventStatus, error: EventError = null) => {
  const now = Date.now();
  return t.db.update(events).set({ status, ...errorFields(error), progress: null, processedAt: now, updatedAt: now }).where(and(eq(events.accountId, t.accountId), eq(events.id, id)));
});

/** Saves the sync job's journal of amoCRM writes done for this event (read back on a retry). */
export const saveEventProgress = scoped(async (t: Tenant, id: number, progress: EventProgress) => {
  await t.db.update(events).set({ progress, updatedAt: Date.now() }).where(and(eq(events.accountId, t.accountId), eq(events.id, id)));
});

export interface EventFilter {
  status?: EventStatus;
  source?: EventSource;
  from?: number;
  to?: number;
  externalId?: string;
  limit?: number;
  offset?: number;
}

function filterWhere(t: Tenant, f: EventFilter) {
  return and(
    eq(events.accountId, t.accountId),
    f.status ? eq(events.status, f.status) : undefined,
    f.source ? eq(events.source, f.source) : undefined,
    f.from ? gte(events.receivedAt, f.from) : undefined,
    f.to ? lte(events.receivedAt, f.to) : undefined,
    f.externalId ? eq(events.externalId, f.externalId) : undefined,
  );
}

export const listEvents = scoped(async (t: Tenant, f: EventFilter) => {
  const where = filterWhere(t, f);
  const limit = Math.min(Math.max(f.limit ?? 50, 1), 200);
  const [items, total] = await Promise.all([
    t.db.select().from(events).where(where).orderBy(desc(events.receivedAt), desc(events.id)).limit(limit).offset(f.offset ?? 0),
    t.db.select({ n: sql<number>`count(*)` }).from(events).where(where),
  ]);
  return { items, total: total[0]?.n ?? 0 };
});

/** Ids of the events a filter selects (for "replay all failed"), bounded. */
export const eventIds = scoped(async (t: Tenant, f: EventFilter, max: number = 1000): Promise<number[]> => {
  const rows = await t.db.select({ id: events.id }).from(events).where(filterWhere(t, f)).orderBy(events.id).limit(max);
  return rows.map((r) => r.id);
});

/** Puts events back to received for a replay; returns the ids that were replayable. */
export const resetForReplay = scoped(async (t: Tenant, ids: number[]): Promise<number[]> => {
  if (!ids.length) return [];
  const rows = await t.db
    .update(events)
    .set({ status: "received", error: null, updatedAt: Date.now() })
    .where(and(eq(events.accountId, t.accountId), inArray(events.id, ids), inArray(events.status, ["failed", "parked", "paused", "skipped", "done"])))
    .returning({ id: events.id });
  return rows.map((r) => r.id);
});
