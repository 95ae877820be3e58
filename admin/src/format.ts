// How numbers, dates, durations and sizes read on the page, in the interface language and the
// browser's time zone. Pure: the language is a parameter, so the tests pin it.
import type { Lang } from "./i18n";

const loc = (lang: Lang) => (lang === "ru" ? "ru-RU" : "en-GB");

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "Europe/Moscow";
  } catch {
    return "Europe/Moscow";
  }
}

/** "2 июл. 2026 г., 14:05" / "2 Jul 2026, 14:05". */
export function dateTime(ms: number | null | undefined, lang: Lang, timeZone?: string): string {
  if (ms === null || ms === undefined) return "—";
  return new Intl.DateTimeFormat(loc(lang), { dateStyle: "medium", timeStyle: "short", timeZone }).format(ms);
}

/** "14:05" for the hourly chart axis. */
export function hourLabel(ms: number, lang: Lang, timeZone?: string): string {
  return new Intl.DateTimeFormat(loc(lang), { hour: "2-digit", minute: "2-digit", timeZone }).format(ms);
}

/** "2 июл." / "2 Jul" for the daily chart axis. */
export function dayLabel(ms: number, lang: Lang, timeZone?: string): string {
  return new Intl.DateTimeFormat(loc(lang), { day: "numeric", month: "short", timeZone }).format(ms);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

/** "5 минут назад" / "5 minutes ago"; "только что" under a minute. */
export function relative(ms: number, now: number, lang: Lang): string {
  const diff = ms - now;
  const rtf = new Intl.RelativeTimeFormat(loc(lang), { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(diff) >= size) return rtf.format(Math.round(diff / size), unit);
  }
  return rtf.format(0, "second");
}

/** Call length: "0:42", "12:05", "1:02:03". */
export function duration(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${r}` : `${m}:${r}`;
}

export function fileSize(bytes: number, lang: Lang): string {
  const nf = (n: number, d = 1) => new Intl.NumberFormat(loc(lang), { maximumFractionDigits: d }).format(n);
  if (bytes >= 1_048_576) return `${nf(bytes / 1_048_576)} ${lang === "ru" ? "МБ" : "MB"}`;
  if (bytes >= 1024) return `${nf(bytes / 1024, 0)} ${lang === "ru" ? "КБ" : "KB"}`;
  return `${bytes} ${lang === "ru" ? "Б" : "B"}`;
}

/** A date input's value ("2026-07-02") as the epoch ms of that local midnight, or of the next one for an end. */
export function dateInputToMs(value: string, end = false): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return undefined;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + (end ? 1 : 0));
  return end ? d.getTime() - 1 : d.getTime();
}

/** The reverse: local calendar date of an epoch ms, for a date input. */
export function msToDateInput(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "";
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}
