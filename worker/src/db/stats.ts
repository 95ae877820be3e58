// Dashboard figures aggregated inside D1 (counts by status, activity buckets, last event time), and
// the calendar arithmetic that turns "today in Moscow" into epoch-millisecond bucket boundaries.
import { and, desc, eq, gte, isNotNull, lt, sql } from "drizzle-orm";
import { callResults, events } from "./schema";
import { scoped, type Tenant } from "./tenant";
import type { ActivityBucket, StatusCounts } from "../api-types";

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

// ---- calendar arithmetic (pure) ----

export { isTimeZone } from "../lib/time-zone";

const formatters = new Map<string, Intl.DateTimeFormat>();

/** How far the zone's wall clock is ahead of UTC at `at`, in ms (Moscow: +3 h). */
export function tzOffsetMs(tz: string, at: number): number {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(tz, f);
  }
  const parts = f.formatToParts(new Date(at));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return wall - Math.floor(at / 1000) * 1000;
}

/** The instant the zone's wall clock reads `wall` (ms since epoch as if UTC); the offset may differ across a DST change, so it is checked twice. */
function fromWall(tz: string, wall: number, near: number): number {
  const first = wall - tzOffsetMs(tz, near);
  const second = wall - tzOffsetMs(tz, first);
  return second;
}

/** Start of the zone's calendar day that contains `at`. */
export function startOfDay(tz: string, at: number): number {
  const wall = at + tzOffsetMs(tz, at);
  return fromWall(tz, Math.floor(wall / DAY_MS) * DAY_MS, at);
}

/** Start of the zone's wall-clock hour that contains `at` (matters for zones such as +05:30). */
export function startOfHour(tz: string, at: number): number {
  const wall = at + tzOffsetMs(tz, at);
  return fromWall(tz, Math.floor(wall / HOUR_MS) * HOUR_MS, at);
}

/** Starts of the last `n` calendar days, oldest first; the last one is today. Days may be 23 or 25 h long. */
export function dayStarts(tz: string, now: number, n: number): number[] {
  const out = [startOfDay(tz, now)];
  while (out.length < n) out.unshift(startOfDay(tz, out[0]! - 1));
  return out;
}

/** Starts of the last `n` wall-clock hours, oldest first; the last one is the current hour. */
export function hourStarts(tz: string, now: number, n: number): number[] {
  const current = startOfHour(tz, now);
  return Array.from({ length: n }, (_, i) => current - (n - 1 - i) * HOUR_MS);
}

// ---- queries ----

const count = (status: string) => sql<number>`coalesce(sum(case when ${events.status} = ${status} then 1 else 0 end), 0)`;
const countSince = (from: number, status?: string) =>
  status
    ? sql<number>`coalesce(sum(case when ${events.receivedAt} >= ${from} and ${events.status} = ${status} then 1 else 0 end), 0)`
    : sql<number>`coalesce(sum(case when ${events.receivedAt} >= ${from} then 1 else 0 end), 0)`;

/** Events received since `weekFrom` and since `todayFrom` by outcome, in one pass over the index. */
export const statusCounts = scoped(async (t: Tenant, todayFrom: number, weekFrom: number, to: number): Promise<{ today: StatusCounts; week: StatusCounts }> => {
  const rows = await t.db
    .select({
      weekReceived: sql<number>`count(*)`,
      weekSynced: count("done"),
      weekFailed: count("failed"),
      weekSkipped: count("skipped"),
      todayReceived: countSince(todayFrom),
      todaySynced: countSince(todayFrom, "done"),
      todayFailed: countSince(todayFrom, "failed"),
      todaySkipped: countSince(todayFrom, "skipped"),
    })
    .from(events)
    .where(and(eq(events.accountId, t.accountId), gte(events.receivedAt, weekFrom), lt(events.receivedAt, to)));
  const r = rows[0];
  const n = (v: number | undefined) => Number(v ?? 0);
  return {
    today: { received: n(r?.todayReceived), synced: n(r?.todaySynced), failed: n(r?.todayFailed), skipped: n(r?.todaySkipped) },
    week: { received: n(r?.weekReceived), synced: n(r?.weekSynced), failed: n(r?.weekFailed), skipped: n(r?.weekSkipped) },
  };
});

/**
 * Outcomes per bucket, where bucket i covers [starts[i], starts[i+1]) and the last one ends at `end`.
 * The bucket index is computed in SQL with a CASE over the boundaries, so days of 23 or 25 hours
 * and zones with half-hour offsets come out right and only one row per bucket leaves D1.
 */
export const activityBuckets = scoped(async (t: Tenant, starts: number[], end: number): Promise<ActivityBucket[]> => {
  const buckets: ActivityBucket[] = starts.map((start) => ({ start, synced: 0, failed: 0, skipped: 0 }));
  if (!starts.length) return buckets;
  const whens = starts
    .map((s, i) => sql`when ${events.receivedAt} >= ${s} then ${sql.raw(String(i))}`)
    .reverse();
  const bucket = sql<number>`case ${sql.join(whens, sql` `)} else -1 end`;
  const rows = await t.db
    .select({ bucket, synced: count("done"), failed: count("failed"), skipped: count("skipped") })
    .from(events)
    .where(and(eq(events.accountId, t.accountId), gte(events.receivedAt, starts[0]!), lt(events.receivedAt, end)))
    .groupBy(bucket);
  for (const row of rows) {
    const b = buckets[Number(row.bucket)];
    if (!b) continue;
    b.synced = Number(row.synced);
    b.failed = Number(row.failed);
    b.skipped = Number(row.skipped);
  }
  return buckets;
});

export const lastEventAt = scoped(async (t: Tenant): Promise<number | null> => {
  const rows = await t.db
    .select({ at: events.receivedAt })
    .from(events)
    .where(eq(events.accountId, t.accountId))
    .orderBy(desc(events.receivedAt))
    .limit(1);
  return rows[0]?.at ?? null;
});

/** The call results that occur in the account, for the calls filter's picker instead of free text. */
export const distinctCallResults = scoped(async (t: Tenant, max: number = 200): Promise<string[]> => {
  const rows = await t.db
    .selectDistinct({ result: callResults.result })
    .from(callResults)
    .where(and(eq(callResults.accountId, t.accountId), isNotNull(callResults.result)))
    .orderBy(callResults.result)
    .limit(max);
  return rows.map((r) => r.result).filter((r): r is string => !!r);
});
