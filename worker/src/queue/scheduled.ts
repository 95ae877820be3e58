// Cron: every pass runs the registered periodic tasks (token keep-alive, metadata, reconciliation,
// retention); each task is bounded so one run stays inside the Worker's limits.
import type { Env } from "../env";
import { logError } from "../lib/log";

export type ScheduledTask = (env: Env, now: number, ctx: ExecutionContext) => Promise<void>;

const tasks: { name: string; run: ScheduledTask }[] = [];

export function registerScheduled(name: string, run: ScheduledTask): void {
  tasks.push({ name, run });
}

export async function handleScheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
  for (const task of tasks) {
    try {
      await task.run(env, controller.scheduledTime, ctx);
    } catch (err) {
      logError(`scheduled task ${task.name} failed`, err);
    }
  }
}
