// Queue consumer: dispatches each message by kind; the dead-letter queue marks what reaches it
// failed so that nothing disappears silently.
import type { Env } from "../env";
import type { HookMessage, JobMessage } from "./messages";
import { RetryLater } from "./retry";
import { logError } from "../lib/log";
import { runInstallJob } from "../amocrm/install";
import { deadEventJob, runEventJob } from "../sync/run/run-event";
import { runDrainJob } from "../sync/run/hold";
import { deadHookJob, HOOK_QUEUE_NAME, storeHooks } from "../sync/intake/hook-job";
import { deadImportJob, runImportChunkJob, runImportParseJob } from "../imports/jobs";
import { deadDisconnectCheckJob, runDisconnectCheckJob } from "../auth/disconnect";
import { deadListJob, runListJob } from "../sync/run/list-job";

export const DEAD_LETTER_QUEUE = "sync-jobs-dlq";

async function run(msg: JobMessage, env: Env, attempts: number): Promise<void> {
  switch (msg.kind) {
    case "install":
      return runInstallJob(env, msg.installId);
    case "event":
      return runEventJob(env, msg.accountId, msg.eventId);
    case "drain":
      return runDrainJob(env, msg.accountId, runEventJob);
    case "import-parse":
      return runImportParseJob(env, msg.accountId, msg.importId);
    case "import-chunk":
      return runImportChunkJob(env, msg.accountId, msg.importId, msg.chunk);
    case "disconnect-check":
      return runDisconnectCheckJob(env, msg, attempts);
    case "list-job":
      return runListJob(env, msg.accountId, msg.jobId);
    default:
      throw new Error(`no handler for job kind ${msg.kind}`);
  }
}

async function dead(msg: JobMessage | HookMessage, env: Env, attempts: number): Promise<void> {
  if (msg.kind === "event") return deadEventJob(env, msg.accountId, msg.eventId, attempts);
  if (msg.kind === "hook") return deadHookJob(env, msg, attempts);
  if (msg.kind === "import-parse" || msg.kind === "import-chunk") return deadImportJob(env, msg.accountId, msg.importId, attempts);
  if (msg.kind === "disconnect-check") return deadDisconnectCheckJob(env, msg.accountId, attempts);
  if (msg.kind === "list-job") return deadListJob(env, msg.accountId, msg.jobId, attempts);
  logError("job reached the dead-letter queue", new Error(msg.kind), { kind: msg.kind });
}

export async function handleQueue(batch: MessageBatch<JobMessage | HookMessage>, env: Env, _ctx: ExecutionContext): Promise<void> {
  if (batch.queue === HOOK_QUEUE_NAME) return handleHooks(batch, env);
  if (batch.queue === DEAD_LETTER_QUEUE || batch.queue.endsWith("-dlq")) return handleDead(batch, env);
  return handleJobs(batch, env);
}

function isHook(message: Message<JobMessage | HookMessage>): message is Message<HookMessage> {
  return message.body.kind === "hook";
}

async function handleHooks(batch: MessageBatch<JobMessage | HookMessage>, env: Env): Promise<void> {
  const hooks = batch.messages.filter(isHook);
  // Only the edge sends here; anything else would be stored as a webhook it is not.
  if (hooks.length < batch.messages.length) logError("a job message reached the webhook queue; dropped", new Error("not a hook"), { dropped: batch.messages.length - hooks.length });
  // Stored as one unit: a failure retries the batch, and the dedupe keys make that harmless.
  try {
    await storeHooks(env, hooks);
    batch.ackAll();
  } catch (err) {
    const attempts = Math.max(...batch.messages.map((m) => m.attempts));
    logError("storing webhooks failed; the batch will be retried", err, { messages: batch.messages.length, attempts });
    batch.retryAll({ delaySeconds: Math.min(2 ** attempts, 60) });
  }
}

async function handleDead(batch: MessageBatch<JobMessage | HookMessage>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      try {
        await dead(message.body, env, message.attempts);
      } catch (err) {
        logError("dead-letter handler failed", err, { kind: message.body.kind });
      }
      message.ack();
    }),
  );
}

async function handleJobs(batch: MessageBatch<JobMessage | HookMessage>, env: Env): Promise<void> {
  // Messages of a batch run side by side: the account gates keep the APIs within budget and
  // per-person locks keep two jobs from creating the same contact.
  await Promise.all(
    batch.messages.map(async (message) => {
      const body = message.body;
      if (body.kind === "hook") {
        // Webhooks have their own queue and consumer; a stray one here has no job to run.
        logError("a webhook message reached the job queue; dropped", new Error("not a job"), { accountId: body.accountId });
        message.ack();
        return;
      }
      try {
        await run(body, env, message.attempts);
        message.ack();
      } catch (err) {
        const delaySeconds = err instanceof RetryLater ? err.delaySeconds : Math.min(2 ** message.attempts, 300);
        message.retry({ delaySeconds });
      }
    }),
  );
}
