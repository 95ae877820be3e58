// The `import-parse` job: reads the uploaded file once under a lock, looks up existing contacts,
// stores the rows in chunks and starts the chunk jobs (the first ones right here).
import type { Env } from "../env";
import { widgetSwitchedOff } from "../db/accounts";
import type { Tenant } from "../db/tenant";
import { beginProcessing, chunksWithPending, deleteImportRows, getImport, insertImportRows, type ImportRow } from "../db/imports";
import { amoGate } from "../amocrm/gate";
import { RetryLater } from "../queue/retry";
import { ERRORS } from "../lib/errors";
import { isImportFileError } from "./errors";
import { missingColumns } from "./normalize";
import { readImportFile } from "./read";
import { headerMapping, prepareRows, type ImportPlan, type PreparedImport } from "./pipeline-rows";
import { lookUpContacts, lookupMessage, storeContactIndex } from "./pipeline-lookup";
import { CountingAmoClient, ImportStopped } from "./pipeline-amo";
import { accountTimeZone } from "./zone";
import { CHUNKS_IN_FLIGHT, runImportChunkJob } from "./job-chunk";
import { finish, forgetContacts, planOf, scope, sendChunks, step, stopped } from "./job-state";
import { codedText } from "../lib/errors";

/**
 * An active import without progress for this long has lost the queue message it waits for (a
 * crash, a redeploy, a local reload): the cron sends it again. Longer than a parse ever takes.
 */
export const STALLED_AFTER_MS = 10 * 60_000;

export async function runImportParseJob(env: Env, accountId: number, importId: number): Promise<void> {
  const t = scope(env, accountId);
  const imp = await getImport(t, importId);
  if (!imp) return;
  // Switched off in amoCRM: nothing is read from amoCRM or written to it; switching on sends this job again.
  if (await widgetSwitchedOff(t)) {
    await step(t, importId, { level: "warn", action: "import.paused", message: `Import #${importId} waits: the widget is switched off in amoCRM; it continues when it is switched on.` });
    return;
  }
  if (imp.status === "processing") {
    // A redelivery after the rows were stored: the chunk jobs may not all have been sent.
    await sendChunks(env, accountId, importId, await chunksWithPending(t, importId));
    return;
  }
  if (imp.status !== "parsing") return;
  // Only one job parses: a second one (a redelivery, or the cron's re-drive while the first still
  // runs) would write the rows twice. If the holder died, the cron re-drives once the lock expired.
  const gate = amoGate(env, accountId);
  const lock = await gate.tryLock([parseKey(importId)], STALLED_AFTER_MS);
  if (!lock) return;
  let prepared: PreparedImport | null;
  try {
    // Read again under the lock: a job that finished parsing meanwhile has moved the import on.
    const current = await getImport(t, importId);
    if (current?.status !== "parsing") return;
    prepared = await parseAndStore(env, t, current);
  } finally {
    await gate.unlock(lock);
  }
  if (!prepared) return;
  if (prepared.chunks === 0) {
    await finish(env, t, importId);
    return;
  }
  await sendChunks(env, accountId, importId, Array.from({ length: prepared.chunks - 1 }, (_, i) => i + 1));
  // The first chunks start right here, one per slot, instead of one queue hop later: while one
  // chunk ends and the next is read, the other keeps the budget busy. A chunk that cannot finish
  // now is left to its own job (the first one's is sent here; a crash before that is covered by
  // the redelivery branch above).
  const inline = Array.from({ length: Math.min(CHUNKS_IN_FLIGHT, prepared.chunks) }, (_, chunk) => chunk);
  await Promise.all(
    inline.map(async (chunk) => {
      try {
        await runImportChunkJob(env, accountId, importId, chunk);
      } catch (err) {
        if (chunk !== 0) return;
        const delaySeconds = err instanceof RetryLater ? err.delaySeconds : 5;
        await env.SYNC_QUEUE.send({ kind: "import-chunk", accountId, importId, chunk: 0 }, { delaySeconds });
      }
    }),
  );
}

/**
 * Reads the file, looks up existing contacts, stores the rows and moves the import to processing;
 * null when it stopped instead (bad file, no access) or was cancelled meanwhile.
 */
async function parseAndStore(env: Env, t: Tenant, imp: ImportRow): Promise<PreparedImport | null> {
  const importId = imp.id;
  const plan = planOf(imp);
  const began = Date.now();

  const object = await env.FILES.get(imp.fileKey);
  if (!object) return stopped(env, t, importId, codedText("import_file_gone"));
  // Dates without a zone are the account's wall-clock times.
  const zone = await accountTimeZone(env, t);
  let prepared: PreparedImport;
  try {
    const bytes = new Uint8Array(await object.arrayBuffer());
    const book = readImportFile(bytes, imp.fileName, {
      ...(plan.sheet !== undefined ? { sheet: plan.sheet } : {}),
      ...(plan.headerRow !== undefined ? { headerRow: plan.headerRow } : {}),
    });
    const mapping = headerMapping(book.headers, plan.columns);
    const missing = missingColumns(plan.kind, mapping);
    if (missing) return stopped(env, t, importId, ERRORS[missing].detail);
    prepared = prepareRows(plan.kind, book.headers, book.rows, mapping, book.rowNumbers, { timeZone: zone.timeZone, date1904: book.date1904 });
  } catch (err) {
    if (isImportFileError(err)) return stopped(env, t, importId, err.message, { code: err.code });
    throw err;
  }
  const parseMs = Date.now() - began;

  // The rows are stored while the contact list is read: that mostly waits on the account's budget.
  // A retried parse starts from a clean table: rows are only ever written by this job.
  const rows = prepared.rows;
  const storing = deleteImportRows(t, importId).then(() => insertImportRows(t, importId, rows));
  const amo = new CountingAmoClient(env, t.accountId);
  const [stored, looked] = await Promise.allSettled([storing, plan.kind === "leads" ? lookUpContacts(amo, prepared) : null]);
  if (looked.status === "rejected") {
    if (looked.reason instanceof ImportStopped) return stopped(env, t, importId, looked.reason.coded);
    throw looked.reason;
  }
  if (stored.status === "rejected") throw stored.reason;
  const lookup = looked.value?.decision;
  if (looked.value?.index) await storeContactIndex(env, t.accountId, importId, looked.value.index);
  const finalPlan: ImportPlan = { ...plan, ...(lookup ? { lookup } : {}) };
  const started = await beginProcessing(t, importId, { total: prepared.rows.length, chunks: prepared.chunks, skipped: prepared.duplicates, failed: prepared.failed, plan: finalPlan });
  if (!started) {
    // Cancelled while the contact list was read: the list just stored has no reader.
    if (looked.value?.index) await forgetContacts(env, t, importId);
    return null;
  }
  await step(t, importId, {
    action: "import.parsed",
    message: `Import #${importId}: ${prepared.rows.length} row(s) read in ${parseMs} ms; ${prepared.pending} to send in ${prepared.chunks} chunk(s), ${prepared.failed} refused, ${prepared.duplicates} repeated in the file; dates read in ${zone.timeZone}${zone.known ? "" : " (assumed: amoCRM did not say)"}.`,
    data: { rows: prepared.rows.length, pending: prepared.pending, failed: prepared.failed, duplicates: prepared.duplicates, chunks: prepared.chunks, parseMs, timeZone: zone.timeZone },
  });
  if (lookup) {
    await step(t, importId, { action: "import.lookup", message: lookupMessage(lookup), data: { ...lookup, amoRequests: amo.requests } });
  }
  return prepared;
}

const parseKey = (importId: number) => `import:${importId}:parse`;
