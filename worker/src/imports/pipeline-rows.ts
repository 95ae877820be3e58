// Pure step between the parsed sheet and the import_rows table: each row normalised or refused with
// its reason, repeats within the file skipped, call ids derived, and the rows to send cut into chunks.
import { rowToRecord } from "./detect";
import { dedupeRows, normalizeRow } from "./normalize";
import { IMPORT_COLUMNS, type ColumnMapping, type ImportColumn, type ImportKind, type NormalizedImportRow } from "./types";
import type { DateContext } from "./values";
import { codedText, type CodedText, type TextRef } from "../lib/errors";
import { importPlanSchema, type ImportPlan, type StoredRow } from "../contracts/stored";
import type { ImportRow } from "../db/imports";

/** Rows per queue job: 20 amoCRM batches of 50, a few seconds of the account's budget. */
export const CHUNK_ROWS = 1000;
/** `/api/v4/leads/complex` and `/api/v4/calls` batches. */
export const AMO_BATCH = 50;
/** Rows that never reach amoCRM (refused, repeated) are not in any chunk. */
export const NO_CHUNK = -1;

// The stored shapes (`imports.mapping`, `import_rows.data`) are declared with their schemas.
export type { FollowUp, ImportPlan, LookupDecision, StoredRow } from "../contracts/stored";

/** The plan the import was started with, checked: a job never runs on a plan it cannot read. */
export function planOf(imp: Pick<ImportRow, "id" | "mapping">): ImportPlan {
  const plan = importPlanSchema.safeParse(imp.mapping);
  if (!plan.success) throw new Error(`Import ${imp.id} has no readable plan: ${plan.error.issues.map((i) => `${i.path.join(".") || "plan"}: ${i.message}`).join("; ")}`);
  return plan.data;
}

export type RowStatus = "pending" | "created" | "updated" | "skipped" | "failed";

export interface PreparedRow {
  rowNumber: number;
  chunk: number;
  status: RowStatus;
  error: string | null;
  /** `error`'s catalogue code and params when it has one (lib/errors.ts TEXTS). */
  errorText?: TextRef | null;
  data: StoredRow;
}

export interface PreparedImport {
  rows: PreparedRow[];
  chunks: number;
  pending: number;
  failed: number;
  duplicates: number;
}

/** Index mapping → header mapping; indexes outside the sheet are dropped. */
export function headerMapping(headers: string[], columns: Partial<Record<ImportColumn, number>>): ColumnMapping {
  const out: ColumnMapping = {};
  for (const column of IMPORT_COLUMNS) {
    const index = columns[column];
    const header = index === undefined ? undefined : headers[index];
    if (header !== undefined) out[column] = header;
  }
  return out;
}

/** Two 32-bit FNV-1a lanes with different seeds: 64 bits, plenty to tell 100,000 calls apart. */
function hash64(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x9e3779b9;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193 + 0x200);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

/** Same phone, time, duration, operator and result: the same call, whichever file it came from. */
export function callIdOf(row: NormalizedImportRow): string {
  const key = [row.phone ?? "", row.dateUnix ?? "", row.durationSec ?? "", row.operator ?? "", row.result ?? ""].join("|");
  return `imp-${hash64(key)}`;
}

function duplicateReason(rowNumber: number, of: number, by: "phone" | "email" | "call"): CodedText {
  return codedText(`import_row_duplicate_${by}`, { row: rowNumber, of });
}

/**
 * Normalises every row, refuses what cannot be read, skips repeats (leads: same person; calls:
 * same call) and puts the rest into chunks of CHUNK_ROWS in sheet order. Row numbers are the
 * spreadsheet's (`rowNumbers`); without them the header counts as row 1.
 */
export function prepareRows(
  kind: ImportKind,
  headers: string[],
  sheetRows: unknown[][],
  mapping: ColumnMapping,
  rowNumbers?: number[],
  dates: DateContext = {},
): PreparedImport {
  const rows: PreparedRow[] = [];
  const valid: { rowNumber: number; row: NormalizedImportRow; index: number }[] = [];
  let failed = 0;
  sheetRows.forEach((values, i) => {
    const rowNumber = rowNumbers?.[i] ?? i + 2;
    const result = normalizeRow(kind, rowToRecord(headers, values), mapping, rowNumber, dates);
    if (result.ok) {
      rows.push({ rowNumber, chunk: NO_CHUNK, status: "pending", error: null, data: { values, row: result.row } });
      valid.push({ rowNumber, row: result.row, index: rows.length - 1 });
    } else {
      failed++;
      rows.push({ rowNumber, chunk: NO_CHUNK, status: "failed", error: result.reason.text, errorText: result.reason.ref, data: { values } });
    }
  });

  let duplicates = 0;
  if (kind === "leads") {
    const { duplicates: repeated } = dedupeRows(valid);
    const byNumber = new Map(valid.map((v) => [v.rowNumber, v.index]));
    for (const d of repeated) {
      const target = rows[byNumber.get(d.rowNumber)!]!;
      target.status = "skipped";
      ({ text: target.error, ref: target.errorText } = duplicateReason(d.rowNumber, d.duplicateOf, d.by));
      delete target.data.row;
      duplicates++;
    }
  } else {
    const seen = new Map<string, number>();
    for (const v of valid) {
      const target = rows[v.index]!;
      const callId = callIdOf(v.row);
      const first = seen.get(callId);
      if (first !== undefined) {
        target.status = "skipped";
        ({ text: target.error, ref: target.errorText } = duplicateReason(v.rowNumber, first, "call"));
        delete target.data.row;
        duplicates++;
      } else {
        seen.set(callId, v.rowNumber);
        target.data.callId = callId;
      }
    }
  }

  let pending = 0;
  for (const r of rows) {
    if (r.status !== "pending") continue;
    r.chunk = Math.floor(pending / CHUNK_ROWS);
    pending++;
  }
  return { rows, chunks: Math.ceil(pending / CHUNK_ROWS), pending, failed, duplicates };
}
