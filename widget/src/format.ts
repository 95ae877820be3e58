// How the card shows times, durations and calls: short Russian (or English) phrases a manager
// reads at a glance. Pure functions; the words come from the i18n dictionary.
import type { CallView } from "../../worker/src/api-types";
import type { Lang, T } from "./i18n";

const DAY_MS = 86_400_000;

export interface WhenOptions {
  lang: Lang;
  /** Epoch ms that counts as "now" (tests pin it). */
  now: number;
  /** IANA zone; the browser's own when absent, which is what the manager expects. */
  timeZone?: string;
}

/** "1 ч 5 мин", "3 мин 20 с", "45 с"; seconds are dropped once a call passes an hour. */
export function formatDuration(totalSec: number, t: T): string {
  const sec = Math.max(0, Math.round(Number.isFinite(totalSec) ? totalSec : 0));
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  if (h > 0) return `${h} ${t("time.h")} ${m} ${t("time.min")}`;
  if (m > 0) return s > 0 ? `${m} ${t("time.min")} ${s} ${t("time.s")}` : `${m} ${t("time.min")}`;
  return `${s} ${t("time.s")}`;
}

function locale(lang: Lang): string {
  return lang === "ru" ? "ru-RU" : "en-GB";
}

function dayKey(ms: number, o: WhenOptions): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: o.timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(ms);
}

function clock(ms: number, o: WhenOptions): string {
  return new Intl.DateTimeFormat(locale(o.lang), { timeZone: o.timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(ms);
}

/** "сегодня, 14:05", "вчера, 09:30", "12 мар., 14:05", "3 дек. 2024 г., 10:00". */
export function formatWhen(ms: number | null, o: WhenOptions, t: T): string {
  if (ms === null || !Number.isFinite(ms)) return t("common.none");
  const day = dayKey(ms, o);
  if (day === dayKey(o.now, o)) return `${t("time.today")}, ${clock(ms, o)}`;
  if (day === dayKey(o.now - DAY_MS, o)) return `${t("time.yesterday")}, ${clock(ms, o)}`;
  const sameYear = day.slice(0, 4) === dayKey(o.now, o).slice(0, 4);
  const date = new Intl.DateTimeFormat(locale(o.lang), {
    timeZone: o.timeZone,
    day: "numeric",
    month: "short",
    year: sameYear ? undefined : "numeric",
  }).format(ms);
  return `${date}, ${clock(ms, o)}`;
}

/** "только что", "2 минуты назад", "вчера": for the last sync time. */
export function formatAgo(ms: number | null, o: WhenOptions, t: T): string {
  if (ms === null || !Number.isFinite(ms)) return t("common.none");
  const diffSec = Math.round((ms - o.now) / 1000);
  const abs = Math.abs(diffSec);
  const rtf = new Intl.RelativeTimeFormat(locale(o.lang), { numeric: "auto" });
  if (abs < 45) return t("time.just_now");
  if (abs < 3600) return rtf.format(Math.round(diffSec / 60), "minute");
  if (abs < DAY_MS / 1000) return rtf.format(Math.round(diffSec / 3600), "hour");
  return rtf.format(Math.round(diffSec / 86400), "day");
}

/** i18n key of a call's direction. */
export function callDirectionKey(direction: CallView["direction"]): string {
  if (direction === "inbound") return "call.inbound";
  if (direction === "outbound") return "call.outbound";
  return "call.unknown";
}

export type CallTone = "ok" | "missed" | "neutral";

// Telephony dispositions as LPTracker reports them (Asterisk names), spelled a few ways.
const RESULTS: [codes: string[], key: string, tone: CallTone][] = [
  [["ANSWERED", "ANSWER", "SUCCESS"], "answered", "ok"],
  [["NOANSWER", "MISSED"], "no_answer", "missed"],
  [["BUSY"], "busy", "missed"],
  [["FAILED", "CONGESTION"], "failed", "missed"],
  [["CANCEL", "CANCELLED"], "cancelled", "missed"],
];

/**
 * The call's result as a label: known dispositions are translated, anything else (a result typed
 * by a manager, an unknown code) is shown as it came, as text.
 */
export function callResult(result: string | null, t: T): { label: string; tone: CallTone } {
  if (result === null || !result.trim()) return { label: t("call.result.unknown"), tone: "neutral" };
  const code = result.trim().toUpperCase().replace(/[\s_-]+/g, "");
  const known = RESULTS.find(([codes]) => codes.includes(code));
  return known ? { label: t(`call.result.${known[1]}`), tone: known[2] } : { label: result.trim(), tone: "neutral" };
}

/** "yandex · весна-2025 · пластиковые окна": the visit's source fields that are present. */
export function sourceLine(source: { source?: string | null; campaign?: string | null; keyword?: string | null }): string {
  return [source.source, source.campaign, source.keyword]
    .map((s) => (typeof s === "string" ? s.trim() : ""))
    .filter(Boolean)
    .join(" · ");
}

/** Only http(s) links from API data become `href`/`src`: a `javascript:` value must never be clickable. */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
  } catch {
    return null;
  }
}
