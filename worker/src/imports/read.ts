// Turns an uploaded workbook into headers plus raw data rows of its first sheet, refusing hostile or
// unusable files with an ImportFileError. Values stay raw (Excel dates as serial numbers).
import * as XLSX from "xlsx";
import { normalizeEmail, normalizePhone } from "../lib/phone";
import { detectColumns, type DetectedColumns } from "./detect";
import { formatCountEn, formatCountRu, importError, isImportFileError, type ImportFileError } from "./errors";
import { countLines, decodeText, detectDelimiter, parseCsv, type Delimiter, type TextEncodingName } from "./csv";
import { checkContent, passwordProtected, sniffContent, sniffFile, type SpreadsheetType } from "./sniff";
import { findEntry, peekSheetRows, refRows, workbookInfo, type WorkbookInfo } from "./xlsx-peek";
import { readSheetStream, RowLimitError } from "./xlsx-stream";
import { guardZip, listZipEntries, type ZipCaps, type ZipEntry } from "./zip-guard";
import { verifyZipEntries } from "./zip-verify";

export const DEFAULT_MAX_ROWS = 100_000;
export const PREVIEW_ROWS = 20;

/**
 * XLSX sheets whose XML unpacks past this are read by the streaming reader. SheetJS holds the whole
 * XML as a string, splits it and builds an object per cell: it peaks at several times the XML size
 * (a 28 MB sheet of 100,000 rows needs well over the 128 MB a Worker has). Below this size it stays
 * within a few tens of MB, and SheetJS remains the reader of record for ordinary files.
 */
export const STREAM_SHEET_BYTES = 4 * 1024 * 1024;

/** Which reader parses an XLSX's first sheet. */
export type XlsxReader = "sheetjs" | "stream";

export interface ReadOptions {
  /** Data rows allowed, header excluded. */
  maxRows?: number;
  zipCaps?: Partial<ZipCaps>;
  /** Forces a reader for XLSX; by default the sheet's unpacked size picks it. */
  xlsxReader?: XlsxReader;
}

export interface WorkbookData {
  sheetName: string;
  headers: string[];
  /** Data rows, header excluded, blank rows skipped; each as long as `headers`. */
  rows: unknown[][];
  totalRows: number;
  /** How a CSV was decoded; absent for workbooks. */
  csv?: { encoding: TextEncodingName; delimiter: Delimiter };
}

function tooManyRows(maxRows: number, seen: number | null): ImportFileError {
  const ru = seen === null ? `больше ${formatCountRu(maxRows)}` : formatCountRu(seen);
  const en = seen === null ? `more than ${formatCountEn(maxRows)}` : formatCountEn(seen);
  return importError(
    "too-many-rows",
    `В файле слишком много строк: ${ru}, допустимо не больше ${formatCountRu(maxRows)}. Разбейте файл на части.`,
    `The file has too many rows: ${en}, the limit is ${formatCountEn(maxRows)}. Split it into parts.`,
  );
}

function corrupt(): ImportFileError {
  return importError(
    "corrupt",
    "Файл повреждён или не читается. Откройте его в Excel и сохраните заново.",
    "The file is damaged or unreadable. Open it in Excel and save it again.",
  );
}

function emptySheet(detail: "no-rows" | "header-only"): ImportFileError {
  return detail === "no-rows"
    ? importError("empty", "Первый лист файла пустой.", "The first sheet of the file is empty.")
    : importError(
        "empty",
        "В файле только строка заголовков, строк с данными нет.",
        "The file has only a header row and no data rows.",
      );
}

function isBlank(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === "string" && v.trim() === "");
}

function isText(v: unknown): boolean {
  return typeof v === "string" && !/^\s*[-+]?\d+(?:[.,]\d+)?\s*$/.test(v);
}

/** A value no header would hold: a phone number, an e-mail or a link. */
function looksLikeData(v: unknown): boolean {
  if (typeof v === "number") return Math.abs(v) >= 1e9;
  if (typeof v !== "string") return false;
  const s = v.trim();
  if (normalizeEmail(s) || /^https?:\/\//i.test(s)) return true;
  return s.replace(/\D/g, "").length >= 10 && normalizePhone(s) !== null;
}

function headerText(v: unknown): string {
  if (isBlank(v)) return "";
  return String(v).replace(/\s+/g, " ").trim();
}

/** Blank headers become «Колонка N», repeats «Телефон (2)», so every column has its own name. */
export function uniqueHeaders(raw: unknown[]): string[] {
  const used = new Set<string>();
  return raw.map((v, i) => {
    const base = headerText(v) || `Колонка ${i + 1}`;
    let name = base;
    for (let k = 2; used.has(name.toLowerCase()); k++) name = `${base} (${k})`;
    used.add(name.toLowerCase());
    return name;
  });
}

function noHeader(first: unknown[]): ImportFileError {
  const sample = first
    .filter((v) => !isBlank(v))
    .slice(0, 3)
    .map((v) => String(v))
    .join(", ");
  return importError(
    "no-header",
    `Не найдена строка заголовков: первая строка («${sample}») похожа на данные. ` +
      "Добавьте первой строкой названия колонок, например «Телефон», «Имя».",
    `No header row: the first row ("${sample}") looks like data. Add a first row with column names, e.g. "Phone", "Name".`,
  );
}

/** Header row, uniform row width and limits, shared by workbooks and CSV. */
function toTable(grid: unknown[][], maxRows: number, seen: number | null): Omit<WorkbookData, "sheetName"> {
  const nonBlank = grid.filter((row) => row.some((v) => !isBlank(v)));
  const first = nonBlank[0];
  if (!first) throw emptySheet("no-rows");
  const data = nonBlank.slice(1);
  if (data.length > maxRows) throw tooManyRows(maxRows, seen ?? null);
  if (!first.some(isText) || first.some(looksLikeData)) throw noHeader(first);
  if (data.length === 0) throw emptySheet("header-only");

  // Trailing columns with neither a header nor any value are formatting leftovers, not columns.
  let width = 0;
  for (const row of nonBlank) {
    for (let c = row.length - 1; c >= width; c--) {
      if (!isBlank(row[c])) {
        width = c + 1;
        break;
      }
    }
  }
  const headers = uniqueHeaders(Array.from({ length: width }, (_, c) => first[c]));
  // Rows are cut or padded to the width in place: the grid is ours, and a copy of 100,000 rows
  // would cost megabytes at the moment memory peaks.
  for (const row of data) {
    row.length = width;
    for (let c = 0; c < width; c++) row[c] ??= null;
  }
  return { headers, rows: data, totalRows: data.length };
}

function readCsv(bytes: Uint8Array, maxRows: number): WorkbookData {
  const { text, encoding } = decodeText(bytes);
  const delimiter = detectDelimiter(text);
  // Header plus one row over the limit is enough to know the limit is broken.
  const { records, truncated } = parseCsv(text, delimiter, maxRows + 2);
  const seen = truncated ? Math.max(countLines(text) - 1, maxRows + 1) : null;
  return { sheetName: "CSV", ...toTable(records, maxRows, seen), csv: { encoding, delimiter } };
}

function readSpreadsheet(bytes: Uint8Array, maxRows: number): WorkbookData {
  let wb: XLSX.WorkBook;
  try {
    wb = XLSX.read(bytes, {
      type: "array",
      // SheetJS stops building cells past this row; the header and one extra row tell us the limit is broken.
      sheetRows: maxRows + 2,
      sheets: 0,
      dense: true,
      cellDates: false,
      cellText: false,
      cellHTML: false,
      cellNF: false,
      cellStyles: false,
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (/password|encrypt/i.test(message)) throw passwordProtected();
    throw corrupt();
  }
  const sheetName = wb.SheetNames[0];
  const ws = sheetName === undefined ? undefined : wb.Sheets[sheetName];
  if (sheetName === undefined || !ws) throw emptySheet("no-rows");
  // SheetJS keeps the declared range in !fullref when sheetRows cut the sheet short.
  const fullRef = (ws as Record<string, unknown>)["!fullref"];
  const full = typeof fullRef === "string" ? refRows(fullRef) : null;
  const declared = full ? full.last - full.first : null;
  if (declared !== null && declared > maxRows) throw tooManyRows(maxRows, declared);
  const grid = XLSX.utils.sheet_to_json<unknown[]>(ws, { header: 1, raw: true, defval: null, blankrows: false });
  return { sheetName, ...toTable(grid, maxRows, declared) };
}

function readStreamed(bytes: Uint8Array, entries: ZipEntry[], info: WorkbookInfo, maxRows: number): WorkbookData {
  let grid: unknown[][];
  try {
    // The header plus one row over the limit is enough to know the limit is broken.
    grid = readSheetStream(bytes, entries, info, { maxRows: maxRows + 1, isBlank });
  } catch (e) {
    if (isImportFileError(e)) throw e;
    if (e instanceof RowLimitError) throw tooManyRows(maxRows, null);
    throw corrupt();
  }
  return { sheetName: info.sheetName, ...toTable(grid, maxRows, null) };
}

function pickReader(entries: ZipEntry[], info: WorkbookInfo | null, forced?: XlsxReader): XlsxReader {
  const sheet = info && findEntry(entries, info.sheetPath);
  if (!sheet) return "sheetjs";
  return forced ?? (sheet.uncompressedSize > STREAM_SHEET_BYTES ? "stream" : "sheetjs");
}

/** The reader `readWorkbook` would use for this XLSX (for benchmarks and tests). */
export function xlsxReaderFor(bytes: Uint8Array): XlsxReader {
  const entries = listZipEntries(bytes);
  return pickReader(entries, workbookInfo(bytes, entries));
}

/** Reads the first sheet. Checks the bytes against `type` and, for XLSX, the ZIP directory first. */
export function readWorkbook(bytes: Uint8Array, type: SpreadsheetType, opts: ReadOptions = {}): WorkbookData {
  const maxRows = opts.maxRows ?? DEFAULT_MAX_ROWS;
  const actual = checkContent(type, sniffContent(bytes));
  if (actual === "csv") return readCsv(bytes, maxRows);
  if (actual === "xlsx") {
    const entries = guardZip(bytes, opts.zipCaps);
    if (entries.some((e) => e.flags & 1)) throw passwordProtected();
    const info = workbookInfo(bytes, entries);
    const declared = info && peekSheetRows(bytes, entries, info.sheetPath);
    if (declared && declared.last - declared.first > maxRows) {
      throw tooManyRows(maxRows, declared.last - declared.first);
    }
    if (info && pickReader(entries, info, opts.xlsxReader) === "stream") {
      // The streaming reader checks the parts it unpacks as it goes; the rest are checked here.
      const streamed = [info.sheetPath, info.sharedStringsPath].map((part) => part && findEntry(entries, part));
      verifyZipEntries(bytes, entries, (e) => streamed.includes(e));
      return readStreamed(bytes, entries, info, maxRows);
    }
    verifyZipEntries(bytes, entries);
  }
  return readSpreadsheet(bytes, maxRows);
}

export interface WorkbookPreview {
  type: SpreadsheetType;
  sheetName: string;
  headers: string[];
  /** The first rows, for the mapping screen. */
  rows: unknown[][];
  totalRows: number;
  /** Columns guessed from headers and content; the user confirms or changes them. */
  detected: DetectedColumns;
  csv?: WorkbookData["csv"];
}

/** The upload answer: what the file is, its columns and a first look at its rows. */
export function previewWorkbook(bytes: Uint8Array, fileName: string, opts: ReadOptions = {}): WorkbookPreview {
  const { type } = sniffFile(bytes, fileName);
  const book = readWorkbook(bytes, type, opts);
  return {
    type,
    sheetName: book.sheetName,
    headers: book.headers,
    rows: book.rows.slice(0, PREVIEW_ROWS),
    totalRows: book.totalRows,
    detected: detectColumns(book.headers, book.rows.slice(0, 200)),
    ...(book.csv ? { csv: book.csv } : {}),
  };
}
