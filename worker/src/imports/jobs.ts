// Queue jobs of an import: `import-parse` reads the uploaded file once, stores its rows in chunks and
// sends one `import-chunk` job per chunk (job-parse.ts); chunk jobs write rows to amoCRM (job-chunk.ts);
// here, what the cron and the dead-letter queue do for an import that stalled or failed.
import type { Env } from "../env";
import type { Tenant } from "../db/tenant";
import { widgetSwitchedOff } from "../db/accounts";
import { writeAudit } from "../db/audit";
import { chunksWithPending, importStatus, runningImportIds } from "../db/imports";
import { finish, scope, sendChunks, stop } from "./job-state";
import { codedText } from "../lib/errors";

export { runImportParseJob, STALLED_AFTER_MS } from "./job-parse";
export { CHUNKS_IN_FLIGHT, runImportChunkJob } from "./job-chunk";

/**
 * Sends again what a stalled import waits for: its parse job, or one job per chunk that still has
 * rows pending (a chunk job finds nothing to do once another wrote its rows); with no row pending
 * it only needed finishing. Returns what was done.
 */
export async function redriveImport(env: Env, accountId: number, importId: number): Promise<"parse" | "chunks" | "finish" | null> {
  const t = scope(env, accountId);
  // Switched off in amoCRM: the import waits for the switch-on (resumeImports), not for the cron.
  if (await widgetSwitchedOff(t)) return null;
  const status = await importStatus(t, importId);
  if (status === "parsing") {
    await env.SYNC_QUEUE.send({ kind: "import-parse", accountId, importId });
    return "parse";
  }
  if (status !== "processing") return null;
  const chunks = await chunksWithPending(t, importId);
  if (chunks.length === 0) {
    await finish(env, t, importId);
    return "finish";
  }
  await sendChunks(env, accountId, importId, chunks);
  return "chunks";
}

/** The widget was switched on again: the imports it held continue with the rows not yet written. */
export async function resumeImports(env: Env, t: Tenant): Promise<number> {
  const ids = await runningImportIds(t);
  let resumed = 0;
  for (const id of ids) if (await redriveImport(env, t.accountId, id)) resumed++;
  if (resumed) await writeAudit(t, { source: "import", action: "imports.resumed", message: `${resumed} import(s) held while the widget was switched off continue with the rows not yet written.`, data: { imports: ids } });
  return resumed;
}

/** The queue gave up on a job of this import: the import fails visibly instead of hanging. */
export async function deadImportJob(env: Env, accountId: number, importId: number, attempts: number): Promise<void> {
  const t = scope(env, accountId);
  await stop(
    env,
    t,
    importId,
    codedText("import_gave_up", { attempts }),
    { attempts },
  );
}
