// Queue jobs of an import: `import-parse` reads the uploaded file once, stores its rows in chunks and
// sends one `import-chunk` job per chunk; chunk jobs write rows to amoCRM (and take on chunks nobody
// holds); the last to finish marks the import done and leaves the error report. Dead letters fail it.
import type { Env } from "../env";
import { makeDb } from "../db/client";
import { tenant, type Tenant } from "../db/tenant";
import { writeAudit, type AuditEntry } from "../db/audit";
import {
  beginProcessing,
  chunkDone,
  chunkHasPending,
  chunksWithPending,
  deleteImportRows,
  failImport,
  finishIfComplete,
  getImport,
  importRequests,
  importStatus,
  insertImportRows,
  type ImportRow,
} from "../db/imports";
import { amoGate } from "../amocrm/gate";
import { sleep } from "../lib/budget";
import { logError } from "../lib/log";
import { RetryLater } from "../queue/retry";
import { isImportFileError } from "./errors";
import { missingColumns } from "./normalize";
import { readWorkbook } from "./read";
import { sniffFile } from "./sniff";
import { headerMapping, prepareRows, type ImportPlan, type LookupDecision, type PreparedImport } from "./pipeline-rows";
import { dropContactIndex, matchContact, prefetchContacts, prefetchPageBudget, storeContactIndex, wantedKeys, type ContactIndex } from "./pipeline-lookup";
import { CountingAmoClient, ImportStopped, rethrowUnlessBatchProblem } from "./pipeline-amo";
import { processLeadChunk, type ChunkContext, type ChunkResult } from "./pipeline-leads";
import { processCallChunk } from "./pipeline-calls";
import { storeErrorReport } from "./pipeline-report";
import { accountTimeZone } from "./zone";
import { ERRORS } from "../lib/errors";

/**
 * Chunks of one import writing at the same time, each on LANES_PER_CHUNK lanes: enough requests
 * waiting to keep the account's budget busy, few enough that a cancel strands little inside the gate
 * (a request already waiting there is sent; what a lane has not taken yet never is).
 */
export const CHUNKS_IN_FLIGHT = 2;
const SLOT_TTL_MS = 120_000;
const SLOT_POLL_MS = 500;
const SLOT_WAIT_MS = 10 * 60_000;
const CHUNK_LOCK_MS = 15 * 60_000;
/** How long one job goes on taking further chunks, well inside a queue consumer's wall-time limit. */
const WORK_MS = 5 * 60_000;
/**
 * An active import without progress for this long has lost the queue message it waits for (a
 * crash, a redeploy, a local reload): the cron sends it again. Longer than a parse ever takes.
 */
export const STALLED_AFTER_MS = 10 * 60_000;

function scope(env: Env, accountId: number): Tenant {
  return tenant(makeDb(env.DB), accountId);
}

function step(t: Tenant, importId: number, e: Omit<AuditEntry, "source" | "entityType" | "entityId">): Promise<void> {
  return writeAudit(t, { source: "import", entityType: "import", entityId: importId, ...e });
}

function planOf(imp: ImportRow): ImportPlan {
  return imp.mapping as unknown as ImportPlan;
}

async function sendChunks(env: Env, accountId: number, importId: number, chunks: number[]): Promise<void> {
  for (let i = 0; i < chunks.length; i += 100) {
    await env.SYNC_QUEUE.sendBatch(chunks.slice(i, i + 100).map((chunk) => ({ body: { kind: "import-chunk" as const, accountId, importId, chunk } })));
  }
}

async function stop(env: Env, t: Tenant, importId: number, message: string, data?: Record<string, unknown>): Promise<void> {
  if (await failImport(t, importId, message)) {
    await step(t, importId, { level: "error", action: "import.failed", message: `Import #${importId} failed: ${message}`, data });
    await forgetContacts(env, t, importId);
  }
}

/** Once an import ended nobody matches rows against its contact index any more. */
async function forgetContacts(env: Env, t: Tenant, importId: number): Promise<void> {
  await dropContactIndex(env, t.accountId, importId).catch((err: unknown) => logError("import contact index not deleted", err, { importId }));
}

/**
 * Existing contacts for the rows that need one: the contact list is read only while its pages stay
 * fewer than those rows (then it is certainly the cheaper way); otherwise each row is searched later.
 * The rows are left as they are (they are being stored meanwhile); chunks match them with `index`.
 */
async function lookUpContacts(amo: CountingAmoClient, prepared: PreparedImport): Promise<{ decision: LookupDecision; index: ContactIndex | null }> {
  const needing = prepared.rows.filter((r) => r.status === "pending" && r.data.row);
  const decision: LookupDecision = { strategy: "none", rows: needing.length, pages: 0, contactsSeen: 0, matched: 0 };
  if (needing.length === 0) return { decision, index: null };
  const budget = prefetchPageBudget(needing.length);
  if (budget > 0) {
    const pre = await prefetchContacts(amo, budget, wantedKeys(needing.map((r) => r.data.row!))).catch((err: unknown) => {
      throw rethrowUnlessBatchProblem(err);
    });
    decision.pages = pre.pages;
    decision.contactsSeen = pre.contacts;
    if (pre.complete) {
      decision.strategy = "prefetch";
      decision.matched = needing.filter((r) => matchContact(pre.index, r.data.row!) !== null).length;
      return { decision, index: pre.index };
    }
  }
  decision.strategy = "query";
  return { decision, index: null };
}

function lookupMessage(d: LookupDecision): string {
  if (d.strategy === "prefetch") {
    return `Existing contacts: read the whole contact list (${d.pages} page(s), ${d.contactsSeen} contacts) instead of at least ${d.rows} searches; ${d.matched} row(s) matched.`;
  }
  if (d.strategy === "query") {
    return d.pages > 0
      ? `Existing contacts: the list had more than ${d.pages} page(s), more than the ${d.rows} row(s) to look up; each row is searched instead (${d.pages} page request(s) spent finding that out).`
      : `Existing contacts: ${d.rows} row(s) to look up, so one search per row is the cheapest.`;
  }
  return "Existing contacts: no row needed a lookup.";
}

export async function runImportParseJob(env: Env, accountId: number, importId: number): Promise<void> {
  const t = scope(env, accountId);
  const imp = await getImport(t, importId);
  if (!imp) return;
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
  if (!object) return stopped(env, t, importId, "Загруженный файл не найден в хранилище; загрузите его снова. / The uploaded file is missing from storage; upload it again.");
  // Dates without a zone are the account's wall-clock times.
  const zone = await accountTimeZone(env, t);
  let prepared: PreparedImport;
  try {
    const bytes = new Uint8Array(await object.arrayBuffer());
    const book = readWorkbook(bytes, sniffFile(bytes, imp.fileName).type, {
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
    if (looked.reason instanceof ImportStopped) return stopped(env, t, importId, looked.reason.message);
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

async function stopped(env: Env, t: Tenant, importId: number, message: string, data?: Record<string, unknown>): Promise<null> {
  await stop(env, t, importId, message, data);
  return null;
}

const parseKey = (importId: number) => `import:${importId}:parse`;
const slotKey = (importId: number, k: number) => `import:${importId}:slot:${k}`;
const chunkKey = (importId: number, chunk: number) => `import:${importId}:chunk:${chunk}`;

/**
 * A slot among CHUNKS_IN_FLIGHT, waited for inside the job; null when the import stopped or when
 * `stillNeeded` says another job already wrote this chunk's rows meanwhile.
 */
async function takeSlot(env: Env, t: Tenant, importId: number, stillNeeded: () => Promise<boolean>): Promise<string | null> {
  const gate = amoGate(env, t.accountId);
  const until = Date.now() + SLOT_WAIT_MS;
  for (let round = 0; ; round++) {
    for (let k = 0; k < CHUNKS_IN_FLIGHT; k++) {
      const token = await gate.tryLock([slotKey(importId, k)], SLOT_TTL_MS);
      if (token) return token;
    }
    if (round % 4 === 3 && ((await importStatus(t, importId)) !== "processing" || !(await stillNeeded()))) return null;
    if (Date.now() > until) throw new RetryLater(30, "every chunk slot of this import stayed busy");
    await sleep(SLOT_POLL_MS);
  }
}

/** The first chunk after `after` that still has rows waiting and that nobody holds, locked for us. */
async function claimNextChunk(env: Env, t: Tenant, importId: number, after: number): Promise<{ chunk: number; token: string } | null> {
  const gate = amoGate(env, t.accountId);
  const waiting = await chunksWithPending(t, importId);
  for (const chunk of [...waiting.filter((c) => c > after), ...waiting.filter((c) => c <= after)]) {
    const token = await gate.tryLock([chunkKey(importId, chunk)], CHUNK_LOCK_MS);
    if (token) return { chunk, token };
  }
  return null;
}

async function processChunk(env: Env, t: Tenant, imp: ImportRow, chunk: number): Promise<ChunkResult> {
  const amo = new CountingAmoClient(env, t.accountId);
  const ctx: ChunkContext = { env, t, imp, plan: planOf(imp), amo };
  let result: ChunkResult;
  try {
    result = ctx.plan.kind === "calls" ? await processCallChunk(ctx, chunk) : await processLeadChunk(ctx, chunk);
  } catch (err) {
    if (err instanceof ImportStopped) {
      await stop(env, t, imp.id, err.message, { chunk, amoRequests: amo.requests });
      return { stopped: true, rows: 0, created: 0, updated: 0, skipped: 0, failed: 0, problems: [] };
    }
    // The requests were made whatever happens next; the audit row keeps the import's cost exact.
    await step(t, imp.id, {
      level: "warn",
      action: "import.chunk_retry",
      message: `Import #${imp.id}, chunk ${chunk + 1}: interrupted (${(err as Error).message}); it will be retried and continue with the rows not yet written.`,
      data: { chunk, amoRequests: amo.requests },
    });
    throw err;
  }
  if (result.rows === 0 && amo.requests === 0) return result;
  if (result.problems.length) {
    await step(t, imp.id, { level: "warn", action: "import.mapping_problems", message: `Mapping rows not applied: ${result.problems.slice(0, 10).join("; ")}.`, data: { problems: result.problems.slice(0, 50) } });
  }
  await step(t, imp.id, {
    action: result.stopped ? "import.chunk_stopped" : "import.chunk_done",
    message: `Import #${imp.id}, chunk ${chunk + 1}/${imp.chunks}${result.stopped ? " stopped (the import is no longer running)" : " done"}: ${result.created} created, ${result.updated} added to existing contacts, ${result.skipped} skipped, ${result.failed} failed; ${amo.requests} amoCRM request(s).`,
    data: { chunk, rows: result.rows, created: result.created, updated: result.updated, skipped: result.skipped, failed: result.failed, amoRequests: amo.requests },
  });
  if (!result.stopped && result.rows > 0) await chunkDone(t, imp.id);
  return result;
}

/**
 * Writes one chunk, then keeps its slot and goes on with the next chunk nobody holds: the budget
 * never idles while a queued job waits for the slot. Each chunk keeps its own queue job as the
 * safety net; that job finds nothing left to do once its rows are written.
 */
export async function runImportChunkJob(env: Env, accountId: number, importId: number, chunk: number): Promise<void> {
  const t = scope(env, accountId);
  const imp = await getImport(t, importId);
  if (!imp) return;
  if (imp.status === "parsing") throw new RetryLater(2, "the import is still being parsed");
  if (imp.status !== "processing") return;
  const gate = amoGate(env, accountId);
  const slot = await takeSlot(env, t, importId, () => chunkHasPending(t, importId, chunk));
  if (!slot) return finish(env, t, importId);
  const deadline = Date.now() + WORK_MS;
  try {
    // The chunk lock keeps two jobs off the same rows (at-least-once delivery, or a job that took
    // this chunk on). When it is held, the holder's own job is the one retried if it fails.
    const own = await gate.tryLock([chunkKey(importId, chunk)], CHUNK_LOCK_MS);
    let current = own ? { chunk, token: own } : await claimNextChunk(env, t, importId, chunk);
    while (current) {
      let result: ChunkResult;
      try {
        result = await processChunk(env, t, imp, current.chunk);
      } finally {
        await gate.unlock(current.token);
      }
      if (result.stopped || Date.now() > deadline) break;
      current = await claimNextChunk(env, t, importId, current.chunk);
    }
  } finally {
    await gate.unlock(slot);
  }
  await finish(env, t, importId);
}

/** Marks the import done when no row waits any more (exactly one job wins), then the report. */
async function finish(env: Env, t: Tenant, importId: number): Promise<void> {
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

/**
 * Sends again what a stalled import waits for: its parse job, or one job per chunk that still has
 * rows pending (a chunk job finds nothing to do once another wrote its rows); with no row pending
 * it only needed finishing. Returns what was done.
 */
export async function redriveImport(env: Env, accountId: number, importId: number): Promise<"parse" | "chunks" | "finish" | null> {
  const t = scope(env, accountId);
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

/** The queue gave up on a job of this import: the import fails visibly instead of hanging. */
export async function deadImportJob(env: Env, accountId: number, importId: number, attempts: number): Promise<void> {
  const t = scope(env, accountId);
  await stop(
    env,
    t,
    importId,
    `Импорт остановлен после ${attempts} неудачных попыток; уже загруженные строки остались в amoCRM. Запустите импорт заново или обратитесь в поддержку. / The import stopped after ${attempts} failed attempts; rows already written stay in amoCRM. Run the import again or contact support.`,
    { attempts },
  );
}
