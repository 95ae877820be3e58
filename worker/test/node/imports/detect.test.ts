// Specification: which column is which, from Russian or English headers, else from the values.
import { describe, expect, it } from "vitest";
import { columnFromHeader, detectColumns, rowToRecord, toColumnMapping } from "../../../src/imports/detect";

describe("import: detecting columns", () => {
  it("reads Russian headers as people write them", () => {
    const headers = ["ФИО клиента", "Тел.", "Эл. почта", "Статус звонка", "Продолжительность, сек", "Дата и время", "Менеджер", "Примечание", "Ссылка на запись"];
    expect(detectColumns(headers, [])).toEqual({ name: 0, phone: 1, email: 2, result: 3, duration: 4, date: 5, operator: 6, comment: 7, recording: 8 });
  });

  it("reads English headers", () => {
    const headers = ["Created", "Client", "Mobile", "E-mail", "Disposition", "Duration", "Agent", "Notes", "Recording URL"];
    expect(detectColumns(headers, [])).toEqual({ date: 0, name: 1, phone: 2, email: 3, result: 4, duration: 5, operator: 6, comment: 7, recording: 8 });
  });

  it("resolves headers that mention two things by their meaning", () => {
    expect(columnFromHeader("Время разговора")).toBe("duration");
    expect(columnFromHeader("Время звонка")).toBe("date");
    expect(columnFromHeader("Дата записи")).toBe("date");
    expect(columnFromHeader("Запись разговора")).toBe("recording");
    expect(columnFromHeader("Комментарий менеджера")).toBe("comment");
    expect(columnFromHeader("Имя оператора")).toBe("operator");
    expect(columnFromHeader("Контактный телефон")).toBe("phone");
    expect(columnFromHeader("Номер")).toBe("phone");
    expect(columnFromHeader("Итог")).toBe("result");
    expect(columnFromHeader("Телефон")).toBe("phone");
    expect(columnFromHeader("Username")).toBeNull();
    expect(columnFromHeader("Источник")).toBeNull();
  });

  it("judges columns by content when the headers say nothing", () => {
    const headers = ["A", "B", "C", "D", "E", "F"];
    const rows = [
      ["+7 999 123-45-67", "ivan@mail.ru", "https://pbx.example.ru/r/1.mp3", "15.03.2024 14:30", "02:05", "Не дозвонился"],
      ["89161234567", "olga@yandex.ru", "https://pbx.example.ru/get?record=2", "16.03.2024 09:00", "0:45", "Разговор состоялся"],
      ["9261234567", null, "", 45368.5, "1:10:00", "Занято"],
    ];
    expect(detectColumns(headers, rows)).toEqual({ phone: 0, email: 1, recording: 2, date: 3, duration: 4, result: 5 });
  });

  it("takes seconds as a duration but not a column of row numbers", () => {
    expect(detectColumns(["X"], [[125], [30], [0], [610]])).toEqual({ duration: 0 });
    expect(detectColumns(["№"], [[1], [2], [3], [4]])).toEqual({});
  });

  it("lets headers win over content and uses each column once", () => {
    const headers = ["Телефон", "Колонка 2", "Телефон (2)"];
    const rows = [["89991234567", "89161234567", "89261234567"]];
    // Column 3 is a phone by its header, so content may not take it for anything; column 2 is left,
    // but phone is already taken by a header.
    expect(detectColumns(headers, rows)).toEqual({ phone: 0 });
  });

  it("needs most sample values to agree before trusting content", () => {
    expect(detectColumns(["X"], [["ivan@mail.ru"], ["нет"], ["—"]])).toEqual({});
    expect(detectColumns(["X"], [["ivan@mail.ru"], ["olga@mail.ru"], ["—"]])).toEqual({ email: 0 });
  });

  it("turns indices into the header mapping normalizeRow reads", () => {
    const headers = ["Телефон", "Имя"];
    expect(toColumnMapping(headers, { phone: 0, name: 1 })).toEqual({ phone: "Телефон", name: "Имя" });
    expect(rowToRecord(headers, ["89991234567"])).toEqual({ Телефон: "89991234567", Имя: null });
  });
});
