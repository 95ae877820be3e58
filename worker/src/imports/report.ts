// Builds the XLSX files we give back: the error report of an import and generic exports. Every text
// cell passes through neutralizeCell first, since the values came from strangers' spreadsheets.
import * as XLSX from "xlsx";
import { cellDisplay, isUnreadable } from "./cells";
import { neutralizeCell } from "./sanitize";
import type { TextRef } from "../lib/errors";
// The report is a file, not a page: its Russian column takes the shared words for the code.
import { wordText } from "../contracts/texts";

export interface ErrorReportRow {
  rowNumber: number;
  values: unknown[];
  /** The stored English text (or an older row's bilingual text). */
  error: string;
  /** Its catalogue code and params, when it has one. */
  errorText?: TextRef | null;
}

export const ROW_HEADER = "Строка";
export const ERROR_HEADER_RU = "Ошибка";
export const ERROR_HEADER_EN = "Error";

const CYRILLIC = /[А-Яа-яЁё]/;

/** The reason in Russian and in English: the code's words, else the halves of an older «ru / en» text. */
export function reasonColumns(error: string, ref: TextRef | null | undefined): [string, string] {
  const russian = ref ? wordText("ru", ref) : null;
  if (russian !== null) return [russian, error];
  const parts = error.split(" / ");
  for (let i = 1; i < parts.length; i++) {
    const first = parts.slice(0, i).join(" / ").trim();
    const second = parts.slice(i).join(" / ").trim();
    if (CYRILLIC.test(first) && !CYRILLIC.test(second)) return [first, second];
  }
  // The English half may quote a Russian column name: then it is the half that starts in Latin.
  for (let i = 1; i < parts.length; i++) {
    const first = parts.slice(0, i).join(" / ").trim();
    const second = parts.slice(i).join(" / ").trim();
    if (CYRILLIC.test(first) && /^[A-Za-z]/.test(second)) return [first, second];
  }
  return [error, error];
}

function cellValue(v: unknown): string | number | boolean | Date | null {
  if (v === null || v === undefined) return null;
  // An error or a formula without result is given back as the file showed it.
  if (isUnreadable(v)) return neutralizeCell(cellDisplay(v));
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v === "boolean" || v instanceof Date) return v;
  return neutralizeCell(String(v));
}

/** Column widths from the longest text, so the file opens readable; capped to keep long notes sane. */
function widths(rows: unknown[][]): XLSX.ColInfo[] {
  const out: number[] = [];
  for (const row of rows.slice(0, 1000)) {
    row.forEach((v, i) => {
      const len = v === null || v === undefined ? 0 : String(v).length;
      out[i] = Math.max(out[i] ?? 8, Math.min(60, len + 2));
    });
  }
  return out.map((wch) => ({ wch }));
}

/** One sheet with a header row; every string neutralised. */
export function buildXlsx(headers: string[], rows: unknown[][], sheetName = "Лист1"): Uint8Array<ArrayBuffer> {
  const aoa = [headers.map(cellValue), ...rows.map((row) => row.map(cellValue))];
  const ws = XLSX.utils.aoa_to_sheet(aoa, { cellDates: false });
  ws["!cols"] = widths(aoa);
  const wb = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(wb, ws, sheetName.slice(0, 31));
  const out: ArrayBuffer = XLSX.write(wb, { type: "array", bookType: "xlsx", compression: true });
  return new Uint8Array(out);
}

/** The rows an import refused, with their spreadsheet row number and the reason, first. */
export function buildErrorReport(headers: string[], rows: ErrorReportRow[]): Uint8Array {
  return buildXlsx(
    [ROW_HEADER, ERROR_HEADER_RU, ERROR_HEADER_EN, ...headers],
    rows.map((r) => [r.rowNumber, ...reasonColumns(r.error, r.errorText), ...headers.map((_, i) => r.values[i] ?? null)]),
    "Ошибки",
  );
}
