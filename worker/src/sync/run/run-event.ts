// Runs one stored event through its sync job and records how it ended. Finished events are not
// run again (a duplicate delivery is a no-op); transient failures go back to the queue with a
// delay; an account that cannot sync now holds the event (sync/run/hold.ts); the rest fail with a reason.
import type { Env } from "../../env";
import { makeDb } from "../../db/client";
import { tenant, type Tenant } from "../../db/tenant";
import { claimEvent, finishEvent, getEvent, type EventRow } from "../../db/events";
import { getAccount } from "../../db/accounts";
import { writeAudit } from "../../db/audit";
import { RetryLater } from "../../queue/retry";
import { classifyError } from "./outcome";
import { syncLptEvent, type JobResult } from "./lpt-to-amo";
import { syncAmoEvent } from "./amo-to-lpt";
import { runDpEvent } from "./dp-action";
import { isUnsortedEvent, runUnsortedEvent } from "../plan/unsorted";
import { logError } from "../../lib/log";
import { codedText } from "../../lib/errors";
import { sharedRead } from "./shared-read";
import { holdOf, olderHeld, startDrain } from "./hold";
import { errorText } from "../../lib/error-text";

async function dispatch(env: Env, t: Tenant, event: EventRow): Promise<JobResult> {
  if (event.source === "amocrm" && event.action === "dp") return runDpEvent(env, t, event);
  if (isUnsortedEvent(event)) return runUnsortedEvent(env, t, event);
  if (event.source === "amocrm") return syncAmoEvent(env, t, event);
  return syncLptEvent(env, t, event);
}

export async function runEventJob(env: Env, accountId: number, eventId: number): Promise<void> {
  const t = tenant(makeDb(env.DB), accountId);
  const account = await sharedRead(`account:${accountId}`, () => getAccount(t));
  const before = await getEvent(t, eventId);
  if (!before || ["done", "skipped", "rejected"].includes(before.status)) return;
  if (!account) {
    await finishEvent(t, eventId, "skipped", "The integration is not installed for this account.");
    return;
  }
  // Held, not failed: switched off, disabled, or still waiting for amoCRM's tokens (sync/run/hold.ts).
  const hold = holdOf(account);
  if (hold) {
    await finishEvent(t, eventId, hold.status, hold.reason);
    return;
  }
  // Order: while older events wait for the drain, a newer one queues behind them.
  if (await olderHeld(t, eventId)) {
    await finishEvent(t, eventId, "parked", codedText("event_queued_behind"));
    await startDrain(env, accountId);
    return;
  }
  const event = await claimEvent(t, eventId);
  if (!event) return;
  if (event.attempts === 1) {
    await writeAudit(t, {
      source: event.source,
      action: "event.received",
      message: `${event.source === "amocrm" ? "amoCRM" : "LPTracker"} event «${event.action}» for ${event.source === "amocrm" ? "amoCRM" : "LPTracker"} lead ${event.externalId ?? "?"}.`,
      eventId,
      entityType: event.source === "amocrm" ? "amo_lead" : "lpt_lead",
      entityId: event.externalId ?? undefined,
    });
  }
  try {
    const result = await dispatch(env, t, event);
    // The LPTracker sync job records its status in its own final batch (sync/run/lpt-to-amo.ts).
    if (!result.recorded) {
      await finishEvent(t, eventId, result.status, result.status === "skipped" ? result.note : null);
      await writeAudit(t, { source: "system", action: `event.${result.status}`, message: `Event ${eventId} ${result.status}: ${result.note}.`, eventId });
    }
  } catch (err) {
    if (err instanceof RetryLater) {
      await finishEvent(t, eventId, "processing", `Will retry: ${err.message}`);
      throw err;
    }
    const outcome = classifyError(err);
    if (!outcome) {
      logError("sync job crashed", err, { accountId, eventId });
      await finishEvent(t, eventId, "processing", `Will retry after an unexpected error: ${errorText(err)}`);
      throw err;
    }
    if (outcome.kind === "retry") {
      await finishEvent(t, eventId, "processing", `Will retry: ${outcome.reason}`);
      throw new RetryLater(outcome.delaySeconds, outcome.reason);
    }
    if (outcome.kind === "park") {
      await finishEvent(t, eventId, "parked", outcome.reason);
      await writeAudit(t, { level: "warn", source: "system", action: "event.parked", message: `Event ${eventId} parked: ${outcome.reason.text}`, eventId });
      return;
    }
    await finishEvent(t, eventId, "failed", outcome.reason);
    await writeAudit(t, { level: "error", source: "system", action: "event.failed", message: `Event ${eventId} failed: ${outcome.reason}`, eventId });
  }
}

/** The dead-letter consumer: the queue gave up, so the event fails visibly and can be replayed. */
export async function deadEventJob(env: Env, accountId: number, eventId: number, attempts: number): Promise<void> {
  const t = tenant(makeDb(env.DB), accountId);
  const event = await getEvent(t, eventId);
  if (!event || ["done", "skipped", "rejected", "parked", "paused"].includes(event.status)) return;
  const reason = `Gave up after ${Math.max(attempts, event.attempts)} attempts: ${event.error ?? "no answer"}. Replay it from the admin page once the cause is fixed.`;
  await finishEvent(t, eventId, "failed", reason);
  await writeAudit(t, { level: "error", source: "system", action: "event.failed", message: `Event ${eventId} failed: ${reason}`, eventId });
}
