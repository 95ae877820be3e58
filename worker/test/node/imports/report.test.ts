// Specification: files we hand back never carry a live formula from someone else's spreadsheet.
import * as XLSX from "xlsx";
import { describe, expect, it } from "vitest";
import { buildErrorReport, buildXlsx, reasonColumns } from "../../../src/imports/report";
import { codedText } from "../../../src/lib/errors";
import { normalizeRow } from "../../../src/imports/normalize";
import { neutralizeCell } from "../../../src/imports/sanitize";

function sheetOf(bytes: Uint8Array): XLSX.WorkSheet {
  const wb = XLSX.read(bytes, { type: "array" });
  return wb.Sheets[wb.SheetNames[0]!]!;
}

describe("import: formula neutralisation", () => {
  it("prefixes text that a spreadsheet could run as a formula", () => {
    expect(neutralizeCell("=HYPERLINK(\"http://evil\",\"x\")")).toBe("'=HYPERLINK(\"http://evil\",\"x\")");
    expect(neutralizeCell("+7 999 123-45-67")).toBe("'+7 999 123-45-67");
    expect(neutralizeCell("-2+3")).toBe("'-2+3");
    expect(neutralizeCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(neutralizeCell("   =1+1")).toBe("'   =1+1");
    expect(neutralizeCell("\t=1+1")).toBe("'\t=1+1");
    expect(neutralizeCell("\r=1+1")).toBe("'\r=1+1");
    expect(neutralizeCell("\tplain")).toBe("'\tplain");
  });

  it("leaves ordinary text, numbers and empty cells alone", () => {
    expect(neutralizeCell("Иван = хороший клиент")).toBe("Иван = хороший клиент");
    expect(neutralizeCell("89991234567")).toBe("89991234567");
    expect(neutralizeCell(-5)).toBe(-5);
    expect(neutralizeCell(null)).toBeNull();
    expect(neutralizeCell("")).toBe("");
  });
});

describe("import: error report", () => {
  it("holds the row number, the reason and the original columns, every text cell neutralised", () => {
    const bytes = buildErrorReport(
      ["Телефон", "Имя", "=cmd|' /C calc'!A0"],
      [
        { rowNumber: 14, values: ["12-34", "=HYPERLINK(\"http://evil\",\"Нажми\")", 5], error: "Строка 14: телефон «12-34» не похож на номер / row 14: phone \"12-34\" is not a number" },
        { rowNumber: 20, values: ["+7 999", "@SUM(1)"], error: "-bad" },
      ],
    );
    const ws = sheetOf(bytes);
    const rows = XLSX.utils.sheet_to_json<unknown[]>(ws, { header: 1, raw: true, defval: null });
    expect(rows).toEqual([
      ["Строка", "Ошибка", "Error", "Телефон", "Имя", "'=cmd|' /C calc'!A0"],
      [14, "Строка 14: телефон «12-34» не похож на номер", "row 14: phone \"12-34\" is not a number", "12-34", "'=HYPERLINK(\"http://evil\",\"Нажми\")", 5],
      [20, "'-bad", "'-bad", "'+7 999", "'@SUM(1)", null],
    ]);
    // No cell became a formula, and the row number stayed a number.
    for (const key of Object.keys(ws).filter((k) => !k.startsWith("!"))) expect((ws[key] as XLSX.CellObject).f).toBeUndefined();
    expect((ws["A2"] as XLSX.CellObject).t).toBe("n");
  });

  it("builds generic exports the same way", () => {
    const ws = sheetOf(buildXlsx(["Дата", "Результат"], [[45366.5, "=1+1"], [null, "ok"]], "Звонки"));
    expect(XLSX.utils.sheet_to_json<unknown[]>(ws, { header: 1, raw: true, defval: null })).toEqual([
      ["Дата", "Результат"],
      [45366.5, "'=1+1"],
      [null, "ok"],
    ]);
  });

  it("gives back an unreadable cell as the file showed it: the error, or the formula neutralised", () => {
    const bytes = buildErrorReport(["Телефон", "Сумма", "Итог"], [
      { rowNumber: 5, values: ["89991234567", { unreadable: "error", text: "#N/A" }, { unreadable: "formula", text: "=B5*2" }], error: "x" },
    ]);
    const ws = sheetOf(bytes);
    expect(ws["E2"]!.v).toBe("#N/A");
    expect(ws["F2"]!.v).toBe("'=B5*2");
  });
});

describe("import: error report languages", () => {
  it("words a coded reason in Russian beside the stored English, and splits an older «ru / en» text", () => {
    const dup = codedText("import_row_duplicate_phone", { row: 5, of: 3 });
    expect(reasonColumns(dup.text, dup.ref)).toEqual(["Строка 5: повтор строки 3 (тот же телефон), пропущена", "Row 5: duplicate of row 3 (same phone), skipped"]);
    expect(reasonColumns("Строка 2: нет данных / row 2: no data", null)).toEqual(["Строка 2: нет данных", "row 2: no data"]);
    expect(reasonColumns("Строка 2: телефон «abc» в колонке «Телефон» / row 2: phone \"abc\" in column \"Телефон\"", null)).toEqual(["Строка 2: телефон «abc» в колонке «Телефон»", "row 2: phone \"abc\" in column \"Телефон\""]);
    expect(reasonColumns("Plain English.", { code: "from_a_newer_server" as never, params: {} })).toEqual(["Plain English.", "Plain English."]);
    const ws = sheetOf(buildErrorReport(["Телефон"], [{ rowNumber: 5, values: ["+7"], error: dup.text, errorText: dup.ref }]));
    expect(XLSX.utils.sheet_to_json<unknown[]>(ws, { header: 1, raw: true, defval: null })[1]).toEqual([5, "Строка 5: повтор строки 3 (тот же телефон), пропущена", "Row 5: duplicate of row 3 (same phone), skipped", "'+7"]);
  });

  it("words every cell issue of a refused row in the Russian column, the stored English beside it", () => {
    const r = normalizeRow("leads", { Телефон: "12-34", Почта: "a@", Сумма: { unreadable: "error", text: "#N/A" } }, { phone: "Телефон", email: "Почта" }, 4);
    if (r.ok) throw new Error("the row was accepted");
    const bytes = buildErrorReport(["Телефон", "Почта", "Сумма"], [{ rowNumber: 4, values: ["12-34", "a@", { unreadable: "error", text: "#N/A" }], error: r.reason.text, errorText: r.reason.ref }]);
    const rows = XLSX.utils.sheet_to_json<unknown[]>(sheetOf(bytes), { header: 1, raw: true, defval: null });
    expect(rows[1]!.slice(0, 3)).toEqual([
      4,
      "Строка 4: колонка «Сумма»: в ячейке ошибка Excel #N/A; телефон «12-34» в колонке «Телефон» не похож на номер; e-mail «a@» в колонке «Почта» не похож на адрес почты",
      'Row 4: column "Сумма": the cell holds the Excel error #N/A; phone "12-34" in column "Телефон" is not a number; e-mail "a@" in column "Почта" is not an e-mail address',
    ]);
    // A part from a newer server has no words here: the stored English in both columns, nothing half-translated.
    const newer = { ...r.reason.ref, items: [...(r.reason.ref.items ?? []), { code: "from_a_newer_server" as never, params: {} }] };
    expect(reasonColumns(r.reason.text, newer)).toEqual([r.reason.text, r.reason.text]);
  });
});
