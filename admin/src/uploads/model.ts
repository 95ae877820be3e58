// Import wizard logic: which columns each kind of file needs, the column choice that starts from
// what the server detected, what a file must look like before it is sent, and progress figures. Pure.
import type { ImportColumn, ImportStartRequest, ImportStatus, ImportUploadResponse, ImportView } from "../../../worker/src/api-types";

export type ImportKind = ImportStartRequest["kind"];

export const COLUMNS: Record<ImportKind, ImportColumn[]> = {
  leads: ["name", "phone", "email", "comment"],
  calls: ["phone", "date", "duration", "result", "operator", "comment", "recording"],
};

export const MAX_FILE_BYTES = 20 * 1024 * 1024;
const EXTENSIONS = /\.(xlsx|xls|csv)$/i;

export type FileProblem = "type" | "size" | "empty";

export function checkFile(f: { name: string; size: number }, max = MAX_FILE_BYTES): FileProblem | null {
  if (!EXTENSIONS.test(f.name)) return "type";
  if (f.size === 0) return "empty";
  if (f.size > max) return "size";
  return null;
}

/** A guess of the kind from the detected columns: call files have a result or a duration. */
export function guessKind(u: Pick<ImportUploadResponse, "detected">): ImportKind {
  return u.detected.result !== undefined || u.detected.duration !== undefined ? "calls" : "leads";
}

/** The detected columns this kind uses; the rest are left for the admin to choose. */
export function initialColumns(kind: ImportKind, u: Pick<ImportUploadResponse, "detected" | "headers">): Partial<Record<ImportColumn, number>> {
  const out: Partial<Record<ImportColumn, number>> = {};
  for (const col of COLUMNS[kind]) {
    const i = u.detected[col];
    if (i !== undefined && i >= 0 && i < u.headers.length) out[col] = i;
  }
  return out;
}

export type MappingProblem = "needPhoneOrEmail" | "needPhone" | "duplicate";

/** What the mapping lacks before the import can start. */
export function checkMapping(kind: ImportKind, columns: Partial<Record<ImportColumn, number>>): MappingProblem[] {
  const out: MappingProblem[] = [];
  if (kind === "leads" && columns.phone === undefined && columns.email === undefined) out.push("needPhoneOrEmail");
  if (kind === "calls" && columns.phone === undefined) out.push("needPhone");
  const used = COLUMNS[kind].map((c) => columns[c]).filter((i): i is number => i !== undefined);
  if (new Set(used).size !== used.length) out.push("duplicate");
  return out;
}

/**
 * Only the columns of the chosen kind go to the server, with the sheet and header row the preview
 * showed, so the import reads exactly what the admin saw.
 */
export function startRequest(
  kind: ImportKind,
  columns: Partial<Record<ImportColumn, number>>,
  projectId?: number | null,
  shown?: Pick<ImportUploadResponse, "sheetName" | "headerRow">,
): ImportStartRequest {
  const picked: Partial<Record<ImportColumn, number>> = {};
  for (const c of COLUMNS[kind]) if (columns[c] !== undefined) picked[c] = columns[c];
  const base: ImportStartRequest = projectId ? { kind, columns: picked, projectId } : { kind, columns: picked };
  return shown ? { ...base, sheet: shown.sheetName, headerRow: shown.headerRow } : base;
}

/** A preview cell the reader could not take at face value (an Excel error, a formula without result). */
export function unreadableText(v: unknown): string | null {
  if (typeof v !== "object" || v === null || !("unreadable" in v)) return null;
  const text = (v as { text?: unknown }).text;
  return typeof text === "string" ? text : null;
}

/** A preview cell as the table shows it. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  return unreadableText(v) ?? String(v);
}

/** What the date column's cells became: the moment, or "none" for a filled cell that is not a date. */
export function dateOutcome(upload: Pick<ImportUploadResponse, "rows" | "dates">, row: number, col: number): number | "none" | null {
  const raw = upload.rows[row]?.[col];
  if (raw === null || raw === undefined || (typeof raw === "string" && raw.trim() === "")) return null;
  const unix = upload.dates[row]?.[col];
  return typeof unix === "number" ? unix : "none";
}

export const FINISHED: ImportStatus[] = ["done", "failed", "cancelled"];
export const isFinished = (s: ImportStatus) => FINISHED.includes(s);
/** Still moving: worth polling. An upload that was never started is not. */
export const isRunning = (s: ImportStatus) => s === "parsing" || s === "processing";

export interface Progress {
  percent: number;
  done: number;
  total: number;
  ratePerSec: number | null;
  etaSec: number | null;
}

export function progressOf(v: Pick<ImportView, "done" | "total" | "status" | "ratePerSec" | "etaSec">): Progress {
  const total = Math.max(0, v.total);
  const done = Math.min(Math.max(0, v.done), total || v.done);
  let percent = total > 0 ? Math.floor((done / total) * 100) : 0;
  if (v.status === "done") percent = 100;
  // 100% is promised only when the server says done: the last chunk may still be writing.
  else if (percent >= 100) percent = 99;
  return { percent, done, total, ratePerSec: v.ratePerSec, etaSec: isFinished(v.status) ? null : v.etaSec };
}

/** "≈ 2 min" style split for the time left; null when unknown. */
export function etaParts(sec: number | null): { unit: "sec" | "min" | "hour"; n: number } | null {
  if (sec === null || !Number.isFinite(sec) || sec < 0) return null;
  if (sec < 60) return { unit: "sec", n: Math.max(1, Math.round(sec)) };
  if (sec < 3600) return { unit: "min", n: Math.round(sec / 60) };
  return { unit: "hour", n: Math.round((sec / 3600) * 10) / 10 };
}
