// What every job of an import does to its state: scoped database access, audit steps, sending chunk
// jobs, failing the import and finishing it (done, contact index dropped, error report written).
import type { Env } from "../env";
import { makeDb } from "../db/client";
import { tenant, type Tenant } from "../db/tenant";
import { writeAudit, type AuditEntry } from "../db/audit";
import { failImport, finishIfComplete, importRequests } from "../db/imports";
import { logError } from "../lib/log";
import { dropContactIndex } from "./pipeline-lookup";
import { storeErrorReport } from "./pipeline-report";
import type { CodedText } from "../lib/errors";

export function scope(env: Env, accountId: number): Tenant {
  return tenant(makeDb(env.DB), accountId);
}

export function step(t: Tenant, importId: number, e: Omit<AuditEntry, "source" | "entityType" | "entityId">): Promise<void> {
  return writeAudit(t, { source: "import", entityType: "import", entityId: importId, ...e });
}

export { planOf } from "./pipeline-rows";

export async function sendChunks(env: Env, accountId: number, importId: number, chunks: number[]): Promise<void> {
  for (let i = 0; i < chunks.length; i += 100) {
    await env.SYNC_QUEUE.sendBatch(chunks.slice(i, i + 100).map((chunk) => ({ body: { kind: "import-chunk" as const, accountId, importId, chunk } })));
  }
}

export async function stop(env: Env, t: Tenant, importId: number, message: string | CodedText, data?: Record<string, unknown>): Promise<void> {
  if (await failImport(t, importId, message)) {
    await step(t, importId, { level: "error", action: "import.failed", message: `Import #${importId} failed: ${typeof message === "string" ? message : message.text}`, data });
    await forgetContacts(env, t, importId);
  }
}

/** Once an import ended nobody matches rows against its contact index any more. */
export async function forgetContacts(env: Env, t: Tenant, importId: number): Promise<void> {
  await dropContactIndex(env, t.accountId, importId).catch((err: unknown) => logError("import contact index not deleted", err, { importId }));
}

export async function stopped(env: Env, t: Tenant, importId: number, message: string | CodedText, data?: Record<string, unknown>): Promise<null> {
  await stop(env, t, importId, message, data);
  return null;
}


/** Marks the import done when no row waits any more (exactly one job wins), then the report. */
export async function finish(env: Env, t: Tenant, importId: number): Promise<void> {
  const done = await finishIfComplete(t, importId);
  if (!done) return;
  await forgetContacts(env, t, importId);
  const hasErrors = done.failed + done.skipped > 0;
  const key = hasErrors ? await storeErrorReport(env, t, done).catch((err: unknown) => {
    logError("import error report failed", err, { importId });
    return null;
  }) : null;
  const requests = await importRequests(t, importId);
  const seconds = done.startedAt ? Math.max(0.001, ((done.finishedAt ?? Date.now()) - done.startedAt) / 1000) : null;
  await step(t, importId, {
    action: "import.finished",
    message: `Import #${importId} finished: ${done.created} created, ${done.updated} added to existing contacts, ${done.skipped} skipped, ${done.failed} failed of ${done.total}; ${requests} amoCRM request(s)${done.total ? ` (${(requests / done.total).toFixed(3)} per row)` : ""}${seconds ? ` in ${seconds.toFixed(1)} s` : ""}${key ? "; error report ready" : ""}.`,
    data: { total: done.total, created: done.created, updated: done.updated, skipped: done.skipped, failed: done.failed, requestsTotal: requests, seconds, report: key !== null },
  });
}

