// Parsers for single cell values as Russian spreadsheets write them: decimal commas, Excel serial
// dates (1900 and 1904 systems), «7 декабря 2026», «2 мин 5 сек», call results in two languages.
// Each returns null when the value does not parse.
import { tzOffsetMs } from "../db/stats";
import type { CallStatus } from "./types";

/** Moscow has been UTC+3 all year since 2014. */
export const MOSCOW_OFFSET_SEC = 3 * 3600;
/** Dates without a zone are read in the account's zone; this one when it is not known. */
export const DEFAULT_TIME_ZONE = "Europe/Moscow";
/** Days between the 1900 and the 1904 date systems' day zero. */
const DATE_1904_SHIFT = 1462;

/** How a date without a zone is to be read. */
export interface DateContext {
  /** IANA zone of the account (amoCRM's `datetime_settings.timezone`). */
  timeZone?: string;
  /** The workbook counts serial dates from 1904. */
  date1904?: boolean;
}
/** Serial number of 1970-01-01 in Excel's 1900 date system. */
const EXCEL_UNIX_EPOCH = 25569;
const DAY_SEC = 86400;

/** "1 234,50", "1.234,5", "1,234.5", "-12", 12 → number. A lone comma is a decimal comma. */
export function parseNumber(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (typeof v !== "string") return null;
  let s = v.trim().replace(/[\s\u00a0\u202f']/g, "");
  if (!s) return null;
  const lastComma = s.lastIndexOf(",");
  const lastDot = s.lastIndexOf(".");
  if (lastComma >= 0 && lastDot >= 0) {
    // Both present: whichever comes last is the decimal separator, the other groups thousands.
    s = lastComma > lastDot ? s.replace(/\./g, "").replace(",", ".") : s.replace(/,/g, "");
  } else if (lastComma >= 0) {
    s = s.indexOf(",") === lastComma ? s.replace(",", ".") : s.replace(/,/g, "");
  } else if (s.indexOf(".") !== lastDot) {
    s = s.replace(/\./g, "");
  }
  if (!/^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

const UNIT_SECONDS: [RegExp, number][] = [
  [/^(?:ч|час|часа|часов|h|hr|hrs|hour|hours)$/, 3600],
  [/^(?:м|мин|минута|минуты|минут|m|min|mins|minute|minutes)$/, 60],
  [/^(?:с|сек|секунда|секунды|секунд|s|sec|secs|second|seconds)$/, 1],
];

/** Seconds from 125, "125", "02:05", "00:02:05", «2 мин 5 сек», "2m 5s", or an Excel time (day fraction). */
export function parseDuration(v: unknown): number | null {
  if (typeof v === "number") {
    if (!Number.isFinite(v) || v < 0) return null;
    // A fraction of one day is how Excel stores a cell formatted as time; no call lasts under a second.
    if (v > 0 && v < 1) return Math.round(v * DAY_SEC);
    return Math.round(v);
  }
  if (typeof v !== "string") return null;
  const s = v.trim().toLowerCase();
  if (!s) return null;
  const clock = /^(\d+):(\d{1,2})(?::(\d{1,2}(?:[.,]\d+)?))?$/.exec(s);
  if (clock) {
    const [a, b, c] = [Number(clock[1]), Number(clock[2]), clock[3] === undefined ? null : parseNumber(clock[3])];
    if (c === null) return b < 60 ? a * 60 + b : null;
    return b < 60 && c < 60 ? Math.round(a * 3600 + b * 60 + c) : null;
  }
  const plain = parseNumber(s);
  if (plain !== null) return plain >= 0 ? Math.round(plain) : null;
  let total = 0;
  let matched = 0;
  const rest = s.replace(/(?<!\d)(\d{1,9}(?:[.,]\d{1,9})?)\s*([a-zа-я]+)\.?/g, (_m, num: string, unit: string) => {
    const mult = UNIT_SECONDS.find(([re]) => re.test(unit))?.[1];
    if (mult === undefined) return _m;
    total += Number(num.replace(",", ".")) * mult;
    matched++;
    return " ";
  });
  return matched > 0 && /^[\s,]*$/.test(rest) ? Math.round(total) : null;
}

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Wall-clock seconds (as if UTC) in `timeZone` → Unix seconds; a time skipped by a clock change moves forward. */
export function zonedToUnix(wallSec: number, timeZone: string): number {
  const first = wallSec - tzOffsetMs(timeZone, wallSec * 1000) / 1000;
  // The offset at the guessed instant may differ across a change of offset: check once more.
  return wallSec - tzOffsetMs(timeZone, first * 1000) / 1000;
}

function fromParts(y: number, mo: number, d: number, h: number, mi: number, s: number, zone: number | string): number | null {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
  return typeof zone === "number" ? wall - zone : zonedToUnix(wall, zone);
}

/** Excel's serial day number (with a time fraction), a wall-clock time in `timeZone`, → Unix seconds. */
export function excelSerialToUnix(serial: number, ctx: DateContext = {}): number {
  const days = ctx.date1904 ? serial + DATE_1904_SHIFT : serial;
  const wall = Math.round((days - EXCEL_UNIX_EPOCH) * DAY_SEC);
  return zonedToUnix(wall, ctx.timeZone ?? DEFAULT_TIME_ZONE);
}

// Serials from 1970 to 2100: anything else in a date column is more likely a typo than a date.
const SERIAL_MIN = EXCEL_UNIX_EPOCH;
const SERIAL_MAX = 73051;

function fromNumber(n: number, ctx: DateContext): number | null {
  if (!Number.isFinite(n)) return null;
  const days = ctx.date1904 ? n + DATE_1904_SHIFT : n;
  if (days >= SERIAL_MIN && days < SERIAL_MAX) return excelSerialToUnix(n, ctx);
  if (n >= 1e9 && n < 1e10) return Math.round(n);
  if (n >= 1e12 && n < 1e13) return Math.round(n / 1000);
  return null;
}

/** Month names as Russian and English texts write them: «декабря», «дек.», «Dec», «December». */
const MONTHS: [RegExp, number][] = [
  [/^(?:янв(?:аря|арь)?|jan(?:uary)?)$/, 1],
  [/^(?:фев(?:раля|раль)?|feb(?:ruary)?)$/, 2],
  [/^(?:мар(?:та|т)?|mar(?:ch)?)$/, 3],
  [/^(?:апр(?:еля|ель)?|apr(?:il)?)$/, 4],
  [/^(?:ма[яй]|may)$/, 5],
  [/^(?:июн[яь]?|jun[e]?)$/, 6],
  [/^(?:июл[яь]?|jul[y]?)$/, 7],
  [/^(?:авг(?:уста|уст)?|aug(?:ust)?)$/, 8],
  [/^(?:сен(?:т(?:ября|ябрь)?)?|sep(?:t(?:ember)?)?)$/, 9],
  [/^(?:окт(?:ября|ябрь)?|oct(?:ober)?)$/, 10],
  [/^(?:ноя(?:б(?:ря|рь)?)?|nov(?:ember)?)$/, 11],
  [/^(?:дек(?:абря|абрь)?|dec(?:ember)?)$/, 12],
];

function monthOf(word: string): number | null {
  const w = word.toLowerCase().replace(/\.$/, "");
  return MONTHS.find(([re]) => re.test(w))?.[1] ?? null;
}

// Literals, so the regex fuzz test reads them; the separator before a time is one unambiguous
// alternative (a T, comma or «в» with optional spaces, or spaces alone) so a long run of spaces
// costs linear time.
const NUMERIC_DATE = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?:(?:\s*[T,в]\s*|\s+)(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/i;
const WORDED_DATE = /^(\d{1,2})\s+([a-zа-яё]+\.?)\s+(\d{4})(?:\s*(?:г\.?|года))?,?(?:(?:\s*[T,в]\s*|\s+)(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/i;

/**
 * Unix seconds from an Excel serial (45366.5, in the workbook's date system), "15.03.2024",
 * "15.03.2024 14:30[:15]", "15/03/24", «7 декабря 2026 [г.] [14:30]», ISO 8601 (a zone if given),
 * a Unix timestamp or a Date. Wall-clock times are read in the account's zone (`ctx.timeZone`).
 */
export function parseDate(v: unknown, ctx: DateContext = {}): number | null {
  const zone = ctx.timeZone ?? DEFAULT_TIME_ZONE;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : Math.floor(v.getTime() / 1000);
  if (typeof v === "number") return fromNumber(v, ctx);
  if (typeof v !== "string") return null;
  const s = v.trim();
  if (!s || s.length > 64) return null;
  if (/^\d+(?:[.,]\d+)?$/.test(s) && !/^\d{1,2}[.,]\d{1,2}$/.test(s)) return fromNumber(parseNumber(s) ?? NaN, ctx);
  const ru = NUMERIC_DATE.exec(s);
  if (ru) {
    const year = ru[3]!.length === 2 ? 2000 + Number(ru[3]) : Number(ru[3]);
    return fromParts(year, Number(ru[2]), Number(ru[1]), Number(ru[4] ?? 0), Number(ru[5] ?? 0), Number(ru[6] ?? 0), zone);
  }
  const worded = WORDED_DATE.exec(s);
  if (worded) {
    const month = monthOf(worded[2]!);
    if (month === null) return null;
    return fromParts(Number(worded[3]), month, Number(worded[1]), Number(worded[4] ?? 0), Number(worded[5] ?? 0), Number(worded[6] ?? 0), zone);
  }
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(s);
  if (iso) {
    let offset: number | string = zone;
    const given = iso[7];
    if (given) {
      if (given.toUpperCase() === "Z") offset = 0;
      else {
        const zm = /^([+-])(\d{2}):?(\d{2})?$/.exec(given)!;
        offset = (zm[1] === "-" ? -1 : 1) * (Number(zm[2]) * 3600 + Number(zm[3] ?? 0) * 60);
      }
    }
    return fromParts(Number(iso[1]), Number(iso[2]), Number(iso[3]), Number(iso[4] ?? 0), Number(iso[5] ?? 0), Number(iso[6] ?? 0), offset);
  }
  return null;
}

// Checked in this order: negatives first, so «не ответил» never reads as «ответил».
const CALL_STATUS_RULES: [RegExp, CallStatus][] = [
  [/неуспеш|не успеш|fail|error|ошибк/, 8],
  [/неверн|ошибочн|неправильн|не существ|wrong|invalid|incorrect/, 5],
  [/автоответ|голосов|voice ?mail|answering machine|оставил[аи]? сообщ|left (?:a )?message/, 1],
  [/не ответ|неответ|без ответа|не дозвон|недозвон|не взял|не отвеч|не состоял|пропущ|no.?answer|not answered|unanswered|missed/, 6],
  [/занят|busy/, 7],
  [/перезвон|call ?back|позже|later/, 2],
  [/недоступ|не доступ|вне зоны|нет на месте|выключен|unavailable|not available|unreachable|congestion/, 3],
  [/разговор|успешн|дозвонил|ответил|состоял|answered|success|talked|connected|completed|^ok$/, 4],
];

const CALL_STATUSES: readonly CallStatus[] = [1, 2, 3, 4, 5, 6, 7, 8];

/** amoCRM call_status for a result as written; 8 ("other") when nothing matches. */
export function mapCallStatus(v: unknown): CallStatus {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\s*[1-8]\s*$/.test(v) ? Number(v) : NaN;
  const given = CALL_STATUSES.find((s) => s === n);
  if (given !== undefined) return given;
  if (typeof v !== "string") return 8;
  const s = v.toLowerCase().replace(/ё/g, "е").replace(/[_-]+/g, " ").trim();
  for (const [re, status] of CALL_STATUS_RULES) if (re.test(s)) return status;
  return 8;
}

/** True when the result text matched a rule (used to recognise a result column by its content). */
export function isKnownCallResult(v: unknown): boolean {
  return typeof v === "string" && mapCallStatus(v) !== 8 && !/^\s*\d\s*$/.test(v);
}

const AUDIO_EXT = /\.(?:mp3|wav|ogg|oga|opus|m4a|aac|flac|amr|wma|webm)(?:[?#]|$)/i;

/** An http(s) link that names an audio file or a recording. */
export function isRecordingUrl(v: unknown): boolean {
  if (typeof v !== "string") return false;
  const s = v.trim();
  return /^https?:\/\/[^\s]+$/i.test(s) && (AUDIO_EXT.test(s) || /record|rec[_\-/=]|запис/i.test(s));
}

export function isHttpUrl(v: unknown): boolean {
  return typeof v === "string" && /^https?:\/\/[^\s]+$/i.test(v.trim());
}
