// Reads an XLSX's first worksheet without ever holding its XML: the sheet and the shared string table
// stream through the incremental inflater and tokenizer, and only cell values are kept. The grid is
// what SheetJS's `sheet_to_json(ws, { header: 1, raw: true, defval: null, blankrows: false })` gives
// for the same sheet (raw values, dates as serial numbers), so read.ts treats both readers alike.
import { cellText, decodeUtf8, sameName, type Tag, unescapeXml, XmlError, type XmlHandler, XmlTokenizer } from "./xlsx-stream-xml";
import { errorCell, formulaCell } from "./cells";
import { findEntry, type WorkbookInfo } from "./xlsx-peek";
import type { ZipEntry } from "./zip-guard";
import { inflateEntry } from "./zip-verify";

/** Thrown as soon as the sheet has more rows with values than allowed. */
export class RowLimitError extends Error {}

/** Thrown when the text kept from the sheet passes `maxChars`: more than a Worker can hold. */
export class TextLimitError extends Error {}

export interface SheetStreamOptions {
  /** Rows with a value allowed, header included; one more ends the read with RowLimitError. */
  maxRows: number;
  /** Which values leave a row empty, for counting rows against `maxRows`. */
  isBlank: (v: unknown) => boolean;
  /**
   * Rows with a value to keep (header included); later ones are only counted. A preview needs the
   * first rows and the count, not 100,000 rows of values.
   */
  keepRows?: number;
  /** Characters of text the shared strings and kept cells may hold together; past it, TextLimitError. */
  maxChars?: number;
}

/** The rows as read, with their 1-based sheet row numbers, and how many rows hold a value. */
export interface SheetGrid {
  rows: unknown[][];
  rowNumbers: number[];
  /** Rows with a value, counted even past `keepRows`. */
  filledRows: number;
}

/** Counts characters of kept text against a budget. */
class TextBudget {
  used = 0;
  constructor(private readonly max: number) {}
  add(s: string): void {
    this.used += s.length;
    if (this.used > this.max) throw new TextLimitError();
  }
}

/** Excel's last row and column: references past them are damage, not data. */
const MAX_ROW = 1_048_576;
const MAX_COL = 16_384;

// Element names each handler tells apart, by index; both lists start with the string item's three.
const T = 0;
const R = 1;
const RPH = 2;
const SI = 3;
const SST_NAMES = ["t", "r", "rPh", "si"];
const SHEET_DATA = 3;
const DIMENSION = 4;
const ROW = 5;
const C = 6;
const V = 7;
const IS = 8;
const F = 9;
const SHEET_NAMES = ["t", "r", "rPh", "sheetData", "dimension", "row", "c", "v", "is", "f"];

/**
 * The text of a string item (`<si>` in the shared table, `<is>` in a cell): its `<t>` runs joined,
 * phonetic runs (`<rPh>`) left out. An item with neither text nor runs but other content has no
 * value (null), as in SheetJS.
 */
class StringItem {
  private raw = "";
  private inText = false;
  private phonetic = 0;
  private hasText = false;
  private hasRun = false;
  private hasChild = false;

  reset(): void {
    this.raw = "";
    this.inText = false;
    this.phonetic = 0;
    this.hasText = this.hasRun = this.hasChild = false;
  }

  open(id: number, selfClosing: boolean): void {
    this.hasChild = true;
    if (id === RPH && !selfClosing) this.phonetic++;
    else if (id === R) this.hasRun = true;
    else if (id === T && this.phonetic === 0) {
      this.hasText = true;
      this.inText = !selfClosing;
    }
  }

  close(id: number): void {
    if (id === RPH && this.phonetic > 0) this.phonetic--;
    else if (id === T) this.inText = false;
  }

  text(buf: Uint8Array, start: number, end: number): void {
    if (this.inText) this.raw += decodeUtf8(buf, start, end);
  }

  value(): string | null {
    if (this.hasText || this.hasRun || !this.hasChild) return cellText(this.raw);
    return null;
  }
}

class SharedStrings implements XmlHandler {
  readonly values: (string | null)[] = [];
  private readonly item = new StringItem();
  private inItem = false;

  constructor(private readonly budget: TextBudget) {}

  open(id: number, _tag: Tag, selfClosing: boolean): void {
    if (id === SI) {
      this.item.reset();
      this.inItem = !selfClosing;
      if (selfClosing) this.values.push("");
    } else if (this.inItem) {
      this.item.open(id, selfClosing);
    }
  }

  close(id: number): void {
    if (id === SI && this.inItem) {
      const v = this.item.value();
      if (v) this.budget.add(v);
      this.values.push(v);
      this.inItem = false;
    } else if (this.inItem) {
      this.item.close(id);
    }
  }

  text(buf: Uint8Array, start: number, end: number): void {
    if (this.inItem) this.item.text(buf, start, end);
  }
}

function pump(bytes: Uint8Array, entry: ZipEntry, names: readonly string[], handler: XmlHandler): void {
  const tokens = new XmlTokenizer(names, handler);
  inflateEntry(bytes, entry, (chunk) => tokens.write(chunk));
  tokens.end();
}

function readSharedStrings(bytes: Uint8Array, entries: ZipEntry[], path: string, budget: TextBudget): (string | null)[] {
  const entry = findEntry(entries, path);
  if (!entry) throw new XmlError(`the shared strings part ${path} is missing`);
  const sst = new SharedStrings(budget);
  pump(bytes, entry, SST_NAMES, sst);
  // SheetJS's table ends with one more, empty string; a reference to it reads as "".
  sst.values.push("");
  return sst.values;
}

/** A cell reference such as "B12" in `b[start..end)` → column 1, row 11 (zero-based); -1 for a missing part. */
function parseRef(b: Uint8Array, start: number, end: number): { col: number; row: number } {
  let i = start;
  let col = 0;
  for (; i < end; i++) {
    const c = b[i]! - 64;
    if (c < 1 || c > 26) break;
    col = col * 26 + c;
  }
  let row = 0;
  const digitsFrom = i;
  for (; i < end; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) break;
    row = row * 10 + d;
  }
  return { col: col - 1, row: i > digitsFrom && i === end ? row - 1 : -1 };
}

/** A row number of only digits, or -1. */
function parseRowNumber(b: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return end > start ? n : -1;
}

interface Range {
  firstRow: number;
  lastRow: number;
  firstCol: number;
  lastCol: number;
}

/** A `<dimension ref>` SheetJS would take: two cell references, in order. */
function parseDimension(ref: string | null): Range | null {
  if (!ref || !/^\w*:\w*$/.test(ref)) return null;
  const bytes = new TextEncoder().encode(ref);
  const colon = ref.indexOf(":");
  const a = parseRef(bytes, 0, colon);
  const b = parseRef(bytes, colon + 1, bytes.length);
  const range = { firstRow: a.row, lastRow: b.row, firstCol: a.col, lastCol: b.col };
  const valid = range.firstRow >= 0 && range.firstCol >= 0 && range.firstRow <= range.lastRow && range.firstCol <= range.lastCol;
  return valid ? range : null;
}

const DAY_MS = 86_400_000;

/** A `t="d"` cell (an ISO 8601 date, time or both, read as UTC) as an Excel serial number. */
function isoToSerial(text: string, date1904: boolean): number {
  const ms = (fraction: string | undefined) => (fraction ? Number(`${fraction.slice(1)}00`.slice(0, 3)) : 0);
  let at: number;
  let m = /^(\d+):(\d+)(:\d+)?(\.\d+)?$/.exec(text);
  if (m) {
    const origin = date1904 ? Date.UTC(1904, 0, 1) : Date.UTC(1899, 11, 31);
    const seconds = (Number(m[1]) * 60 + Number(m[2])) * 60 + (m[3] ? Number(m[3].slice(1)) : 0);
    at = origin + seconds * 1000 + ms(m[4]);
  } else if ((m = /^(\d+)-(\d+)-(\d+)$/.exec(text))) {
    at = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  } else if ((m = /^(\d+)-(\d+)-(\d+)[T ](\d+):(\d+)(:\d+)?(\.\d+)?$/.exec(text))) {
    const seconds = m[6] ? Number(m[6].slice(1)) : 0;
    at = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), seconds, ms(m[7]));
  } else {
    at = new Date(text).getTime();
  }
  const days = (at - Date.UTC(1899, 11, 30)) / DAY_MS;
  // Excel counts a 29 February 1900 that never was, so serials before it are one day off.
  if (date1904) return days - 1462 < -1402 ? days - 1463 : days - 1462;
  return days < 60 ? days - 1 : days;
}

// Cell types (`t`), as codes; NO_TYPE when the cell has none, OTHER for one SheetJS cannot read.
const NO_TYPE = 0;
const NUMBER = 1;
const SHARED = 2;
const FORMULA_STRING = 3;
const INLINE = 4;
const BOOLEAN = 5;
const DATE = 6;
const ERROR = 7;
const OTHER = 8;
const TYPE_NAMES: [string, number][] = [
  ["s", SHARED],
  ["str", FORMULA_STRING],
  ["n", NUMBER],
  ["", NUMBER],
  ["inlineStr", INLINE],
  ["b", BOOLEAN],
  ["e", ERROR],
  ["d", DATE],
];

function cellType(tag: Tag): number {
  if (!tag.has("t")) return NO_TYPE;
  for (const [name, code] of TYPE_NAMES) if (sameName(tag.bytes, tag.valueStart, tag.valueEnd, name)) return code;
  return OTHER;
}

/** What a cell holds, or SKIP for a cell SheetJS leaves out (no value and no type that implies one). */
const SKIP = Symbol("skip");

class SheetReader implements XmlHandler {
  done = false;
  private inData = false;
  private dimension: Range | null = null;
  // The range SheetJS guesses when the sheet declares none: from row tags and the cells it keeps.
  private firstRowTag = Infinity;
  private lastRowTag = -1;
  private firstCol = Infinity;
  private lastCol = -1;

  private rowNumber = 0;
  private col = -1;
  private inCell = false;
  private cellRow = 0;
  private type = NO_TYPE;
  private value = "";
  private inValue = false;
  private hasValue = false;
  private hasFormula = false;
  private inFormula = false;
  private formula = "";
  private inItem = false;
  private hasItem = false;
  private readonly item = new StringItem();

  /** Cells by zero-based row, then column; rows without a kept cell stay holes. */
  private readonly rows: unknown[][] = [];
  /** One bit per row holding a value that is not blank, to count them against the limit. */
  private readonly filled = new Uint8Array((MAX_ROW >> 3) + 1);
  private filledCount = 0;
  /** Rows from this one on are counted, not kept: the row that passed `keepRows`. */
  private keepBefore = Infinity;

  constructor(
    private readonly strings: (string | null)[],
    private readonly date1904: boolean,
    private readonly opts: SheetStreamOptions,
    private readonly budget: TextBudget,
  ) {}

  get filledRows(): number {
    return this.filledCount;
  }

  open(id: number, tag: Tag, selfClosing: boolean): void {
    if (this.inItem) {
      this.item.open(id, selfClosing);
      return;
    }
    if (!this.inData) {
      if (id === SHEET_DATA) this.inData = !selfClosing;
      else if (id === DIMENSION) this.dimension = parseDimension(tag.attr("ref"));
      return;
    }
    if (id === C) {
      this.openCell(tag);
      if (selfClosing) this.closeCell();
    } else if (id === V && this.inCell && !this.hasValue && !selfClosing) {
      this.inValue = true;
      this.value = "";
    } else if (id === ROW) {
      this.openRow(tag);
    } else if (id === F && this.inCell) {
      this.hasFormula = true;
      this.inFormula = !selfClosing;
    } else if (id === IS && this.inCell && !selfClosing) {
      this.inItem = true;
      this.hasItem = true;
      this.item.reset();
    }
  }

  close(id: number): void {
    if (this.inItem) {
      if (id === IS) this.inItem = false;
      else this.item.close(id);
      return;
    }
    if (!this.inData) return;
    if (id === V && this.inValue) {
      this.inValue = false;
      this.hasValue = true;
    } else if (id === F) {
      this.inFormula = false;
    } else if (id === C && this.inCell) {
      this.closeCell();
    } else if (id === SHEET_DATA) {
      this.inData = false;
      this.done = true;
    }
  }

  text(buf: Uint8Array, start: number, end: number): void {
    if (this.inValue) this.value += decodeUtf8(buf, start, end);
    else if (this.inItem) this.item.text(buf, start, end);
    // A formula is kept only to name it when its result is missing; a few hundred characters do.
    else if (this.inFormula && this.formula.length < 256) this.formula += decodeUtf8(buf, start, end);
  }

  private openRow(tag: Tag): void {
    const given = tag.has("r") ? parseRowNumber(tag.bytes, tag.valueStart, tag.valueEnd) : -1;
    const n = given >= 0 ? given : this.rowNumber + 1;
    if (n > MAX_ROW || n < 1) throw new XmlError(`row ${n} is out of range`);
    this.rowNumber = n;
    this.col = -1;
    this.firstRowTag = Math.min(this.firstRowTag, n - 1);
    this.lastRowTag = Math.max(this.lastRowTag, n - 1);
  }

  private openCell(tag: Tag): void {
    this.inCell = true;
    this.type = cellType(tag);
    this.hasValue = this.inValue = this.hasItem = this.hasFormula = this.inFormula = false;
    this.formula = "";
    if (!tag.has("r")) {
      this.col++;
      this.cellRow = this.rowNumber - 1;
      return;
    }
    const at = parseRef(tag.bytes, tag.valueStart, tag.valueEnd);
    if (at.col >= MAX_COL || at.row >= MAX_ROW) throw new XmlError("a cell is out of range");
    this.col = at.col;
    this.cellRow = at.row >= 0 ? at.row : this.rowNumber - 1;
  }

  private closeCell(): void {
    this.inCell = this.inValue = this.inItem = false;
    const col = this.col;
    const value = this.cellValue();
    // SheetJS widens its guessed range by every cell with a type or a formula, even one it then drops.
    if (col >= 0 && (value !== SKIP || this.type !== NO_TYPE || this.hasFormula)) {
      this.firstCol = Math.min(this.firstCol, col);
      this.lastCol = Math.max(this.lastCol, col);
    }
    if (value === SKIP || col < 0 || this.cellRow < 0) return;
    const row = this.cellRow;
    const dim = this.dimension;
    if (dim && (row < dim.firstRow || row > dim.lastRow || col < dim.firstCol || col > dim.lastCol)) return;
    const blank = this.opts.isBlank(value);
    if (!blank && !(this.filled[row >> 3]! & (1 << (row & 7)))) {
      this.filled[row >> 3]! |= 1 << (row & 7);
      if (++this.filledCount > this.opts.maxRows) throw new RowLimitError();
      if (this.filledCount > (this.opts.keepRows ?? Infinity)) this.keepBefore = Math.min(this.keepBefore, row);
    }
    if (row >= this.keepBefore) return;
    // Inline strings and formula results are text the sheet itself carries; shared ones were counted.
    if (typeof value === "string" && this.type !== SHARED) this.budget.add(value);
    // A row sized once to the sheet's width holds exactly its cells; grown cell by cell, it would
    // carry spare capacity, which adds up to megabytes over 100,000 rows.
    (this.rows[row] ??= new Array<unknown>(Math.max(col, dim ? dim.lastCol : this.lastCol) + 1))[col] = value;
  }

  /** The cell's value as SheetJS reads it with `raw: true`; its quirks kept so both readers agree. */
  private cellValue(): unknown {
    const v = this.hasValue && this.value !== "" ? this.value : undefined;
    // A formula without its result (some libraries never compute one): reported, never taken as empty.
    if (this.hasFormula && v === undefined && this.type !== INLINE) return formulaCell(unescapeXml(this.formula) || "…");
    switch (this.type) {
      case NO_TYPE:
      case NUMBER:
        return v === undefined ? SKIP : parseFloat(unescapeXml(v));
      case SHARED: {
        if (v === undefined) return SKIP;
        const index = parseInt(unescapeXml(v), 10);
        if (!(index >= 0 && index < this.strings.length)) throw new XmlError(`no shared string ${v}`);
        return this.strings[index];
      }
      case FORMULA_STRING:
        // SheetJS decodes a formula's string result twice; so does this reader, so both agree.
        return v === undefined ? "" : cellText(unescapeXml(v));
      case INLINE:
        return this.hasItem ? this.item.value() : "";
      case BOOLEAN:
        return v !== undefined && /^(?:1|true)$/.test(unescapeXml(v));
      case DATE:
        if (v === undefined) throw new XmlError("a date cell without a date");
        return isoToSerial(unescapeXml(v), this.date1904);
      case ERROR:
        return errorCell(v === undefined ? "#N/A" : unescapeXml(v));
      default:
        throw new XmlError("a cell of an unknown type");
    }
  }

  /** The rows within the declared or guessed range, in order, from its first column on. */
  grid(): SheetGrid {
    if (this.inData) throw new XmlError("the sheet data does not end");
    const guessed = this.lastCol >= 0 && this.lastRowTag >= 0;
    const range: Range | null =
      this.dimension ??
      (guessed ? { firstRow: this.firstRowTag, lastRow: this.lastRowTag, firstCol: this.firstCol, lastCol: this.lastCol } : null);
    const rows: unknown[][] = [];
    const rowNumbers: number[] = [];
    if (!range) return { rows, rowNumbers, filledRows: this.filledCount };
    const last = Math.min(range.lastRow, this.rows.length - 1);
    for (let r = range.firstRow; r <= last; r++) {
      const cells = this.rows[r];
      if (!cells) continue;
      const trim = range.firstCol > 0 || cells.length > range.lastCol + 1;
      rows.push(trim ? cells.slice(range.firstCol, range.lastCol + 1) : cells);
      rowNumbers.push(r + 1);
    }
    return { rows, rowNumbers, filledRows: this.filledCount };
  }
}

/**
 * The chosen sheet's rows as `sheet_to_json` with `header: 1, raw: true` gives them, except that
 * error cells and formulas without a saved result come as UnreadableCell markers. Throws
 * RowLimitError past `maxRows` rows with values, TextLimitError past `maxChars`, XmlError for XML
 * it cannot read, and the ImportFileError of `inflateEntry` for a damaged or lying ZIP entry.
 */
export function readSheetStream(bytes: Uint8Array, entries: ZipEntry[], info: WorkbookInfo, opts: SheetStreamOptions): SheetGrid {
  const entry = findEntry(entries, info.sheetPath);
  if (!entry) throw new XmlError(`the sheet ${info.sheetPath} is missing`);
  const budget = new TextBudget(opts.maxChars ?? Infinity);
  const strings = info.sharedStringsPath ? readSharedStrings(bytes, entries, info.sharedStringsPath, budget) : [];
  const sheet = new SheetReader(strings, info.date1904, opts, budget);
  pump(bytes, entry, SHEET_NAMES, sheet);
  return sheet.grid();
}
