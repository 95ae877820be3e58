// Worker entry: HTTP (Hono), the hook-intake and sync queues and their dead letters, the cron, and the Durable Objects.
import { createApp } from "./app";
import type { Env } from "./env";
import type { HookMessage, JobMessage } from "./queue/messages";
import { handleQueue } from "./queue/consumer";
import { handleScheduled } from "./queue/scheduled";

export { AmoAccountGate } from "./amocrm/gate";
export { LptConnectionGate } from "./lptracker/gate";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch, env, ctx) => handleQueue(batch, env, ctx),
  scheduled: (controller, env, ctx) => handleScheduled(controller, env, ctx),
} satisfies ExportedHandler<Env, JobMessage | HookMessage>;
