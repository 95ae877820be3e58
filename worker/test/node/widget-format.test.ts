// The card's wording: durations, dates, call labels and links as a Russian manager reads them.
import { describe, expect, it } from "vitest";
import ru from "../../../widget/i18n/ru.json";
import en from "../../../widget/i18n/en.json";
import { createT, type Dict } from "../../../widget/src/i18n";
import { callDirectionKey, callResult, formatAgo, formatDuration, formatWhen, safeUrl, sourceLine } from "../../../widget/src/format";

const tRu = createT(ru as Dict);
const tEn = createT(en as Dict);
const MSK = "Europe/Moscow";
// 2025-03-12 14:05:00 in Moscow (UTC+3).
const NOW = Date.UTC(2025, 2, 12, 11, 5, 0);

describe("formatDuration", () => {
  it("shows seconds alone under a minute", () => {
    expect(formatDuration(45, tRu)).toBe("45 с");
    expect(formatDuration(0, tRu)).toBe("0 с");
  });
  it("shows minutes and seconds, dropping zero seconds", () => {
    expect(formatDuration(125, tRu)).toBe("2 мин 5 с");
    expect(formatDuration(180, tRu)).toBe("3 мин");
  });
  it("shows hours and minutes for long calls", () => {
    expect(formatDuration(3725, tRu)).toBe("1 ч 2 мин");
    expect(formatDuration(3725, tEn)).toBe("1 h 2 min");
  });
  it("treats negative and broken values as zero", () => {
    expect(formatDuration(-5, tRu)).toBe("0 с");
    expect(formatDuration(Number.NaN, tRu)).toBe("0 с");
  });
});

describe("formatWhen", () => {
  const o = { lang: "ru" as const, now: NOW, timeZone: MSK };
  it("says «сегодня» for today and «вчера» for yesterday, with the time", () => {
    expect(formatWhen(NOW - 2 * 3600_000, o, tRu)).toBe("сегодня, 12:05");
    expect(formatWhen(NOW - 24 * 3600_000, o, tRu)).toBe("вчера, 14:05");
  });
  it("gives day and short month in the same year, and the year otherwise", () => {
    expect(formatWhen(Date.UTC(2025, 0, 3, 7, 30), o, tRu)).toMatch(/^3 янв\.?, 10:30$/);
    expect(formatWhen(Date.UTC(2024, 11, 3, 7, 30), o, tRu)).toMatch(/^3 дек\.? 2024( г\.)?, 10:30$/);
  });
  it("uses the time zone it is given, not the machine's", () => {
    // 23:30 UTC on the 11th is already the 12th in Moscow.
    expect(formatWhen(Date.UTC(2025, 2, 11, 23, 30), o, tRu)).toBe("сегодня, 02:30");
  });
  it("shows a dash when there is no date", () => {
    expect(formatWhen(null, o, tRu)).toBe("—");
  });
  it("speaks English when the interface does", () => {
    expect(formatWhen(NOW - 60_000, { ...o, lang: "en" }, tEn)).toBe("today, 14:04");
  });
});

describe("formatAgo", () => {
  const o = { lang: "ru" as const, now: NOW, timeZone: MSK };
  it("reads naturally in Russian", () => {
    expect(formatAgo(NOW - 10_000, o, tRu)).toBe("только что");
    expect(formatAgo(NOW - 2 * 60_000, o, tRu)).toBe("2 минуты назад");
    expect(formatAgo(NOW - 5 * 3600_000, o, tRu)).toBe("5 часов назад");
    expect(formatAgo(NOW - 86_400_000, o, tRu)).toBe("вчера");
  });
});

describe("call labels", () => {
  it("names the direction in Russian", () => {
    expect(tRu(callDirectionKey("inbound"))).toBe("Входящий");
    expect(tRu(callDirectionKey("outbound"))).toBe("Исходящий");
    expect(tRu(callDirectionKey(null))).toBe("Звонок");
  });
  it("translates telephony dispositions however they are spelled", () => {
    expect(callResult("ANSWERED", tRu)).toEqual({ label: "Отвечен", tone: "ok" });
    expect(callResult("NO ANSWER", tRu)).toEqual({ label: "Без ответа", tone: "missed" });
    expect(callResult("no_answer", tRu)).toEqual({ label: "Без ответа", tone: "missed" });
    expect(callResult("BUSY", tRu).label).toBe("Занято");
  });
  it("shows an unknown result as it came, and says when there is none", () => {
    expect(callResult("Перезвонить завтра", tRu)).toEqual({ label: "Перезвонить завтра", tone: "neutral" });
    expect(callResult(null, tRu).label).toBe("Результат неизвестен");
  });
});

describe("sourceLine and safeUrl", () => {
  it("joins the visit's source, campaign and keyword that are present", () => {
    expect(sourceLine({ source: "yandex", campaign: " ", keyword: "окна пвх" })).toBe("yandex · окна пвх");
    expect(sourceLine({})).toBe("");
  });
  it("keeps http(s) links and drops anything that could run script", () => {
    expect(safeUrl("https://rec.example/1.mp3")).toBe("https://rec.example/1.mp3");
    expect(safeUrl("javascript:alert(1)")).toBeNull();
    expect(safeUrl("not a url")).toBeNull();
    expect(safeUrl(null)).toBeNull();
  });
});
