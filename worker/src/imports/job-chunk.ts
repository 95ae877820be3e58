// The `import-chunk` job: writes one chunk's rows to amoCRM inside one of the import's slots, then
// goes on with the next chunk nobody holds; the last job to finish marks the import done.
import type { Env } from "../env";
import type { Tenant } from "../db/tenant";
import { chunkDone, chunkHasPending, chunksWithPending, getImport, importStatus, type ImportRow } from "../db/imports";
import { amoGate } from "../amocrm/gate";
import { widgetSwitchedOff } from "../db/accounts";
import { sleep } from "../lib/budget";
import { RetryLater } from "../queue/retry";
import { CountingAmoClient, ImportStopped } from "./pipeline-amo";
import { processLeadChunk, type ChunkContext, type ChunkResult } from "./pipeline-leads";
import { processCallChunk } from "./pipeline-calls";
import { finish, planOf, scope, step, stop } from "./job-state";

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
      await stop(env, t, imp.id, err.coded, { chunk, amoRequests: amo.requests });
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
    message: `Import #${imp.id}, chunk ${chunk + 1}/${imp.chunks}${result.stopped ? " stopped (the import was stopped or the widget switched off)" : " done"}: ${result.created} created, ${result.updated} added to existing contacts, ${result.skipped} skipped, ${result.failed} failed; ${amo.requests} amoCRM request(s).`,
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
  // Switched off in amoCRM: the rows wait; switching on sends the chunks again (resumeImports).
  if (await widgetSwitchedOff(t)) return;
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

