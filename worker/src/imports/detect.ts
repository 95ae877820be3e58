// Guesses which spreadsheet column holds the phone, e-mail, name, call result and so on: first by
// header words (Russian and English), then by what the values look like. The user confirms the guess.
import { normalizeEmail, normalizePhone } from "../lib/phone";
import { IMPORT_COLUMNS, type ColumnMapping, type ImportColumn } from "./types";
import { isKnownCallResult, isRecordingUrl, parseDate, parseDuration } from "./values";

export type DetectedColumns = Partial<Record<ImportColumn, number>>;

/** Lower case, ё→е, punctuation to spaces: "Тел. (моб.)" → "тел моб". */
function words(header: string): string {
  return ` ${header.toLowerCase().replace(/ё/g, "е").replace(/[^\p{L}\p{N}]+/gu, " ").trim()} `;
}

// Patterns run against " word word " (spaces at both ends), so " тел " is a whole word and " длительн"
// a word start; JS \b knows no Cyrillic. Order matters: "время разговора" is a duration, "дата записи"
// a date, "комментарий менеджера" a comment and "телефон менеджера" the operator.
const HEADER_RULES: [ImportColumn, RegExp][] = [
  ["duration", / длительн| продолжительн| duration| billsec| talk ?time| время разговора| сек | секунд| sec | seconds | мин /],
  ["date", / дата| date| время | time| created| создан| когда | timestamp| datetime/],
  ["recording", / запис| ссылк| record| audio| аудио| mp3 | wav | link | url /],
  ["result", / результат| статус| итог| result| disposition| status| outcome/],
  ["email", / e mail | email| почт| емейл| имейл| электронн| mail /],
  ["comment", / коммент| примечан| заметк| comment| note| описан| description/],
  ["operator", / оператор| менеджер| сотрудник| ответственн| operator| agent| manager| employee| user /],
  ["phone", / телефон| тел | номер| phone| mobile| мобильн| сотов| tel | msisdn| caller| callee| number/],
  ["name", / имя | фио | клиент| контакт| name| client| customer| contact| абонент| покупател| заказчик/],
];

export function columnFromHeader(header: string): ImportColumn | null {
  const w = words(header);
  for (const [column, re] of HEADER_RULES) if (re.test(w)) return column;
  return null;
}

function isPhoneLike(v: unknown): boolean {
  if (typeof v !== "number" && typeof v !== "string") return false;
  const digits = String(v).replace(/\D/g, "");
  return digits.length >= 10 && normalizePhone(v) !== null;
}

function isDateLike(v: unknown): boolean {
  if (v instanceof Date) return true;
  // Numbers only as Excel serial days from 2000 to 2100; anything else is likelier an amount or an ID.
  if (typeof v === "number") return v >= 36526 && v < 73051;
  return typeof v === "string" && /[.\-/:]/.test(v) && parseDate(v) !== null && !/^\d{1,2}:\d{2}(?::\d{2})?$/.test(v.trim());
}

function isDurationLike(v: unknown): boolean {
  if (typeof v === "number") return Number.isInteger(v) ? v >= 0 && v <= 36000 : v > 0 && v < 1;
  if (typeof v !== "string") return false;
  const s = v.trim();
  if (/^\d+$/.test(s)) return Number(s) <= 36000;
  return (/^\d{1,2}:\d{2}(?::\d{2})?$/.test(s) || /[a-zа-я]/i.test(s)) && parseDuration(s) !== null;
}

/** Row numbers and IDs (1, 2, 3…) are small integers too, but they are not durations. */
function isSequence(values: unknown[]): boolean {
  return values.length > 2 && values.every((v, i) => {
    const before = values[i - 1];
    return i === 0 || (typeof v === "number" && typeof before === "number" && v === before + 1);
  });
}

// By content, the most distinctive look first: an "@" is only ever an e-mail, a bare number could be
// several things. Names are not guessed from content: plain words could be a source, a city, anything.
const CONTENT_RULES: [ImportColumn, (v: unknown) => boolean, ((values: unknown[]) => boolean)?][] = [
  ["email", (v) => normalizeEmail(v) !== null],
  ["recording", isRecordingUrl],
  ["phone", isPhoneLike],
  ["date", isDateLike],
  ["duration", isDurationLike, isSequence],
  ["result", isKnownCallResult],
];

const CONTENT_SHARE = 0.6;

function isBlank(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === "string" && v.trim() === "");
}

/**
 * Column index per field. Headers win; columns whose header says nothing are then judged by the
 * share of sample values that look right. Each column is used for one field at most.
 */
export function detectColumns(headers: string[], sampleRows: unknown[][]): DetectedColumns {
  const found: DetectedColumns = {};
  const used = new Set<number>();
  headers.forEach((h, i) => {
    const column = columnFromHeader(h);
    if (column && found[column] === undefined) {
      found[column] = i;
      used.add(i);
    }
  });
  for (const [column, test, veto] of CONTENT_RULES) {
    if (found[column] !== undefined) continue;
    let best = -1;
    let bestShare = CONTENT_SHARE;
    for (let i = 0; i < headers.length; i++) {
      if (used.has(i) || columnFromHeader(headers[i]!) !== null) continue;
      const values = sampleRows.map((r) => r[i]).filter((v) => !isBlank(v));
      if (values.length === 0 || veto?.(values)) continue;
      const share = values.filter(test).length / values.length;
      if (share >= bestShare && (share > bestShare || best < 0)) {
        best = i;
        bestShare = share;
      }
    }
    if (best >= 0) {
      found[column] = best;
      used.add(best);
    }
  }
  return found;
}

/** Index mapping → header-name mapping, as normalizeRow wants it. */
export function toColumnMapping(headers: string[], detected: DetectedColumns): ColumnMapping {
  const mapping: ColumnMapping = {};
  for (const column of IMPORT_COLUMNS) {
    const index = detected[column];
    const header = index === undefined ? undefined : headers[index];
    if (header !== undefined) mapping[column] = header;
  }
  return mapping;
}

/** One data row as a record keyed by header, the shape normalizeRow reads. */
export function rowToRecord(headers: string[], row: unknown[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  headers.forEach((h, i) => {
    record[h] = row[i] ?? null;
  });
  return record;
}
