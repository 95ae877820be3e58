// The second half of both webhook intakes (LPTracker and amoCRM). The edge puts each accepted event on the
// hook-intake queue (durable once `send` resolves) and answers; this consumer writes a whole batch
// to D1 in a few round trips under the events' dedupe keys and hands each new event to sync-jobs.
// A duplicate delivery meets the unique key and stops here; a redelivery of the same message finds
// the row its earlier attempt wrote and hands it on again (the sync job skips finished events).
import type { Env } from "../../env";
import type { HookMessage, JobMessage } from "../../queue/messages";
import { makeDb } from "../../db/client";
import { tenant } from "../../db/tenant";
import { getProject } from "../../db/lptracker";
import { eventIdByDedupeKey, insertEvent, insertEventQuery, type NewEvent } from "../../db/events";
import { writeAudit } from "../../db/audit";
import { logInfo } from "../../lib/log";
import { deadEventJob } from "../run/run-event";

export const HOOK_QUEUE_NAME = "hook-intake";

/** Inserts per D1 batch, and messages per `sendBatch` (the queue's own cap is 100). */
const INSERTS_PER_BATCH = 50;
const SENDS_PER_BATCH = 100;

function eventOf(msg: HookMessage): NewEvent {
  return {
    source: msg.source ?? "lptracker",
    action: msg.action,
    dedupeKey: msg.dedupeKey,
    projectId: msg.projectId,
    externalId: msg.externalId,
    payload: msg.payload,
    receivedAt: msg.receivedAt,
  };
}

export async function storeHooks(env: Env, messages: readonly Message<HookMessage>[]): Promise<void> {
  const db = makeDb(env.DB);
  // The edge may have known a key from memory; a project disconnected since then takes no events.
  const live = new Map<string, boolean>();
  const kept: Message<HookMessage>[] = [];
  for (const m of messages) {
    if (m.body.projectId === null) {
      kept.push(m);
      continue;
    }
    const key = `${m.body.accountId}:${m.body.projectId}`;
    if (!live.has(key)) live.set(key, (await getProject(tenant(db, m.body.accountId), m.body.projectId))?.enabled === true);
    if (live.get(key)) kept.push(m);
    else logInfo("LPTracker webhook dropped: its project was disconnected", { accountId: m.body.accountId, projectId: m.body.projectId });
  }
  const ids: (number | null)[] = [];
  for (let i = 0; i < kept.length; i += INSERTS_PER_BATCH) {
    const [first, ...rest] = kept.slice(i, i + INSERTS_PER_BATCH).map((m) => insertEventQuery(tenant(db, m.body.accountId), eventOf(m.body)));
    const results = await db.batch([first!, ...rest]);
    for (const rows of results) ids.push(rows[0]?.id ?? null);
  }
  const jobs: JobMessage[] = [];
  for (const [i, m] of kept.entries()) {
    let id = ids[i] ?? null;
    // On its first delivery a taken key means the same webhook came before: acknowledged, not processed again.
    if (id === null && m.attempts > 1) id = await eventIdByDedupeKey(tenant(db, m.body.accountId), m.body.dedupeKey);
    if (id !== null) jobs.push({ kind: "event", accountId: m.body.accountId, eventId: id });
  }
  for (let i = 0; i < jobs.length; i += SENDS_PER_BATCH) {
    await env.SYNC_QUEUE.sendBatch(jobs.slice(i, i + SENDS_PER_BATCH).map((body) => ({ body })));
  }
}

/** Out of retries: the event is kept as failed (written now if it never was), never dropped. */
export async function deadHookJob(env: Env, msg: HookMessage, attempts: number): Promise<void> {
  const t = tenant(makeDb(env.DB), msg.accountId);
  const existing = await eventIdByDedupeKey(t, msg.dedupeKey);
  if (existing !== null) return deadEventJob(env, msg.accountId, existing, attempts);
  const reason = `Gave up after ${attempts} attempts to store the webhook. Replay it from the admin page once the cause is fixed.`;
  const id = await insertEvent(t, { ...eventOf(msg), status: "failed", error: reason });
  if (id !== null) await writeAudit(t, { level: "error", source: "system", action: "event.failed", message: `Event ${id} failed: ${reason}`, eventId: id });
}
