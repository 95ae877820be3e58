// Value conversions a mapping row applies before a value reaches amoCRM, plus the lenient number
// and date readers the rules engine and the LPTracker normaliser share, so all agree on one format.
import type { AmoCustomField, FactValue, Transform } from "../types";

export type TransformResult = { ok: true; value: FactValue } | { ok: false; reason: string };

/**
 * Wall-clock strings without a zone (`d.m.Y H:i`, `dd.mm.yyyy`, ISO without offset) are read as
 * Moscow time, UTC+3 all year: LPTracker never states its zone, its accounts are overwhelmingly
 * Moscow-based, and reading them in the host's zone would make results depend on where code runs.
 */
export const MOSCOW_OFFSET_MIN = 180;

// 1e11 seconds is the year 5138 while 1e11 milliseconds is 1973, so the two ranges never collide.
const MS_THRESHOLD = 1e11;
// Excel serial days stay below 1e6 (year 4637); real unix seconds of interest are far above it.
const EXCEL_MAX = 1e6;
// Day 0 of Excel's 1900 system, with its fictional 29.02.1900 already absorbed.
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);

const DAY_MS = 86_400_000;

export function isBlank(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === "string") return value.trim() === "";
  if (Array.isArray(value)) return value.every(isBlank);
  return false;
}

/**
 * Reads "1 500,50", "1,500.50", "₽ 2 000", "-3.5" and numbers. With both separators present the
 * last one is the decimal point; a lone comma is decimal too (Russian habit). Null when not a number.
 */
export function parseNumberLoose(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "boolean") return null;
  if (typeof value !== "string") return null;
  let s = value
    .trim()
    .replace(/[\s\u00a0\u202f']/g, "")
    .replace(/(руб\.?|р\.|₽|\$|€|£|¥|usd|eur|rub)/gi, "");
  if (!s) return null;
  const lastComma = s.lastIndexOf(",");
  const lastDot = s.lastIndexOf(".");
  if (lastComma >= 0 && lastDot >= 0) {
    const decimal = lastComma > lastDot ? "," : ".";
    const thousands = decimal === "," ? "." : ",";
    s = s.split(thousands).join("").replace(decimal, ".");
  } else if (lastComma >= 0) {
    // "1,500,000" is thousands; a single comma is a decimal comma.
    s = s.indexOf(",") === lastComma ? s.replace(",", ".") : s.split(",").join("");
  }
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

function wallClockToMs(y: number, mo: number, d: number, h: number, mi: number, s: number, offsetMin: number): number | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const utc = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC silently rolls 31.02 into March; refuse such dates instead.
  if (new Date(utc).getUTCDate() !== d) return null;
  return utc - offsetMin * 60_000;
}

const DMY = /^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

function numberToMs(n: number, excelSerial: boolean): number {
  if (excelSerial && n > 0 && n < EXCEL_MAX) return Math.round(EXCEL_EPOCH_MS + n * DAY_MS - MOSCOW_OFFSET_MIN * 60_000);
  return Math.abs(n) >= MS_THRESHOLD ? Math.round(n) : Math.round(n * 1000);
}

/**
 * Any date we meet → epoch milliseconds, or null. Accepts unix seconds or ms (number or digits),
 * `d.m.Y`, `d.m.y`, `d.m.Y H:i[:s]`, ISO 8601 with or without a zone (zone-less = Moscow, see
 * MOSCOW_OFFSET_MIN), Date objects, and — only when `excelSerial` is set, as spreadsheet imports
 * need — Excel serial day numbers (read as Moscow midnight plus the fraction of the day).
 */
export function toEpochMs(value: unknown, opts: { excelSerial?: boolean } = {}): number | null {
  const excel = opts.excelSerial ?? false;
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.getTime() : null;
  if (typeof value === "number") return Number.isFinite(value) ? numberToMs(value, excel) : null;
  if (typeof value !== "string") return null;
  const s = value.trim();
  if (!s) return null;
  if (/^\d+(\.\d+)?$/.test(s)) return numberToMs(Number(s), excel);
  const dmy = DMY.exec(s);
  if (dmy) {
    const [, d, mo, y, h, mi, sec] = dmy;
    let year = Number(y);
    // Two-digit years: 00–69 are this century, 70–99 the last one.
    if (y!.length === 2) year += year < 70 ? 2000 : 1900;
    return wallClockToMs(year, Number(mo), Number(d), Number(h ?? 0), Number(mi ?? 0), Number(sec ?? 0), MOSCOW_OFFSET_MIN);
  }
  const iso = ISO.exec(s);
  if (iso) {
    const [, y, mo, d, h, mi, sec, zone] = iso;
    let offset = MOSCOW_OFFSET_MIN;
    if (zone && zone.toUpperCase() === "Z") offset = 0;
    else if (zone) {
      const z = zone.replace(":", "");
      const sign = z.startsWith("-") ? -1 : 1;
      offset = sign * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5)));
    }
    const ms = wallClockToMs(Number(y), Number(mo), Number(d), Number(h ?? 0), Number(mi ?? 0), Number(sec ?? 0), offset);
    if (ms === null) return null;
    const frac = /\.(\d+)/.exec(s.slice(10));
    return frac ? ms + Math.round(Number(`0.${frac[1]}`) * 1000) : ms;
  }
  return null;
}

/** ISO 8601 in Moscow time: readable in a trace and still exact. */
export function toMoscowIso(ms: number): string {
  const d = new Date(ms + MOSCOW_OFFSET_MIN * 60_000);
  return `${d.toISOString().slice(0, 19)}+03:00`;
}

function display(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : JSON.stringify(value);
}

function firstPresent(value: FactValue | undefined): string | number | boolean | null {
  if (Array.isArray(value)) return value.find((v) => !isBlank(v)) ?? null;
  return value ?? null;
}

function lookupEnum(
  key: string | number,
  map: Record<string, number | string>,
  field: AmoCustomField | undefined,
): number | string | undefined {
  const wanted = String(key).trim().toLowerCase();
  for (const [k, v] of Object.entries(map)) if (k.trim().toLowerCase() === wanted) return v;
  // A source value that already is one of the field's options needs no map entry.
  const option = field?.enums?.find((e) => e.value.trim().toLowerCase() === wanted);
  return option?.id;
}

/**
 * Applies one row's transform. Blank input gives `{ ok: true, value: null }` ("nothing to write")
 * except for `constant`, which ignores its input.
 */
export function applyTransform(
  transform: Transform,
  value: FactValue | undefined,
  ctx: { field?: AmoCustomField } = {},
): TransformResult {
  if (transform.kind === "constant") return { ok: true, value: transform.value };
  if (value === undefined || isBlank(value)) return { ok: true, value: null };
  const v = value;
  switch (transform.kind) {
    case "as_is":
      return { ok: true, value: v };
    case "date": {
      const first = firstPresent(v);
      const ms = toEpochMs(first, { excelSerial: true });
      if (ms === null) return { ok: false, reason: `${display(first)} is not a date` };
      return { ok: true, value: Math.floor(ms / 1000) };
    }
    case "number": {
      const first = firstPresent(v);
      const n = parseNumberLoose(first);
      if (n === null) return { ok: false, reason: `${display(first)} is not a number` };
      return { ok: true, value: n };
    }
    case "enum_map": {
      const items = (Array.isArray(v) ? v : [v]).filter((x): x is string | number | boolean => x !== null && !isBlank(x));
      const out: (string | number)[] = [];
      for (const item of items) {
        const hit = lookupEnum(String(item), transform.map, ctx.field) ?? transform.fallback;
        if (hit === undefined) return { ok: false, reason: `no value map entry for ${display(item)} and no fallback` };
        if (!out.includes(hit)) out.push(hit);
      }
      if (out.length === 0) return { ok: true, value: null };
      return { ok: true, value: Array.isArray(v) ? out : out[0]! };
    }
    case "join": {
      const parts = (Array.isArray(v) ? v : [v]).filter((x) => !isBlank(x)).map((x) => String(x).trim());
      return { ok: true, value: parts.join(transform.separator) };
    }
  }
}
