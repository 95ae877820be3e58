// Turns one raw spreadsheet row into the fields an import sends to amoCRM, or into a reason the user
// can read and fix (catalogue codes the clients word); and drops repeated people within one file.
import { normalizeEmail, normalizePhone } from "../lib/phone";
import type { ColumnMapping, ImportColumn, ImportKind, NormalizedImportRow } from "./types";
import { cellDisplay, isUnreadable, unreadableReason } from "./cells";
import { isHttpUrl, mapCallStatus, parseDate, parseDuration, type DateContext } from "./values";
import { codedText, type CodedText, type TextCode } from "../lib/errors";

/** A refused row's reason: every issue of the row, each a catalogue text naming its column and value. */
export type NormalizeResult = { ok: true; row: NormalizedImportRow } | { ok: false; reason: CodedText };

/** The columns whose value is checked, and the code saying it does not read. */
const INVALID = {
  phone: "import_cell_phone_invalid",
  email: "import_cell_email_invalid",
  duration: "import_cell_duration_invalid",
  date: "import_cell_date_invalid",
  recording: "import_cell_recording_invalid",
} as const satisfies Partial<Record<ImportColumn, TextCode>>;

function isBlank(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === "string" && v.trim() === "");
}

function shown(v: unknown): string {
  const s = v instanceof Date ? v.toISOString() : cellDisplay(v).replace(/\s+/g, " ").trim();
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

function text(v: unknown): string | null {
  if (isBlank(v) || isUnreadable(v)) return null;
  return String(v).replace(/\s+/g, " ").trim();
}

/** E.164 numbers of a cell; several numbers may share one cell, split by commas, semicolons or lines. */
function phonesOf(v: unknown): string[] | null {
  const whole = normalizePhone(v);
  if (whole) return [whole.e164];
  if (typeof v !== "string") return null;
  const parts = v.split(/[,;\n/]+/).map((p) => p.trim()).filter(Boolean);
  if (parts.length < 2) return null;
  const phones: string[] = [];
  for (const part of parts) {
    const p = normalizePhone(part);
    if (!p) return null;
    if (!phones.includes(p.e164)) phones.push(p.e164);
  }
  return phones;
}

/** Excel writes long numbers into CSV as «7,91612E+10»: the digits past the sixth are gone. */
const SCIENTIFIC = /^\s*[-+]?\d+(?:[.,]\d+)?[eE][-+]?\d+\s*$/;

/**
 * Normalises one row (`rowNumber` as the spreadsheet numbers it). `raw` is keyed by header; `mapping`
 * says which header feeds which field.
 * Leads need a phone or an e-mail, calls a phone; a filled cell that does not parse fails the row,
 * and so does a mapped cell that holds no faithful value (an Excel error, a formula without result).
 */
export function normalizeRow(
  kind: ImportKind,
  raw: Record<string, unknown>,
  mapping: ColumnMapping,
  rowNumber: number,
  dates: DateContext = {},
): NormalizeResult {
  const issues: CodedText[] = [];
  const cell = (column: ImportColumn): unknown => {
    const header = mapping[column];
    return header === undefined ? null : raw[header];
  };
  const fail = (column: keyof typeof INVALID, value: unknown) => {
    issues.push(codedText(INVALID[column], { value: shown(value), column: mapping[column] ?? "" }));
  };

  // Any column may feed the field mapping or a rule, so a cell without a faithful value fails the
  // row wherever it is: the row is reported, never imported with that cell changed or dropped.
  for (const header in raw) {
    const value = raw[header];
    if (!isUnreadable(value)) continue;
    issues.push(unreadableReason(value, header));
  }

  const row: NormalizedImportRow = {
    phone: null,
    phones: [],
    email: null,
    name: text(cell("name")),
    comment: text(cell("comment")),
    result: text(cell("result")),
    callStatus: null,
    durationSec: null,
    dateUnix: null,
    operator: text(cell("operator")),
    recordingUrl: null,
  };

  const phone = cell("phone");
  if (typeof phone === "string" && SCIENTIFIC.test(phone)) {
    issues.push(codedText("import_cell_phone_scientific", { value: shown(phone), column: mapping.phone ?? "" }));
  } else if (!isBlank(phone) && !isUnreadable(phone)) {
    const phones = phonesOf(phone);
    if (phones) {
      row.phones = phones;
      row.phone = phones[0] ?? null;
    } else fail("phone", phone);
  }
  const email = cell("email");
  if (!isBlank(email) && !isUnreadable(email)) {
    row.email = normalizeEmail(typeof email === "string" ? email : String(email));
    if (!row.email) fail("email", email);
  }
  if (row.result !== null) row.callStatus = mapCallStatus(cell("result"));
  const duration = cell("duration");
  if (!isBlank(duration) && !isUnreadable(duration)) {
    row.durationSec = parseDuration(duration);
    if (row.durationSec === null) fail("duration", duration);
  }
  const date = cell("date");
  if (!isBlank(date) && !isUnreadable(date)) {
    row.dateUnix = parseDate(date, dates);
    if (row.dateUnix === null) fail("date", date);
  }
  const recording = cell("recording");
  if (!isBlank(recording) && !isUnreadable(recording)) {
    row.recordingUrl = isHttpUrl(recording) ? String(recording).trim() : null;
    if (!row.recordingUrl) fail("recording", recording);
  }

  // A required field only counts as missing when nothing was written; a bad value is reported above.
  if (issues.length === 0) {
    if (kind === "leads" && !row.phone && !row.email) issues.push(codedText("import_row_no_contact"));
    else if (kind === "calls" && !row.phone) issues.push(codedText("import_row_no_phone"));
  }
  if (issues.length > 0) return { ok: false, reason: codedText("import_row_invalid", { row: rowNumber }, issues) };
  return { ok: true, row };
}

/** What a mapping lacks for an import kind, as a user message; null when it is enough. */
export function missingColumns(kind: ImportKind, mapping: ColumnMapping): "import_contact_column_required" | "import_phone_column_required" | null {
  if (kind === "leads" && mapping.phone === undefined && mapping.email === undefined) return "import_contact_column_required";
  if (kind === "calls" && mapping.phone === undefined) return "import_phone_column_required";
  return null;
}

export interface NumberedRow {
  /** The row's number as the user sees it in the spreadsheet. */
  rowNumber: number;
  row: NormalizedImportRow;
}

export interface DuplicateRow {
  rowNumber: number;
  duplicateOf: number;
  by: "phone" | "email";
}

/**
 * Keeps the first row per person: the same phone (in any written form, compared as E.164), else the
 * same e-mail. A dropped row's other phone and e-mail still point to the kept row, so a third row
 * sharing only those is a duplicate too. Rows with neither are kept.
 */
export function dedupeRows<T extends NumberedRow>(rows: T[]): { unique: T[]; duplicates: DuplicateRow[] } {
  const byPhone = new Map<string, number>();
  const byEmail = new Map<string, number>();
  const unique: T[] = [];
  const duplicates: DuplicateRow[] = [];
  for (const item of rows) {
    const phones = item.row.phones.length > 0 ? item.row.phones : item.row.phone ? [item.row.phone] : [];
    const email = item.row.email;
    const phoneHit = phones.map((p) => byPhone.get(p)).find((n) => n !== undefined);
    const emailHit = email ? byEmail.get(email) : undefined;
    const owner = phoneHit ?? emailHit;
    if (owner !== undefined) {
      duplicates.push({ rowNumber: item.rowNumber, duplicateOf: owner, by: phoneHit !== undefined ? "phone" : "email" });
    } else {
      unique.push(item);
    }
    const keeper = owner ?? item.rowNumber;
    for (const p of phones) if (!byPhone.has(p)) byPhone.set(p, keeper);
    if (email && !byEmail.has(email)) byEmail.set(email, keeper);
  }
  return { unique, duplicates };
}
