// Specification: one raw row in, amoCRM-ready fields or a readable reason out; duplicates dropped.
import { describe, expect, it } from "vitest";
import { dedupeRows, missingColumns, normalizeRow, type NumberedRow } from "../../../src/imports/normalize";
import type { NormalizedImportRow } from "../../../src/imports/types";
import { normalizedRow } from "./rows";
import { excelSerialToUnix, mapCallStatus, parseDate, parseDuration, parseNumber } from "../../../src/imports/values";
import { wordText } from "../../../src/contracts/texts";
import type { NormalizeResult } from "../../../src/imports/normalize";

/** A refused row's reason as the upload page and the report word it: Russian, English, the stored English. */
function said(r: NormalizeResult): { ru: string | null; en: string | null; stored: string } {
  if (r.ok) throw new Error("the row was accepted");
  return { ru: wordText("ru", r.reason.ref), en: wordText("en", r.reason.ref), stored: r.reason.text };
}

const unix = (iso: string) => Date.parse(iso) / 1000;

describe("import: cell values", () => {
  it("parses numbers with decimal commas, spaces and either grouping", () => {
    expect(parseNumber("1 234,50")).toBe(1234.5);
    expect(parseNumber("1\u00a0234\u00a0567")).toBe(1234567);
    expect(parseNumber("1.234,5")).toBe(1234.5);
    expect(parseNumber("1,234.5")).toBe(1234.5);
    expect(parseNumber("12,5")).toBe(12.5);
    expect(parseNumber("1,234,567")).toBe(1234567);
    expect(parseNumber("-7")).toBe(-7);
    expect(parseNumber(3.5)).toBe(3.5);
    expect(parseNumber("12 руб")).toBeNull();
    expect(parseNumber("")).toBeNull();
    expect(parseNumber(NaN)).toBeNull();
  });

  it("parses durations in seconds, clock forms, words and Excel time", () => {
    expect(parseDuration(125)).toBe(125);
    expect(parseDuration("125")).toBe(125);
    expect(parseDuration("12,6")).toBe(13);
    expect(parseDuration("02:05")).toBe(125);
    expect(parseDuration("1:02:05")).toBe(3725);
    expect(parseDuration("2 мин 5 сек")).toBe(125);
    expect(parseDuration("1 ч 2 мин")).toBe(3720);
    expect(parseDuration("2m 5s")).toBe(125);
    expect(parseDuration("45 сек.")).toBe(45);
    expect(parseDuration(125 / 86400)).toBe(125); // a cell formatted [h]:mm:ss
    expect(parseDuration("2:75")).toBeNull();
    expect(parseDuration("долго")).toBeNull();
    expect(parseDuration(-5)).toBeNull();
  });

  it("reads Excel serial dates, with time, as Moscow time", () => {
    // 45366 is 15 March 2024; .5 is noon in Moscow, 09:00 UTC.
    expect(excelSerialToUnix(45366.5)).toBe(unix("2024-03-15T09:00:00Z"));
    expect(parseDate(45366)).toBe(unix("2024-03-14T21:00:00Z"));
    expect(parseDate(45366.604166666664)).toBe(unix("2024-03-15T11:30:00Z"));
    expect(parseDate("45366,5")).toBe(unix("2024-03-15T09:00:00Z"));
  });

  it("reads dd.mm.yyyy with optional time, ISO with or without a zone, timestamps and Dates", () => {
    expect(parseDate("15.03.2024")).toBe(unix("2024-03-15T00:00:00+03:00"));
    expect(parseDate("15.03.2024 14:30")).toBe(unix("2024-03-15T14:30:00+03:00"));
    expect(parseDate("5.3.2024 9:05:07")).toBe(unix("2024-03-05T09:05:07+03:00"));
    expect(parseDate("15/03/24")).toBe(unix("2024-03-15T00:00:00+03:00"));
    expect(parseDate("2024-03-15")).toBe(unix("2024-03-15T00:00:00+03:00"));
    expect(parseDate("2024-03-15 14:30:00")).toBe(unix("2024-03-15T14:30:00+03:00"));
    expect(parseDate("2024-03-15T14:30:00Z")).toBe(unix("2024-03-15T14:30:00Z"));
    expect(parseDate("2024-03-15T14:30:00.250+05:00")).toBe(unix("2024-03-15T09:30:00Z"));
    expect(parseDate(1710498600)).toBe(1710498600);
    expect(parseDate(1710498600000)).toBe(1710498600);
    expect(parseDate(new Date("2024-03-15T11:30:00Z"))).toBe(unix("2024-03-15T11:30:00Z"));
  });

  it("reads Russian worded dates: «7 декабря 2026», «7 дек. 2026 г. 14:30», and English month names", () => {
    expect(parseDate("7 декабря 2026")).toBe(unix("2026-12-07T00:00:00+03:00"));
    expect(parseDate("07 декабря 2026 г.")).toBe(unix("2026-12-07T00:00:00+03:00"));
    expect(parseDate("7 дек. 2026 г. 14:30")).toBe(unix("2026-12-07T14:30:00+03:00"));
    expect(parseDate("1 мая 2026, 09:05")).toBe(unix("2026-05-01T09:05:00+03:00"));
    expect(parseDate("7 Dec 2026 14:30")).toBe(unix("2026-12-07T14:30:00+03:00"));
    expect(parseDate("31 февраля 2026")).toBeNull();
    expect(parseDate("7 смарта 2026")).toBeNull();
  });

  it("reads wall-clock times in the account's zone, across clock changes", () => {
    const vladivostok = { timeZone: "Asia/Vladivostok" };
    expect(parseDate("07.12.2026 14:30", vladivostok)).toBe(unix("2026-12-07T14:30:00+10:00"));
    expect(parseDate("7 декабря 2026 14:30", vladivostok)).toBe(unix("2026-12-07T14:30:00+10:00"));
    expect(parseDate(46363.604166666664, vladivostok)).toBe(unix("2026-12-07T14:30:00+10:00"));
    // A zone written in the cell wins over the account's.
    expect(parseDate("2026-12-07T14:30:00Z", vladivostok)).toBe(unix("2026-12-07T14:30:00Z"));
    // Berlin keeps summer time: the same wall clock is an hour apart in July and December.
    expect(parseDate("01.07.2026 12:00", { timeZone: "Europe/Berlin" })).toBe(unix("2026-07-01T12:00:00+02:00"));
    expect(parseDate("01.12.2026 12:00", { timeZone: "Europe/Berlin" })).toBe(unix("2026-12-01T12:00:00+01:00"));
  });

  it("counts serial dates from 1904 in workbooks that say so", () => {
    // 45667.604166666664 is 11 January 2029 14:30 in the 1904 system and 10 January 2025 in the 1900 one.
    expect(parseDate(45667.604166666664, { date1904: true })).toBe(unix("2029-01-11T14:30:00+03:00"));
    expect(parseDate(45667.604166666664)).toBe(unix("2025-01-10T14:30:00+03:00"));
    expect(parseDate("45667,5", { date1904: true })).toBe(unix("2029-01-11T12:00:00+03:00"));
  });

  it("refuses impossible dates and numbers that are not dates", () => {
    expect(parseDate("31.02.2024")).toBeNull();
    expect(parseDate("15.13.2024")).toBeNull();
    expect(parseDate("15.03.2024 25:00")).toBeNull();
    expect(parseDate("15.03")).toBeNull();
    expect(parseDate(42)).toBeNull();
    expect(parseDate("вчера")).toBeNull();
  });

  it("maps call results to amoCRM call_status, keeping 8 for the unknown", () => {
    const cases: [unknown, number][] = [
      ["Разговор состоялся", 4],
      ["Успешно", 4],
      ["ANSWERED", 4],
      ["Не ответил", 6],
      ["Недозвон", 6],
      ["Разговор не состоялся", 6],
      ["NO ANSWER", 6],
      ["no_answer", 6],
      ["Занято", 7],
      ["BUSY", 7],
      ["Неверный номер", 5],
      ["Wrong number", 5],
      ["Перезвонить", 2],
      ["Call back later", 2],
      ["Автоответчик", 1],
      ["Voicemail", 1],
      ["Абонент недоступен", 3],
      ["Unavailable", 3],
      ["Неуспешно", 8],
      ["FAILED", 8],
      ["Квалифицирован", 8],
      [4, 4],
      ["7", 7],
      [12, 8],
    ];
    for (const [text, status] of cases) expect({ text, status: mapCallStatus(text) }).toEqual({ text, status });
  });
});

describe("import: normalising rows", () => {
  const leadMap = { phone: "Телефон", email: "Почта", name: "ФИО" };
  const callMap = { phone: "Номер", date: "Когда", duration: "Длит.", result: "Итог", recording: "Запись", operator: "Оператор" };

  it("normalises a lead: E.164 phone, lower-case e-mail, tidy name", () => {
    const r = normalizeRow("leads", { Телефон: "8 (999) 123-45-67", Почта: " Ivan@Mail.RU ", ФИО: "  Иванов   Иван " }, leadMap, 2);
    expect(r).toEqual({
      ok: true,
      row: expect.objectContaining({ phone: "+79991234567", phones: ["+79991234567"], email: "ivan@mail.ru", name: "Иванов Иван" }),
    });
  });

  it("reads a phone stored as a number and several phones in one cell", () => {
    const one = normalizeRow("leads", { Телефон: 89991234567 }, leadMap, 2);
    expect(one.ok && one.row.phone).toBe("+79991234567");
    const two = normalizeRow("leads", { Телефон: "8 999 123-45-67, +7 (916) 765-43-21" }, leadMap, 2);
    expect(two.ok && two.row.phones).toEqual(["+79991234567", "+79167654321"]);
  });

  it("names the row, the column and the value when a phone does not parse, as a code with params", () => {
    const r = normalizeRow("leads", { Телефон: "12-34" }, leadMap, 14);
    expect(r).toEqual({
      ok: false,
      reason: {
        text: 'Row 14: phone "12-34" in column "Телефон" is not a number',
        ref: { code: "import_row_invalid", params: { row: 14 }, items: [{ code: "import_cell_phone_invalid", params: { value: "12-34", column: "Телефон" } }] },
      },
    });
    expect(said(r)).toEqual({
      ru: "Строка 14: телефон «12-34» в колонке «Телефон» не похож на номер",
      en: 'Row 14: phone "12-34" in column "Телефон" is not a number',
      stored: 'Row 14: phone "12-34" in column "Телефон" is not a number',
    });
  });

  it("reports every bad cell of a row, not just the first, in both languages", () => {
    const r = normalizeRow("calls", { Номер: "89991234567", Когда: "31.02.2024", "Длит.": "долго" }, callMap, 3);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason.ref.items?.map((i) => i.code)).toEqual(["import_cell_duration_invalid", "import_cell_date_invalid"]);
    const { ru, en } = said(r);
    expect(ru).toBe(
      "Строка 3: длительность «долго» в колонке «Длит.» не похожа на длительность (например, 125, 02:05 или «2 мин 5 сек»); " +
        "дата «31.02.2024» в колонке «Когда» не похожа на дату (например, 15.03.2024 14:30)",
    );
    expect(en).toBe('Row 3: duration "долго" in column "Длит." is not a duration (e.g. 125, 02:05 or 2m 5s); date "31.02.2024" in column "Когда" is not a date (e.g. 15.03.2024 14:30)');
  });

  it("requires a phone or an e-mail for a lead, and a phone for a call", () => {
    const lead = normalizeRow("leads", { ФИО: "Иван" }, leadMap, 5);
    expect(said(lead)).toEqual({ ru: "Строка 5: нет ни телефона, ни e-mail", en: "Row 5: neither a phone nor an e-mail", stored: "Row 5: neither a phone nor an e-mail" });
    expect(normalizeRow("leads", { Почта: "a@b.ru" }, leadMap, 2).ok).toBe(true);
    expect(said(normalizeRow("calls", { Оператор: "Анна" }, callMap, 6))).toEqual({ ru: "Строка 6: нет телефона", en: "Row 6: no phone number", stored: "Row 6: no phone number" });
    expect(said(normalizeRow("leads", { Почта: "not-an-email" }, leadMap, 2)).ru).toBe("Строка 2: e-mail «not-an-email» в колонке «Почта» не похож на адрес почты");
  });

  it("normalises a call: Moscow date, seconds, status and link", () => {
    const r = normalizeRow(
      "calls",
      { Номер: "+7 999 123-45-67", Когда: 45366.5, "Длит.": "2 мин 5 сек", Итог: "Не дозвонился", Запись: "https://pbx.example.ru/1.mp3", Оператор: "Анна" },
      callMap,
      2,
    );
    expect(r).toEqual({
      ok: true,
      row: {
        phone: "+79991234567",
        phones: ["+79991234567"],
        email: null,
        name: null,
        comment: null,
        result: "Не дозвонился",
        callStatus: 6,
        durationSec: 125,
        dateUnix: unix("2024-03-15T09:00:00Z"),
        operator: "Анна",
        recordingUrl: "https://pbx.example.ru/1.mp3",
      },
    });
    const bad = normalizeRow("calls", { Номер: "89991234567", Запись: "ftp://x/1.mp3" }, callMap, 9);
    expect(said(bad).ru).toBe("Строка 9: ссылка на запись «ftp://x/1.mp3» в колонке «Запись» не похожа на ссылку http(s)");
  });

  it("fails a row with an Excel error or a formula without result in any column, naming it, instead of importing it changed", () => {
    const raw = { Телефон: "89991234567", Сумма: { unreadable: "error", text: "#DIV/0!" }, Итог: { unreadable: "formula", text: "=B2*2" } };
    const r = normalizeRow("leads", raw, { phone: "Телефон" }, 7);
    expect(r.ok).toBe(false);
    expect(said(r)).toEqual({
      ru: "Строка 7: колонка «Сумма»: в ячейке ошибка Excel #DIV/0!; колонка «Итог»: формула =B2*2 сохранена без результата (откройте файл в Excel и сохраните заново)",
      en: 'Row 7: column "Сумма": the cell holds the Excel error #DIV/0!; column "Итог": the formula =B2*2 was saved without its result (open the file in Excel and save it again)',
      stored: 'Row 7: column "Сумма": the cell holds the Excel error #DIV/0!; column "Итог": the formula =B2*2 was saved without its result (open the file in Excel and save it again)',
    });
  });

  it("refuses a phone Excel saved into a CSV in scientific notation, since its last digits are gone", () => {
    const r = normalizeRow("calls", { Телефон: "7,91612E+10" }, { phone: "Телефон" }, 2);
    expect(said(r).ru).toMatch(/^Строка 2: телефон «7,91612E\+10» в колонке «Телефон» записан в экспоненциальном виде/);
    expect(said(r).en).toMatch(/^Row 2: phone "7,91612E\+10" in column "Телефон" is in scientific notation/);
  });

  it("says which columns a mapping lacks", () => {
    expect(missingColumns("leads", { name: "ФИО" })).toBe("import_contact_column_required");
    expect(missingColumns("leads", { email: "Почта" })).toBeNull();
    expect(missingColumns("calls", { email: "Почта" })).toBe("import_phone_column_required");
  });
});

describe("import: dropping duplicates", () => {
  const row = (phone: string | null, email: string | null = null): NormalizedImportRow => normalizedRow({ phone, email });
  const numbered = (rows: NormalizedImportRow[]): NumberedRow[] => rows.map((r, i) => ({ rowNumber: i + 2, row: r }));

  it("keeps the first row per phone, whatever format the phone was written in", () => {
    const written = ["+7 999 123-45-67", "8(999)1234567", "9991234567"];
    const rows = written.map((w) => {
      const r = normalizeRow("leads", { Телефон: w }, { phone: "Телефон" }, 2);
      if (!r.ok) throw new Error(r.reason.text);
      return r.row;
    });
    const { unique, duplicates } = dedupeRows(numbered(rows));
    expect(unique.map((u) => u.rowNumber)).toEqual([2]);
    expect(duplicates).toEqual([
      { rowNumber: 3, duplicateOf: 2, by: "phone" },
      { rowNumber: 4, duplicateOf: 2, by: "phone" },
    ]);
  });

  it("falls back to the e-mail, keeps rows with neither, and follows chains to the first row", () => {
    const { unique, duplicates } = dedupeRows(
      numbered([row("+79990000001", "a@x.ru"), row("+79990000002", "a@x.ru"), row(null, null), row("+79990000002"), row(null, null), row(null, "b@x.ru")]),
    );
    expect(unique.map((u) => u.rowNumber)).toEqual([2, 4, 6, 7]);
    expect(duplicates).toEqual([
      { rowNumber: 3, duplicateOf: 2, by: "email" },
      { rowNumber: 5, duplicateOf: 2, by: "phone" },
    ]);
  });
});
