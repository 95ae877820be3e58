// Queue consumer: dispatches each message by kind; the dead-letter queue marks what reaches it
// failed so that nothing disappears silently.
import type { Env } from "../env";
import type { JobMessage } from "./messages";
import { RetryLater } from "./retry";
import { logError } from "../lib/log";
import { runInstallJob } from "../amocrm/install";
import { deadEventJob, runEventJob } from "../sync/run-event";

export const DEAD_LETTER_QUEUE = "sync-jobs-dlq";

async function run(msg: JobMessage, env: Env, _attempts: number): Promise<void> {
  switch (msg.kind) {
    case "install":
      return runInstallJob(env, msg.installId);
    case "event":
      return runEventJob(env, msg.accountId, msg.eventId);
    default:
      throw new Error(`no handler for job kind ${msg.kind}`);
  }
}

async function dead(msg: JobMessage, env: Env, attempts: number): Promise<void> {
  if (msg.kind === "event") return deadEventJob(env, msg.accountId, msg.eventId, attempts);
  logError("job reached the dead-letter queue", new Error(msg.kind), { kind: msg.kind });
}

export async function handleQueue(batch: MessageBatch<JobMessage>, env: Env, _ctx: ExecutionContext): Promise<void> {
  const isDead = batch.queue === DEAD_LETTER_QUEUE || batch.queue.endsWith("-dlq");
  // Messages of a batch run side by side: the account gates keep the APIs within budget and
  // per-person locks keep two jobs from creating the same contact.
  await Promise.all(
    batch.messages.map(async (message) => {
      try {
        if (isDead) await dead(message.body, env, message.attempts);
        else await run(message.body, env, message.attempts);
        message.ack();
      } catch (err) {
        if (isDead) {
          logError("dead-letter handler failed", err, { kind: message.body.kind });
          message.ack();
          return;
        }
        const delaySeconds = err instanceof RetryLater ? err.delaySeconds : Math.min(2 ** message.attempts, 300);
        message.retry({ delaySeconds });
      }
    }),
  );
}
