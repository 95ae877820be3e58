// Per-tenant quotas on what webhooks may cost us: the per-hook-key request rate (Workers Rate
// Limiting binding), the malformed bodies kept for inspection per hour, and the record of refusals
// the admin dashboard warns from. A refusal is written at most about once a minute per isolate.
import { and, eq, gte, sql } from "drizzle-orm";
import { events, quotaHits, type QUOTA_KINDS } from "./schema";
import { scoped, type Tenant } from "./tenant";
import { Problem } from "../lib/problem";

export type QuotaKind = (typeof QUOTA_KINDS)[number];

export const QUOTA_WINDOW_MS = 3_600_000;
/** Malformed webhook bodies kept per tenant per hour, by count and by total size. */
export const REJECTED_BODIES_PER_WINDOW = 100;
export const REJECTED_BYTES_PER_WINDOW = 512 * 1024;

export function windowStart(now: number): number {
  return now - (now % QUOTA_WINDOW_MS);
}

/** Whether one more malformed body of `bytes` may be kept for this tenant in the current hour. */
export const rejectedBodyAllowed = scoped(async (t: Tenant, bytes: number, now: number = Date.now()): Promise<boolean> => {
  const rows = await t.db
    .select({ n: sql<number>`count(*)`, size: sql<number>`coalesce(sum(length(${events.payload})), 0)` })
    .from(events)
    .where(and(eq(events.accountId, t.accountId), eq(events.status, "rejected"), gte(events.receivedAt, windowStart(now))));
  const { n = 0, size = 0 } = rows[0] ?? {};
  return n < REJECTED_BODIES_PER_WINDOW && size + bytes <= REJECTED_BYTES_PER_WINDOW;
});

interface Pending {
  unwritten: number;
  writtenAt: number;
}
const pending = new Map<string, Pending>();
const WRITE_EVERY_MS = 60_000;

/**
 * Counts one refused request. The first refusal of a tenant, quota and hour in this isolate is
 * written at once; later ones are added up and written with the next refusal a minute later, so
 * a flood of refusals costs D1 about one write per minute instead of one per request.
 */
export const recordQuotaHit = scoped(async (t: Tenant, kind: QuotaKind, now: number = Date.now()): Promise<void> => {
  const start = windowStart(now);
  const key = `${t.accountId}:${kind}:${start}`;
  let p = pending.get(key);
  if (!p) {
    if (pending.size > 10_000) pending.clear();
    p = { unwritten: 0, writtenAt: 0 };
    pending.set(key, p);
  }
  p.unwritten += 1;
  if (p.writtenAt !== 0 && now - p.writtenAt < WRITE_EVERY_MS) return;
  const add = p.unwritten;
  p.unwritten = 0;
  p.writtenAt = now;
  await t.db
    .insert(quotaHits)
    .values({ accountId: t.accountId, kind, windowStart: start, refused: add, lastAt: now })
    .onConflictDoUpdate({
      target: [quotaHits.accountId, quotaHits.kind, quotaHits.windowStart],
      set: { refused: sql`${quotaHits.refused} + ${add}`, lastAt: now },
    });
});

export interface QuotaHitView {
  kind: QuotaKind;
  windowStart: number;
  refused: number;
  lastAt: number;
}

/** Refusals of the last `hours` hours, newest first, for the dashboard. */
export const recentQuotaHits = scoped(async (t: Tenant, now: number = Date.now(), hours: number = 24): Promise<QuotaHitView[]> => {
  const rows = await t.db
    .select()
    .from(quotaHits)
    .where(and(eq(quotaHits.accountId, t.accountId), gte(quotaHits.windowStart, windowStart(now) - (hours - 1) * QUOTA_WINDOW_MS)))
    .orderBy(sql`${quotaHits.lastAt} desc`)
    .limit(50);
  return rows.map((r) => ({ kind: r.kind, windowStart: r.windowStart, refused: r.refused, lastAt: r.lastAt }));
});

/** The 429 a sender over its rate gets: what happened, and when to come back. */
export function hookRateProblem(retryAfterSeconds: number): Problem {
  return new Problem("hook_rate_limited", { retryAfterSeconds }, { retryAfterSeconds });
}

/** Asks a Rate Limiting binding whether `key` may go on. */
export async function underLimit(limiter: RateLimit, key: string): Promise<boolean> {
  const { success } = await limiter.limit({ key });
  return success;
}
