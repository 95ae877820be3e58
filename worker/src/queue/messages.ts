// Messages on the sync queue. Each carries its tenant so the consumer never guesses it.
export type JobMessage =
  | { kind: "event"; accountId: number; eventId: number }
  | { kind: "install"; installId: string }
  | { kind: "import-parse"; accountId: number; importId: number }
  | { kind: "import-chunk"; accountId: number; importId: number; chunk: number }
  | { kind: "metadata"; accountId: number }
  /** An uninstall hook waiting for amoCRM to confirm that our access is gone. */
  | { kind: "disconnect-check"; accountId: number; variant: string; requestId?: string; recheck: boolean }
  /** Runs an account's held (parked/paused) events in arrival order: sync/run/hold.ts. */
  | { kind: "drain"; accountId: number }

  | { kind: "list-job"; accountId: number; jobId: number };

/** A webhook (LPTracker or amoCRM) accepted at the edge and not yet stored (hook-intake queue). */
export interface HookMessage {
  kind: "hook";
  /** Absent on messages queued before amoCRM webhooks took this path: those are LPTracker's. */
  source?: "lptracker" | "amocrm";
  accountId: number;
  /** The LPTracker project; null for amoCRM webhooks. */
  projectId: number | null;
  action: string;
  dedupeKey: string;
  externalId: string | null;
  payload: string;
  receivedAt: number;
}
