// Decides when a «Синхронизировать» press is over: the card is polled until every queued event
// shows up as a lead's last event in a final state.
import type { CardResponse } from "../../worker/src/api-types";

/** Event states after which nothing more happens without someone acting (parked waits for a reinstall). */
const FINAL = new Set(["done", "failed", "skipped", "rejected", "parked"]);

export function isFinalStatus(status: string): boolean {
  return FINAL.has(status);
}

export type SyncProgress =
  | { state: "running" }
  | { state: "done" }
  | { state: "failed"; errors: string[] };

/**
 * `eventIds` are the events POST card/sync queued. A lead whose last event is newer than the
 * queued one counts as finished with that newer event: someone else synced it meanwhile.
 */
export function syncProgress(card: CardResponse, eventIds: number[]): SyncProgress {
  const last = card.leads.map((l) => l.lastEvent).filter((e): e is NonNullable<typeof e> => e !== null);
  for (const id of eventIds) {
    const seen = last.some((e) => e.id >= id);
    if (!seen) return { state: "running" };
  }
  const first = Math.min(...eventIds);
  if (last.some((e) => e.id >= first && !isFinalStatus(e.status))) return { state: "running" };
  const errors = last
    .filter((e) => e.id >= first && (e.status === "failed" || e.status === "rejected"))
    .map((e) => e.error ?? "")
    .filter((msg, i, all) => all.indexOf(msg) === i);
  return errors.length ? { state: "failed", errors } : { state: "done" };
}

/** Poll quickly at first (a local queue delivers in about a second), then back off. */
export function pollDelayMs(attempt: number): number {
  return Math.min(1000 + attempt * 500, 4000);
}

export const SYNC_WAIT_LIMIT_MS = 45_000;
