// Tenant rows of spreadsheet imports and their parsed rows. Status moves only forward through
// conditional updates (uploaded → parsing → processing → done | failed | cancelled), so a late job
// can never revive a cancelled import; counters move with the row statuses in one D1 batch.
import { and, asc, desc, eq, gt, inArray, isNotNull, notExists, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { accounts, auditLog, callResults, importRows, imports } from "./schema";
import { scoped, type Tenant } from "./tenant";
import type { ImportPlan, PreparedRow, RowStatus, StoredRow } from "../imports/pipeline-rows";
import type { CodedText, TextRef } from "../lib/errors";
import { storedRowSchema } from "../contracts/stored";

export type ImportRow = typeof imports.$inferSelect;
export type ImportRowRecord = typeof importRows.$inferSelect;

/** D1 binds at most 100 parameters per statement. */
const MAX_PARAMS = 100;
/** Statements per `db.batch`: big enough to amortise the round trip, small enough to stay quick. */
const STATEMENTS_PER_BATCH = 50;

const ACTIVE = ["uploaded", "parsing", "processing"] as const;
export const TERMINAL = ["done", "failed", "cancelled"] as const;

async function runBatches(t: Tenant, statements: BatchItem<"sqlite">[]): Promise<void> {
  for (let i = 0; i < statements.length; i += STATEMENTS_PER_BATCH) {
    const [first, ...rest] = statements.slice(i, i + STATEMENTS_PER_BATCH);
    if (first) await t.db.batch([first, ...rest]);
  }
}

const mine = (t: Tenant, id: number) => and(eq(imports.accountId, t.accountId), eq(imports.id, id));
const rowsOf = (t: Tenant, id: number) => and(eq(importRows.accountId, t.accountId), eq(importRows.importId, id));

export const createImport = scoped(async (t: Tenant, input: { fileName: string; fileSize: number; headers: string[]; createdBy: number | null }): Promise<ImportRow> => {
  const rows = await t.db
    .insert(imports)
    .values({ accountId: t.accountId, fileKey: "", fileName: input.fileName, fileSize: input.fileSize, headers: input.headers, createdBy: input.createdBy })
    .returning();
  return rows[0]!;
});

export const setImportFileKey = scoped(async (t: Tenant, id: number, fileKey: string) => {
  await t.db.update(imports).set({ fileKey, updatedAt: Date.now() }).where(mine(t, id));
});

export const deleteImport = scoped(async (t: Tenant, id: number) => {
  await t.db.batch([t.db.delete(importRows).where(rowsOf(t, id)), t.db.delete(imports).where(mine(t, id))]);
});

export const getImport = scoped(async (t: Tenant, id: number): Promise<ImportRow | null> => {
  const rows = await t.db.select().from(imports).where(mine(t, id)).limit(1);
  return rows[0] ?? null;
});

/** Just the status: what a chunk checks before each amoCRM batch. */
export const importStatus = scoped(async (t: Tenant, id: number): Promise<string | null> => {
  const rows = await t.db.select({ status: imports.status }).from(imports).where(mine(t, id)).limit(1);
  return rows[0]?.status ?? null;
});

/** Whether the import's rows may be written now: it runs, and the widget is not switched off in amoCRM. */
export const importRunnable = scoped(async (t: Tenant, id: number): Promise<boolean> => {
  const rows = await t.db
    .select({ status: imports.status, pausedAt: accounts.pausedAt })
    .from(imports)
    .innerJoin(accounts, eq(accounts.accountId, imports.accountId))
    .where(mine(t, id))
    .limit(1);
  return rows[0]?.status === "processing" && rows[0].pausedAt === null;
});

/** The account's imports still parsing or writing rows. */
export const runningImportIds = scoped(async (t: Tenant): Promise<number[]> => {
  const rows = await t.db
    .select({ id: imports.id })
    .from(imports)
    .where(and(eq(imports.accountId, t.accountId), inArray(imports.status, ["parsing", "processing"])));
  return rows.map((r) => r.id);
});

export const listImports = scoped(async (t: Tenant, limit: number = 50): Promise<ImportRow[]> => {
  return t.db.select().from(imports).where(eq(imports.accountId, t.accountId)).orderBy(desc(imports.createdAt), desc(imports.id)).limit(limit);
});

/** uploaded → parsing with the chosen plan; null when the import is not waiting to start. */
/** uploaded → parsing with the plan; `headers` when the admin chose another sheet or header row. */
export const startImport = scoped(async (t: Tenant, id: number, plan: ImportPlan, headers?: string[]): Promise<ImportRow | null> => {
  const now = Date.now();
  const rows = await t.db
    .update(imports)
    .set({ status: "parsing", kind: plan.kind, mapping: plan, startedAt: now, updatedAt: now, error: null, ...(headers ? { headers } : {}) })
    .where(and(mine(t, id), eq(imports.status, "uploaded")))
    .returning();
  return rows[0] ?? null;
});

export const cancelImport = scoped(async (t: Tenant, id: number): Promise<ImportRow | null> => {
  const now = Date.now();
  const rows = await t.db
    .update(imports)
    .set({ status: "cancelled", finishedAt: now, updatedAt: now })
    .where(and(mine(t, id), inArray(imports.status, [...ACTIVE])))
    .returning();
  return rows[0] ?? null;
});

/** Any active state → failed with a message for the user; a finished import stays as it ended. */
export const failImport = scoped(async (t: Tenant, id: number, error: string | CodedText): Promise<ImportRow | null> => {
  const now = Date.now();
  const rows = await t.db
    .update(imports)
    .set({ status: "failed", ...(typeof error === "string" ? { error, errorText: null } : { error: error.text, errorText: error.ref }), finishedAt: now, updatedAt: now })
    .where(and(mine(t, id), inArray(imports.status, [...ACTIVE])))
    .returning();
  return rows[0] ?? null;
});

export const deleteImportRows = scoped(async (t: Tenant, id: number) => {
  await t.db.delete(importRows).where(rowsOf(t, id));
});

/**
 * Writes prepared rows: as many rows per INSERT as 100 bound parameters allow (6 to 8 per row)
 * and several INSERTs per D1 batch.
 */
export const insertImportRows = scoped(async (t: Tenant, id: number, rows: PreparedRow[]) => {
  const statements: BatchItem<"sqlite">[] = [];
  let group: (typeof importRows.$inferInsert)[] = [];
  let params = 0;
  const flush = () => {
    if (group.length) statements.push(t.db.insert(importRows).values(group));
    group = [];
    params = 0;
  };
  for (const r of rows) {
    // An absent error (or code) is written as a literal default, not a parameter.
    const cost = 6 + (r.error === null ? 0 : 1) + (r.errorText ? 1 : 0);
    if (params + cost > MAX_PARAMS) flush();
    group.push({ accountId: t.accountId, importId: id, chunk: r.chunk, rowNumber: r.rowNumber, data: r.data, status: r.status, error: r.error ?? undefined, errorText: r.errorText ?? undefined });
    params += cost;
  }
  flush();
  await runBatches(t, statements);
});

/** parsing → processing with the totals known after parsing; null when cancelled meanwhile. */
export const beginProcessing = scoped(async (t: Tenant, id: number, input: { total: number; chunks: number; skipped: number; failed: number; plan: ImportPlan }): Promise<ImportRow | null> => {
  const rows = await t.db
    .update(imports)
    .set({
      status: "processing",
      total: input.total,
      chunks: input.chunks,
      chunksDone: 0,
      done: input.skipped + input.failed,
      skipped: input.skipped,
      failed: input.failed,
      created: 0,
      updated: 0,
      mapping: input.plan,
      updatedAt: Date.now(),
    })
    .where(and(mine(t, id), eq(imports.status, "parsing")))
    .returning();
  return rows[0] ?? null;
});

/** The row with its data read part by part (contracts/stored.ts): an older row's odd part reads as absent. */
function asRecord(r: ImportRowRecord): ImportRowRecord {
  const data = storedRowSchema.safeParse(r.data);
  return { ...r, data: data.success ? data.data : { values: [] } };
}

export const pendingChunkRows = scoped(async (t: Tenant, id: number, chunk: number): Promise<ImportRowRecord[]> => {
  const rows = await t.db
    .select()
    .from(importRows)
    .where(and(rowsOf(t, id), eq(importRows.chunk, chunk), eq(importRows.status, "pending")))
    .orderBy(asc(importRows.id));
  return rows.map(asRecord);
});

/** Rows of a chunk whose lead exists but whose notes or tasks were not posted yet. */
export const followUpRows = scoped(async (t: Tenant, id: number, chunk: number): Promise<ImportRowRecord[]> => {
  const rows = await t.db
    .select()
    .from(importRows)
    .where(and(rowsOf(t, id), eq(importRows.chunk, chunk), inArray(importRows.status, ["created", "updated"]), sql`json_extract(${importRows.data}, '$.followUp') is not null`))
    .orderBy(asc(importRows.id));
  return rows.map(asRecord);
});

export interface BatchOutcome {
  /** Row ids per final status; failed and skipped rows carry their reason. */
  done: { id: number; status: Exclude<RowStatus, "pending" | "failed" | "skipped">; data?: StoredRow }[];
  refused: { id: number; status: "failed" | "skipped"; error: CodedText }[];
}

/** Row statuses and the import's counters in one D1 batch, so a retried chunk never counts twice. */
export const recordBatch = scoped(async (t: Tenant, id: number, outcome: BatchOutcome) => {
  const statements: BatchItem<"sqlite">[] = [];
  const count = { created: 0, updated: 0, skipped: 0, failed: 0 };
  for (const status of ["created", "updated"] as const) {
    const plain = outcome.done.filter((d) => d.status === status && !d.data).map((d) => d.id);
    count[status] += outcome.done.filter((d) => d.status === status).length;
    for (let i = 0; i < plain.length; i += 80) {
      statements.push(
        t.db
          .update(importRows)
          .set({ status })
          .where(and(rowsOf(t, id), inArray(importRows.id, plain.slice(i, i + 80)), eq(importRows.status, "pending"))),
      );
    }
  }
  for (const d of outcome.done.filter((x) => x.data)) {
    statements.push(
      t.db
        .update(importRows)
        .set({ status: d.status, data: d.data })
        .where(and(rowsOf(t, id), eq(importRows.id, d.id), eq(importRows.status, "pending"))),
    );
  }
  for (const r of outcome.refused) {
    count[r.status]++;
    statements.push(t.db.update(importRows).set({ status: r.status, error: r.error.text, errorText: r.error.ref }).where(and(rowsOf(t, id), eq(importRows.id, r.id), eq(importRows.status, "pending"))));
  }
  const total = count.created + count.updated + count.skipped + count.failed;
  if (total === 0) return;
  statements.push(
    t.db
      .update(imports)
      .set({
        done: sql`${imports.done} + ${total}`,
        created: sql`${imports.created} + ${count.created}`,
        updated: sql`${imports.updated} + ${count.updated}`,
        skipped: sql`${imports.skipped} + ${count.skipped}`,
        failed: sql`${imports.failed} + ${count.failed}`,
        updatedAt: Date.now(),
      })
      .where(mine(t, id)),
  );
  await runBatches(t, statements);
});

/** Rewrites rows' stored data (follow-ups posted or partly posted). */
export const setRowData = scoped(async (t: Tenant, id: number, rows: { id: number; data: StoredRow }[]) => {
  const statements = rows.map((r) => t.db.update(importRows).set({ data: r.data }).where(and(rowsOf(t, id), eq(importRows.id, r.id))));
  if (statements.length) await runBatches(t, statements);
});

export const chunkDone = scoped(async (t: Tenant, id: number) => {
  await t.db.update(imports).set({ chunksDone: sql`${imports.chunksDone} + 1`, updatedAt: Date.now() }).where(mine(t, id));
});

/** processing → done once no row waits; exactly one caller gets the row back. */
export const finishIfComplete = scoped(async (t: Tenant, id: number): Promise<ImportRow | null> => {
  const now = Date.now();
  const waiting = t.db
    .select({ one: sql`1` })
    .from(importRows)
    .where(and(rowsOf(t, id), eq(importRows.status, "pending")));
  const rows = await t.db
    .update(imports)
    .set({ status: "done", finishedAt: now, updatedAt: now })
    .where(and(mine(t, id), eq(imports.status, "processing"), notExists(waiting)))
    .returning();
  return rows[0] ?? null;
});

/** The first rows with a reason (refused, repeated, skipped by a rule), in sheet order. */
export const rowErrors = scoped(async (t: Tenant, id: number, limit: number = 200): Promise<{ row: number; reason: string; reasonText: TextRef | null }[]> => {
  const rows = await t.db
    .select({ row: importRows.rowNumber, reason: importRows.error, reasonText: importRows.errorText })
    .from(importRows)
    .where(and(rowsOf(t, id), isNotNull(importRows.error)))
    .orderBy(asc(importRows.id))
    .limit(limit);
  return rows.map((r) => ({ row: r.row, reason: r.reason ?? "", reasonText: r.reasonText ?? null }));
});

/** Rows with a reason, page by page (keyset on id) for the error report. */
export const errorRowsAfter = scoped(async (t: Tenant, id: number, afterId: number, limit: number): Promise<ImportRowRecord[]> => {
  const rows = await t.db
    .select()
    .from(importRows)
    .where(and(rowsOf(t, id), isNotNull(importRows.error), gt(importRows.id, afterId)))
    .orderBy(asc(importRows.id))
    .limit(limit);
  return rows.map(asRecord);
});

export const setReportKey = scoped(async (t: Tenant, id: number, key: string) => {
  await t.db.update(imports).set({ reportKey: key, updatedAt: Date.now() }).where(mine(t, id));
});

/** amoCRM requests an import made, summed from its audit steps (each step records its own). */
export const importRequests = scoped(async (t: Tenant, id: number): Promise<number> => {
  const rows = await t.db
    .select({ n: sql<number>`coalesce(sum(json_extract(${auditLog.data}, '$.amoRequests')), 0)` })
    .from(auditLog)
    .where(and(eq(auditLog.accountId, t.accountId), eq(auditLog.entityType, "import"), eq(auditLog.entityId, String(id))));
  return Number(rows[0]?.n ?? 0);
});

export type ImportCall = Omit<typeof callResults.$inferInsert, "accountId" | "id" | "createdAt" | "updatedAt" | "source">;

/**
 * Stores imported calls not seen before (unique by account, source and call id). Rows per INSERT
 * follow the 100-parameter limit: absent values are written as literal NULLs, so count what is set.
 */
export const insertImportCalls = scoped(async (t: Tenant, calls: ImportCall[]) => {
  const statements: BatchItem<"sqlite">[] = [];
  let group: (typeof callResults.$inferInsert)[] = [];
  let params = 0;
  const flush = () => {
    if (group.length) {
      statements.push(
        t.db
          .insert(callResults)
          .values(group)
          .onConflictDoNothing({ target: [callResults.accountId, callResults.source, callResults.callId] }),
      );
    }
    group = [];
    params = 0;
  };
  for (const c of calls) {
    const row = { ...c, accountId: t.accountId, source: "import" as const };
    const cost = Object.values(row).filter((v) => v !== undefined).length;
    if (params + cost > MAX_PARAMS) flush();
    group.push(row);
    params += cost;
  }
  flush();
  if (statements.length) await runBatches(t, statements);
});

export const importCallsByIds = scoped(async (t: Tenant, callIds: string[]) => {
  if (callIds.length === 0) return [];
  return t.db
    .select({ callId: callResults.callId, importId: callResults.importId, syncStatus: callResults.syncStatus, amoCallId: callResults.amoCallId })
    .from(callResults)
    .where(and(eq(callResults.accountId, t.accountId), eq(callResults.source, "import"), inArray(callResults.callId, callIds)));
});

export interface CallSync {
  callId: string;
  syncStatus: "posted" | "failed";
  importId: number;
  amoCallId?: string | null;
  amoContactId?: string | null;
  error?: string | null;
}

/** What amoCRM answered for each call of a batch, in one D1 batch. */
export const markImportCalls = scoped(async (t: Tenant, updates: CallSync[]) => {
  const now = Date.now();
  const statements = updates.map((u) =>
    t.db
      .update(callResults)
      .set({ syncStatus: u.syncStatus, importId: u.importId, amoCallId: u.amoCallId ?? null, amoContactId: u.amoContactId ?? null, error: u.error ?? null, updatedAt: now })
      .where(and(eq(callResults.accountId, t.accountId), eq(callResults.source, "import"), eq(callResults.callId, u.callId))),
  );
  if (statements.length) await runBatches(t, statements);
});

/** Chunks that still have rows waiting, for re-sending their jobs. */
export const chunksWithPending = scoped(async (t: Tenant, id: number): Promise<number[]> => {
  const rows = await t.db
    .selectDistinct({ chunk: importRows.chunk })
    .from(importRows)
    .where(and(rowsOf(t, id), eq(importRows.status, "pending")))
    .orderBy(asc(importRows.chunk));
  return rows.map((r) => r.chunk);
});

/** Whether one chunk still has rows waiting (uses the chunk index; stops at the first row). */
export const chunkHasPending = scoped(async (t: Tenant, id: number, chunk: number): Promise<boolean> => {
  const rows = await t.db
    .select({ id: importRows.id })
    .from(importRows)
    .where(and(rowsOf(t, id), eq(importRows.chunk, chunk), eq(importRows.status, "pending")))
    .limit(1);
  return rows.length > 0;
});
