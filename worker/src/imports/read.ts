// Turns an uploaded workbook into headers plus raw data rows of one sheet (the first visible one, or
// the one the user chose), finding the header row under titles and blank rows, and refusing hostile
// or unusable files with an ImportFileError. Values stay raw (Excel dates as serial numbers).
import * as XLSX from "xlsx";
import { normalizeEmail, normalizePhone } from "../lib/phone";
import { cellDisplay, errorCell, formulaCell } from "./cells";
import { detectColumns, type DetectedColumns } from "./detect";
import { importError, isImportFileError, type ImportFileError } from "./errors";
import { countLines, decodeText, detectDelimiter, parseCsv, type Delimiter, type TextEncodingName } from "./csv";
import { passwordProtected, sniffFile, type SpreadsheetType } from "./sniff";
import { findEntry, peekSheetRows, refRows, workbookInfo, type WorkbookInfo } from "./xlsx-peek";
import { readSheetStream, RowLimitError, TextLimitError, type SheetGrid } from "./xlsx-stream";
import { parseDate } from "./values";
import { guardZip, listZipEntries, type ZipCaps, type ZipEntry } from "./zip-guard";
import { inflateEntry, verifyZipEntries } from "./zip-verify";
import { errorText } from "../lib/error-text";

export const DEFAULT_MAX_ROWS = 100_000;
export const PREVIEW_ROWS = 20;

/** Rows (with a value) searched for the header row, and offered when the user picks another. */
export const HEADER_SCAN = 20;
/** Data rows whose content helps recognise the columns. */
const DETECT_ROWS = 200;

/**
 * What SheetJS may unpack when it reads an XLSX (it inflates every part at once and keeps it). Only
 * files our own reader cannot make sense of go to SheetJS; past this they are refused.
 */
export const SHEETJS_MAX_INFLATE = 8 * 1024 * 1024;
/**
 * XLS files SheetJS may read: it holds the whole compound file and a cell object per value, and a
 * 4 MB XLS (20,000 rows) already needs about 100 MB of heap; the 128 MB of a Worker must also hold
 * the upload and the rows. Larger ones are refused with the way out (save as XLSX, read by ours).
 */
export const XLS_MAX_BYTES = 2 * 1024 * 1024;
/**
 * Characters of text a read may keep (shared strings plus the kept cells): about twice as many
 * bytes in a Worker's 128 MB. The 100,000-row benchmark file keeps well under a tenth of it.
 */
export const MAX_TEXT_CHARS = 24 * 1024 * 1024;

/** Which reader parses an XLSX sheet: ours (streaming) always, SheetJS only when forced or ours cannot find the sheet. */
export type XlsxReader = "sheetjs" | "stream";

export interface ReadOptions {
  /** Data rows allowed, header excluded. */
  maxRows?: number;
  zipCaps?: Partial<ZipCaps>;
  /** Forces a reader for XLSX (tests); by default our streaming reader. */
  xlsxReader?: XlsxReader;
  /** The sheet to read, by name; by default the first visible one. */
  sheet?: string;
  /** The header row as the spreadsheet numbers it; by default the one found. */
  headerRow?: number;
  /** Keep only the first rows (enough for a preview and for recognising columns), counting the rest. */
  previewOnly?: boolean;
}

export interface SheetChoice {
  name: string;
  hidden: boolean;
}

/** Which reader parsed the sheet: ours (streaming XLSX), SheetJS (XLS, or an XLSX ours cannot place), or the CSV reader. */
export type SheetReader = XlsxReader | "csv";

export interface WorkbookData {
  /** What the file is, by its content (checked against its name). */
  type: SpreadsheetType;
  reader: SheetReader;
  sheetName: string;
  /** Every sheet of the workbook, in order; one pseudo-sheet for a CSV. */
  sheets: SheetChoice[];
  headers: string[];
  /** Data rows, header excluded, blank rows skipped; each as long as `headers`. */
  rows: unknown[][];
  /** Each row's number as the spreadsheet shows it. */
  rowNumbers: number[];
  totalRows: number;
  /** The header row as the spreadsheet numbers it. */
  headerRow: number;
  /** The first rows with a value (numbered as in the spreadsheet), to pick another header row from. */
  topRows: { row: number; cells: unknown[] }[];
  /** Serial dates count from 1904 (old Mac workbooks). */
  date1904: boolean;
  /** How a CSV was decoded; absent for workbooks. */
  csv?: { encoding: TextEncodingName; delimiter: Delimiter };
  /** Bytes unpacked from the archive to read it (XLSX): what the memory bound promises. */
  inflatedBytes?: number;
}

function tooManyRows(maxRows: number, seen: number | null): ImportFileError {
  return seen === null
    ? importError("too-many-rows", "import_file_too_many_rows_over", { limit: maxRows })
    : importError("too-many-rows", "import_file_too_many_rows", { count: seen, limit: maxRows });
}

function tooLarge(what: "parts" | "text" | "xls"): ImportFileError {
  if (what === "xls") {
    return importError("too-large", "import_file_xls_too_large", { limitMb: XLS_MAX_BYTES / 1048576 });
  }
  return what === "parts"
    ? importError("too-large", "import_file_unpacks_too_large", { limitMb: SHEETJS_MAX_INFLATE / 1048576 })
    : importError("too-large", "import_file_too_much_text", { limit: MAX_TEXT_CHARS });
}

function corrupt(): ImportFileError {
  return importError("corrupt", "import_file_unreadable", {});
}

function emptySheet(detail: "no-rows" | "header-only", sheet: string): ImportFileError {
  return detail === "no-rows"
    ? importError("empty", "import_sheet_empty", { sheet })
    : importError("empty", "import_file_header_only", {});
}

function noSuchSheet(name: string, sheets: SheetChoice[]): ImportFileError {
  return importError("no-sheet", "import_sheet_missing", { sheet: name, sheets: sheets.map((s) => `«${s.name}»`).join(", ") });
}

function badHeaderRow(row: number): ImportFileError {
  return importError("no-header", "import_header_row_invalid", { row, scan: HEADER_SCAN });
}

function isBlank(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === "string" && v.trim() === "");
}

function isText(v: unknown): v is string {
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
  return cellDisplay(v).replace(/\s+/g, " ").trim();
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

function noHeader(first: unknown[], row: number): ImportFileError {
  const sample = first
    .filter((v) => !isBlank(v))
    .slice(0, 3)
    .map((v) => cellDisplay(v))
    .join(", ");
  return importError("no-header", "import_header_row_missing", { row, sample });
}

function filledCount(row: unknown[]): number {
  let n = 0;
  for (const v of row) if (!isBlank(v)) n++;
  return n;
}

/** A cell a header could hold: text that is not a number (1,5E+10 included), a date, a phone or an e-mail. */
function nameLike(v: unknown): boolean {
  return isText(v) && !looksLikeData(v) && !/^\s*[-+]?\d+(?:[.,]\d+)?[eE][-+]?\d+\s*$/.test(v) && parseDate(v) === null;
}

function headerLike(row: unknown[]): boolean {
  return row.some((v) => !isBlank(v)) && row.every((v) => isBlank(v) || nameLike(v));
}

/**
 * The header among the first rows with values: a row of only names (text, no phone or e-mail)
 * about as wide as the rows under it, preferably the one right above the first row of data. A
 * title line, even merged across the table, fills one or two cells, so it is passed over; when
 * nothing qualifies, the first row is taken.
 */
export function findHeaderIndex(rows: unknown[][]): number {
  const scan = Math.min(rows.length, HEADER_SCAN);
  let first = -1;
  for (let i = 0; i < scan; i++) {
    const row = rows[i]!;
    if (!headerLike(row)) continue;
    let below = 0;
    for (let k = i + 1; k < Math.min(rows.length, i + 6); k++) below = Math.max(below, filledCount(rows[k]!));
    const filled = filledCount(row);
    if (filled < Math.min(2, below) || filled < below * 0.6) continue;
    // As wide as the table: the header. Narrower, it may be a title: then it must stand right
    // above a row of data, not above another row of names.
    if (filled >= below) return i;
    const next = rows[i + 1];
    if (next && !headerLike(next)) return i;
    if (first < 0) first = i;
  }
  return Math.max(first, 0);
}

interface TableInput extends SheetGrid {
  sheetName: string;
}

/** Header row, uniform row width and limits, shared by workbooks and CSV. */
function toTable(
  g: TableInput,
  maxRows: number,
  seen: number | null,
  headerRow: number | undefined,
): Omit<WorkbookData, "type" | "reader" | "sheetName" | "sheets" | "date1904"> {
  const rows: unknown[][] = [];
  const numbers: number[] = [];
  g.rows.forEach((row, i) => {
    if (row.some((v) => !isBlank(v))) {
      rows.push(row);
      numbers.push(g.rowNumbers[i]!);
    }
  });
  if (rows.length === 0) throw emptySheet("no-rows", g.sheetName);
  let h: number;
  if (headerRow === undefined) h = findHeaderIndex(rows);
  else {
    h = numbers.indexOf(headerRow);
    if (h < 0 || h >= HEADER_SCAN) throw badHeaderRow(headerRow);
  }
  const first = rows[h]!;
  // Rows past the kept ones were only counted (a preview); the count covers every row with a value.
  const total = Math.max(g.filledRows, rows.length) - h - 1;
  if (total > maxRows) throw tooManyRows(maxRows, seen ?? total);
  if (!first.some(isText) || first.some(looksLikeData)) throw noHeader(first, numbers[h]!);
  if (total <= 0) throw emptySheet("header-only", g.sheetName);

  // Leading columns with nothing in them (a margin) and trailing ones (formatting leftovers) are not columns.
  let from = Infinity;
  let width = 0;
  for (let r = h; r < rows.length; r++) {
    const row = rows[r]!;
    for (let c = 0; c < Math.min(row.length, from); c++) {
      if (!isBlank(row[c])) {
        from = c;
        break;
      }
    }
    for (let c = row.length - 1; c >= width; c--) {
      if (!isBlank(row[c])) {
        width = c + 1;
        break;
      }
    }
  }
  if (from === Infinity) from = 0;
  const headers = uniqueHeaders(Array.from({ length: width - from }, (_, c) => first[c + from]));
  const topRows = rows.slice(0, HEADER_SCAN).map((cells, i) => ({ row: numbers[i]!, cells: Array.from({ length: width - from }, (_, c) => cells[c + from] ?? null) }));
  const data = rows.slice(h + 1);
  // Rows are cut or padded to the width in place: the grid is ours, and a copy of 100,000 rows
  // would cost megabytes at the moment memory peaks.
  for (const row of data) {
    row.length = width;
    for (let c = 0; c < width; c++) row[c] ??= null;
    if (from > 0) row.splice(0, from);
  }
  return { headers, rows: data, rowNumbers: numbers.slice(h + 1), totalRows: total, headerRow: numbers[h]!, topRows };
}

/** Rows kept when only a preview is wanted: the header search window plus the rows columns are recognised by. */
const PREVIEW_KEEP = HEADER_SCAN + DETECT_ROWS;

function readCsv(bytes: Uint8Array, maxRows: number, opts: ReadOptions): WorkbookData {
  const { text, encoding } = decodeText(bytes);
  const delimiter = detectDelimiter(text);
  // Title lines plus the header plus one row over the limit are enough to know the limit is broken.
  const { records, numbers, count, truncated } = parseCsv(text, delimiter, maxRows + HEADER_SCAN + 2, opts.previewOnly ? PREVIEW_KEEP : undefined);
  const seen = truncated ? Math.max(countLines(text) - 1, maxRows + 1) : null;
  const sheetName = "CSV";
  const table = toTable({ sheetName, rows: records, rowNumbers: numbers, filledRows: count }, maxRows, seen, opts.headerRow);
  return { type: "csv", reader: "csv", sheetName, sheets: [{ name: sheetName, hidden: false }], date1904: false, ...table, csv: { encoding, delimiter } };
}

/** A SheetJS cell as our readers give it: raw values, and markers for what has no faithful value. */
function sheetjsValue(cell: XLSX.CellObject | undefined): unknown {
  if (!cell) return undefined;
  // SheetJS types a formula without a saved result as an error without a value.
  if (cell.v === undefined) return cell.f ? formulaCell(cell.f) : undefined;
  if (cell.t === "e") return errorCell(XLSX.utils.format_cell(cell) || "#N/A");
  if (cell.t === "z") return undefined;
  return cell.v;
}

/** The sheet's rows within its range, as `sheet_to_json(ws, { header: 1, raw: true, defval: null })` lays them out. */
function sheetjsGrid(ws: XLSX.WorkSheet): SheetGrid {
  const rows: unknown[][] = [];
  const rowNumbers: number[] = [];
  const ref = ws["!ref"];
  // SheetJS types its sheet keys as `any`: this reader asked for the dense mode, rows of cells.
  const data: (XLSX.CellObject | undefined)[][] | undefined = ws["!data"];
  if (!ref || !data) return { rows, rowNumbers, filledRows: 0 };
  const range = XLSX.utils.decode_range(ref);
  let filled = 0;
  for (let r = range.s.r; r <= range.e.r; r++) {
    const cells = data[r];
    if (!cells) continue;
    const out = new Array<unknown>(range.e.c - range.s.c + 1).fill(null);
    let any = false;
    for (let c = range.s.c; c <= range.e.c; c++) {
      const v = sheetjsValue(cells[c]);
      if (v === undefined) continue;
      out[c - range.s.c] = v;
      any = true;
    }
    if (!any) continue;
    rows.push(out);
    rowNumbers.push(r + 1);
    if (out.some((v) => !isBlank(v))) filled++;
  }
  return { rows, rowNumbers, filledRows: filled };
}

function sheetjsRead(bytes: Uint8Array, more: XLSX.ParsingOptions): XLSX.WorkBook {
  try {
    return XLSX.read(bytes, {
      type: "array",
      dense: true,
      cellDates: false,
      cellText: false,
      cellHTML: false,
      cellNF: false,
      cellStyles: false,
      ...more,
    });
  } catch (e) {
    const message = errorText(e);
    if (/password|encrypt/i.test(message)) throw passwordProtected();
    throw corrupt();
  }
}

function readSpreadsheet(bytes: Uint8Array, type: "xlsx" | "xls", maxRows: number, opts: ReadOptions): WorkbookData {
  // A first pass that builds one row per sheet: only it tells which sheets are hidden (in XLS too).
  const names = sheetjsRead(bytes, { sheetRows: 1 });
  const sheets: SheetChoice[] = names.SheetNames.map((name, i) => ({ name, hidden: Boolean(names.Workbook?.Sheets?.[i]?.Hidden) }));
  const wanted = opts.sheet ?? (sheets.find((s) => !s.hidden) ?? sheets[0])?.name;
  if (wanted === undefined) throw emptySheet("no-rows", "1");
  if (!sheets.some((s) => s.name === wanted)) throw noSuchSheet(wanted, sheets);
  // SheetJS stops building cells past this row; title lines, the header and one extra row tell us the limit is broken.
  const sheetRows = opts.previewOnly ? PREVIEW_KEEP + 1 : maxRows + HEADER_SCAN + 2;
  const wb = sheetjsRead(bytes, { sheetRows, sheets: wanted });
  const ws = wb.Sheets[wanted];
  if (!ws) throw emptySheet("no-rows", wanted);
  // SheetJS keeps the declared range in !fullref when sheetRows cut the sheet short.
  const fullRef: unknown = ws["!fullref"];
  const full = typeof fullRef === "string" ? refRows(fullRef) : null;
  const declared = full ? full.last - full.first : null;
  if (declared !== null && declared > maxRows + HEADER_SCAN) throw tooManyRows(maxRows, declared);
  const grid = sheetjsGrid(ws);
  // A cut preview counts the declared rows: the rows past the cut were never built.
  if (opts.previewOnly && declared !== null) grid.filledRows = Math.max(grid.filledRows, declared + 1);
  const table = toTable({ sheetName: wanted, ...grid }, maxRows, declared, opts.headerRow);
  return { type, reader: "sheetjs", sheetName: wanted, sheets, date1904: Boolean(wb.Workbook?.WBProps?.date1904), ...table };
}

function readStreamed(bytes: Uint8Array, entries: ZipEntry[], info: WorkbookInfo, maxRows: number, opts: ReadOptions): WorkbookData {
  let grid: SheetGrid;
  try {
    // Title lines, the header and one row over the limit are enough to know the limit is broken.
    grid = readSheetStream(bytes, entries, info, {
      maxRows: maxRows + HEADER_SCAN + 1,
      isBlank,
      maxChars: MAX_TEXT_CHARS,
      ...(opts.previewOnly ? { keepRows: PREVIEW_KEEP } : {}),
    });
  } catch (e) {
    if (isImportFileError(e)) throw e;
    if (e instanceof RowLimitError) throw tooManyRows(maxRows, null);
    if (e instanceof TextLimitError) throw tooLarge("text");
    throw corrupt();
  }
  const sheets = info.sheets.map((s) => ({ name: s.name, hidden: s.hidden }));
  const table = toTable({ sheetName: info.sheetName, ...grid }, maxRows, null, opts.headerRow);
  return { type: "xlsx", reader: "stream", sheetName: info.sheetName, sheets, date1904: info.date1904, ...table };
}

function pickReader(entries: ZipEntry[], info: WorkbookInfo | null, forced?: XlsxReader): XlsxReader {
  const sheet = info && findEntry(entries, info.sheetPath);
  if (!sheet) return "sheetjs";
  return forced ?? "stream";
}

/** The parts our reader unpacks besides the sheet and the strings it streams: the workbook and its relationships. */
function workbookParts(entries: ZipEntry[]): ZipEntry[] {
  return ["xl/workbook.xml", "xl/_rels/workbook.xml.rels"].map((p) => findEntry(entries, p)).filter((e): e is ZipEntry => e !== undefined);
}

/** The sheets of a workbook that passed `readSheet`'s checks once. */
function sheetList(bytes: Uint8Array, type: "xlsx" | "xls"): SheetChoice[] {
  if (type === "xlsx") {
    const info = workbookInfo(bytes, listZipEntries(bytes));
    if (info) return info.sheets.map((s) => ({ name: s.name, hidden: s.hidden }));
  }
  const wb = sheetjsRead(bytes, { sheetRows: 1 });
  return wb.SheetNames.map((name, i) => ({ name, hidden: Boolean(wb.Workbook?.Sheets?.[i]?.Hidden) }));
}

/**
 * The one way into a spreadsheet upload, whatever its format: tells what the file is from its bytes
 * (checked against its name), then reads one sheet: `opts.sheet`, else the first visible one that
 * holds a table (a cover sheet or an empty first sheet does not stop the upload; the preview lets
 * the user pick any sheet). For XLSX the ZIP directory is checked first and only the parts the
 * reader needs are unpacked.
 */
export function readImportFile(bytes: Uint8Array, fileName: string, opts: ReadOptions = {}): WorkbookData {
  const { type } = sniffFile(bytes, fileName);
  try {
    return readSheet(bytes, type, opts);
  } catch (err) {
    const unusable = isImportFileError(err) && (err.code === "empty" || err.code === "no-header");
    if (!unusable || opts.sheet !== undefined || opts.headerRow !== undefined || type === "csv") throw err;
    const first = sheetList(bytes, type);
    for (const s of first.filter((x) => !x.hidden).slice(1, 20)) {
      try {
        return readSheet(bytes, type, { ...opts, sheet: s.name });
      } catch (next) {
        if (!(isImportFileError(next) && (next.code === "empty" || next.code === "no-header"))) throw next;
      }
    }
    throw err;
  }
}

/** Reads a file whose content is known to be `type`. */
function readSheet(bytes: Uint8Array, type: SpreadsheetType, opts: ReadOptions): WorkbookData {
  const maxRows = opts.maxRows ?? DEFAULT_MAX_ROWS;
  if (type === "csv") return readCsv(bytes, maxRows, opts);
  if (type === "xlsx") {
    const entries = guardZip(bytes, opts.zipCaps);
    if (entries.some((e) => e.flags & 1)) throw passwordProtected();
    const listing = workbookInfo(bytes, entries);
    if (listing && opts.sheet !== undefined && !listing.sheets.some((s) => s.name === opts.sheet)) throw noSuchSheet(opts.sheet, listing.sheets);
    const info = listing && opts.sheet !== undefined ? workbookInfo(bytes, entries, opts.sheet) : listing;
    const declared = info && peekSheetRows(bytes, entries, info.sheetPath);
    if (declared && declared.last - declared.first > maxRows + HEADER_SCAN) {
      throw tooManyRows(maxRows, declared.last - declared.first);
    }
    if (info && pickReader(entries, info, opts.xlsxReader) === "stream") {
      // Only what is read is unpacked: the workbook part and its relationships (checked here) and
      // the sheet and its strings (checked by the streaming reader as it goes). Other parts, however
      // big they claim to be, are never inflated.
      const parts = workbookParts(entries);
      for (const part of parts) inflateEntry(bytes, part, () => {});
      const book = readStreamed(bytes, entries, info, maxRows, opts);
      const streamed = [info.sheetPath, info.sharedStringsPath].map((p) => (p ? findEntry(entries, p) : undefined));
      book.inflatedBytes = [...parts, ...streamed].reduce((n, e) => n + (e?.uncompressedSize ?? 0), 0);
      return book;
    }
    // SheetJS unpacks every part at once and keeps them: the whole archive must fit the budget.
    const total = entries.reduce((n, e) => n + e.uncompressedSize, 0);
    if (total > SHEETJS_MAX_INFLATE) throw tooLarge("parts");
    verifyZipEntries(bytes, entries);
    return { ...readSpreadsheet(bytes, "xlsx", maxRows, opts), inflatedBytes: total };
  }
  if (bytes.byteLength > XLS_MAX_BYTES) throw tooLarge("xls");
  return readSpreadsheet(bytes, "xls", maxRows, opts);
}

export interface WorkbookPreview {
  type: SpreadsheetType;
  sheetName: string;
  sheets: SheetChoice[];
  headerRow: number;
  /** The first rows with values, each as its number and a short text, to choose the header row from. */
  headerChoices: { row: number; text: string }[];
  headers: string[];
  /** The first rows, for the mapping screen. */
  rows: unknown[][];
  rowNumbers: number[];
  totalRows: number;
  /** Columns guessed from headers and content; the user confirms or changes them. */
  detected: DetectedColumns;
  date1904: boolean;
  csv?: WorkbookData["csv"];
}

function rowSummary(cells: unknown[]): string {
  const text = cells
    .filter((v) => !isBlank(v))
    .slice(0, 6)
    .map((v) => cellDisplay(v).replace(/\s+/g, " ").trim())
    .join(" · ");
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/**
 * The upload answer from a read made with `previewOnly`: what the file is, its sheets, the header
 * row taken, its columns and a first look at its rows.
 */
export function previewOf(book: WorkbookData): WorkbookPreview {
  return {
    type: book.type,
    sheetName: book.sheetName,
    sheets: book.sheets,
    headerRow: book.headerRow,
    headerChoices: book.topRows.map((r) => ({ row: r.row, text: rowSummary(r.cells) })),
    headers: book.headers,
    rows: book.rows.slice(0, PREVIEW_ROWS),
    rowNumbers: book.rowNumbers.slice(0, PREVIEW_ROWS),
    totalRows: book.totalRows,
    detected: detectColumns(book.headers, book.rows.slice(0, DETECT_ROWS)),
    date1904: book.date1904,
    ...(book.csv ? { csv: book.csv } : {}),
  };
}
