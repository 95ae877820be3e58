// Events that cannot run yet are held, never failed or lost: `paused` while the widget is switched
// off (or disabled) in amoCRM, `parked` while amoCRM's tokens are missing. Once the account can
// sync again, one drain job per account runs the held events strictly in arrival order.
import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import type { Env } from "../../env";
import type { AccountRow } from "../../db/accounts";
import { makeDb } from "../../db/client";
import { tenant, type Tenant } from "../../db/tenant";
import { cursors, events } from "../../db/schema";
import { getAccount } from "../../db/accounts";
import { finishEvent, getEvent } from "../../db/events";
import { writeAudit } from "../../db/audit";
import { logError } from "../../lib/log";
import { errorText } from "../../lib/error-text";
import { RetryLater } from "../../queue/retry";
import { codedText, type CodedText } from "../../lib/errors";

export const HELD_STATUSES = ["parked", "paused"] as const;
export type HeldStatus = (typeof HELD_STATUSES)[number];
const isHeld = (status: string): status is HeldStatus => HELD_STATUSES.some((s) => s === status);

/** Held events run per drain message before it hands over to a fresh one (bounded invocations). */
const DRAIN_CHUNK = 10;
/** How long one drain may hold the account's lease; renewed per chunk, released when it stops. */
const LEASE_MS = 5 * 60 * 1000;
const LEASE = "drain-lease";
/** An event that keeps failing transiently stops blocking the line after this many attempts. */
const MAX_DRAIN_ATTEMPTS = 8;

/** Why events of this account must wait, or null when they can run. */
export function holdOf(account: Pick<AccountRow, "status" | "pausedAt">): { status: HeldStatus; reason: CodedText } | null {
  if (account.pausedAt !== null) return { status: "paused", reason: codedText("event_widget_off") };
  if (account.status === "uninstalled") return { status: "paused", reason: codedText("event_uninstalled") };
  if (account.status === "pending") return { status: "parked", reason: codedText("event_install_pending") };
  if (account.status === "reauth_required") return { status: "parked", reason: codedText("event_reinstall_wait") };
  return null;
}

/** Whether an older event of the account is still held: a newer one must queue behind it. */
export async function olderHeld(t: Tenant, eventId: number): Promise<boolean> {
  const rows = await t.db
    .select({ id: events.id })
    .from(events)
    .where(and(eq(events.accountId, t.accountId), inArray(events.status, [...HELD_STATUSES]), lt(events.id, eventId)))
    .limit(1);
  return rows.length > 0;
}

export async function heldCount(t: Tenant): Promise<Record<HeldStatus, number>> {
  const rows = await t.db
    .select({ status: events.status, n: sql<number>`count(*)` })
    .from(events)
    .where(and(eq(events.accountId, t.accountId), inArray(events.status, [...HELD_STATUSES])))
    .groupBy(events.status);
  const out: Record<HeldStatus, number> = { parked: 0, paused: 0 };
  for (const r of rows) if (isHeld(r.status)) out[r.status] = r.n;
  return out;
}

async function oldestHeld(t: Tenant): Promise<number | null> {
  const rows = await t.db
    .select({ id: events.id })
    .from(events)
    .where(and(eq(events.accountId, t.accountId), inArray(events.status, [...HELD_STATUSES])))
    .orderBy(asc(events.id))
    .limit(1);
  return rows[0]?.id ?? null;
}

/** One drain per account at a time: a lease row, taken only when free or expired (atomic upsert). */
async function takeLease(t: Tenant, now: number): Promise<boolean> {
  const rows = await t.db
    .insert(cursors)
    .values({ accountId: t.accountId, name: LEASE, value: String(now + LEASE_MS), updatedAt: now })
    .onConflictDoUpdate({
      target: [cursors.accountId, cursors.name],
      set: { value: String(now + LEASE_MS), updatedAt: now },
      setWhere: sql`cast(${cursors.value} as integer) < ${now}`,
    })
    .returning({ value: cursors.value });
  return rows.length > 0;
}

async function releaseLease(t: Tenant): Promise<void> {
  await t.db
    .update(cursors)
    .set({ value: "0", updatedAt: Date.now() })
    .where(and(eq(cursors.accountId, t.accountId), eq(cursors.name, LEASE)));
}

/** Starts (or nudges) the account's drain; a drain already running keeps the lease and this one exits. */
export async function startDrain(env: Env, accountId: number, delaySeconds?: number): Promise<void> {
  await env.SYNC_QUEUE.send({ kind: "drain", accountId }, delaySeconds ? { delaySeconds } : undefined);
}

/** The account can sync again (tokens arrived, widget switched on): held events resume in order. */
export async function resumeHeld(env: Env, t: Tenant, why: string): Promise<number> {
  const account = await getAccount(t);
  if (!account || holdOf(account)) return 0;
  const held = await heldCount(t);
  const total = held.parked + held.paused;
  if (!total) return 0;
  await writeAudit(t, { source: "system", action: "events.resumed", message: `${total} held event(s) resume in the order they arrived: ${why}.`, data: { ...held } });
  await startDrain(env, t.accountId);
  return total;
}

type RunEvent = (env: Env, accountId: number, eventId: number) => Promise<void>;

/**
 * The drain job: runs the oldest held event, then the next, while the account can sync. A transient
 * failure keeps the event first in line and retries the drain later; newer events wait behind it
 * (the sync job parks any event that has an older held one).
 */
export async function runDrainJob(env: Env, accountId: number, runEvent: RunEvent): Promise<void> {
  const t = tenant(makeDb(env.DB), accountId);
  if (!(await takeLease(t, Date.now()))) return;
  let again: number | null = null;
  try {
    for (let i = 0; i < DRAIN_CHUNK; i++) {
      const account = await getAccount(t);
      if (!account || holdOf(account)) return;
      const id = await oldestHeld(t);
      if (id === null) return;
      try {
        await runEvent(env, accountId, id);
      } catch (err) {
        const event = await getEvent(t, id);
        const reason = errorText(err);
        if (event && event.attempts >= MAX_DRAIN_ATTEMPTS) {
          await finishEvent(t, id, "failed", `Gave up after ${event.attempts} attempts: ${reason}. Replay it from the admin page once the cause is fixed.`);
          await writeAudit(t, { level: "error", source: "system", action: "event.failed", message: `Event ${id} failed: ${reason}`, eventId: id });
          continue;
        }
        // Still first in line: held again, so that newer events keep waiting behind it.
        await finishEvent(t, id, "parked", `Will retry in order: ${reason}`);
        again = err instanceof RetryLater ? err.delaySeconds : Math.min(2 ** (event?.attempts ?? 1), 120);
        return;
      }
      const after = await getEvent(t, id);
      if (after && isHeld(after.status)) {
        // Held again by its own job: when the account itself still can sync, look again later,
        // but one event must not hold up the line for ever.
        const now = await getAccount(t);
        if (!now || holdOf(now)) return;
        if (after.attempts >= MAX_DRAIN_ATTEMPTS) {
          await finishEvent(t, id, "failed", `Still held after ${after.attempts} attempts: ${after.error ?? "no reason given"}. Replay it from the admin page once the cause is fixed.`);
          await writeAudit(t, { level: "error", source: "system", action: "event.failed", message: `Event ${id} failed: held after ${after.attempts} attempts`, eventId: id });
          continue;
        }
        again = 60;
        return;
      }
    }
    again = 0;
  } catch (err) {
    logError("drain of held events failed", err, { accountId });
    again = 30;
  } finally {
    await releaseLease(t);
    // Something may have been held between the last look and the release: look once more.
    if (again === null) {
      const account = await getAccount(t);
      if (account && !holdOf(account) && (await oldestHeld(t)) !== null) again = 0;
    }
    if (again !== null) await startDrain(env, accountId, again);
  }
}
