// Queue consumer: dispatches each message by kind; the dead-letter queue marks what it gets failed.
import type { Env } from "../env";
import type { JobMessage } from "./messages";
import { logError } from "../lib/log";

export const DEAD_LETTER_QUEUE = "sync-jobs-dlq";

export type JobHandler = (msg: JobMessage, env: Env, ctx: ExecutionContext, attempts: number) => Promise<void>;

const handlers: Partial<Record<JobMessage["kind"], JobHandler>> = {};
const deadHandlers: Partial<Record<JobMessage["kind"], JobHandler>> = {};

/** Areas register their job handlers here (install, event, imports, metadata). */
export function registerJob(kind: JobMessage["kind"], handler: JobHandler, onDead?: JobHandler): void {
  handlers[kind] = handler;
  if (onDead) deadHandlers[kind] = onDead;
}

export async function handleQueue(batch: MessageBatch<JobMessage>, env: Env, ctx: ExecutionContext): Promise<void> {
  const dead = batch.queue === DEAD_LETTER_QUEUE || batch.queue.endsWith("-dlq");
  for (const message of batch.messages) {
    const body = message.body;
    const handler = (dead ? deadHandlers : handlers)[body.kind];
    if (!handler) {
      logError("no handler for job", new Error(body.kind), { queue: batch.queue });
      message.ack();
      continue;
    }
    try {
      await handler(body, env, ctx, message.attempts);
      message.ack();
    } catch (err) {
      if (dead) {
        logError("dead-letter handler failed", err, { kind: body.kind });
        message.ack();
        continue;
      }
      const delaySeconds = err instanceof RetryLater ? err.delaySeconds : Math.min(2 ** message.attempts, 300);
      message.retry({ delaySeconds });
    }
  }
}

/** Thrown by a job to be retried after a given delay (a 429's Retry-After, a budget wait). */
export class RetryLater extends Error {
  constructor(
    readonly delaySeconds: number,
    reason: string,
  ) {
    super(reason);
  }
}
