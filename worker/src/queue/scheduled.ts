// Cron entry: every pass runs the bounded periodic tasks of queue/cron.ts.
import type { Env } from "../env";
import { runCron } from "./cron";
import { logInfo } from "../lib/log";

export async function handleScheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<void> {
  const result = await runCron(env, controller.scheduledTime);
  logInfo("cron pass", result);
}
