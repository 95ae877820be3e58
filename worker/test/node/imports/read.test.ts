// Specification: reading the first sheet into headers and raw rows, for XLSX, XLS and CSV.
import * as XLSX from "xlsx";
import { describe, expect, it } from "vitest";
import { generateCallsXlsx, generateLeadsXlsx, LEAD_HEADERS } from "../../../bench/gen-xlsx";
import { decodeText, detectDelimiter, parseCsv } from "../../../src/imports/csv";
import { ImportFileError } from "../../../src/imports/errors";
import { findHeaderIndex, HEADER_SCAN, previewOf, readImportFile, uniqueHeaders } from "../../../src/imports/read";

function xlsxOf(aoa: unknown[][], more?: (wb: XLSX.WorkBook) => void): Uint8Array {
  const wb = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet(aoa), "Лиды");
  more?.(wb);
  return new Uint8Array(XLSX.write(wb, { type: "array", bookType: "xlsx" }) as ArrayBuffer);
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    if (e instanceof ImportFileError) return e.code;
    throw e;
  }
  return "accepted";
}

/** Windows-1251 bytes of a string, through the reverse of our own table. */
function cp1251(text: string): Uint8Array {
  const all = new TextDecoder("windows-1251").decode(Uint8Array.from({ length: 256 }, (_, i) => i));
  const reverse = new Map([...all].map((ch, i) => [ch, i]));
  return Uint8Array.from([...text].map((ch) => reverse.get(ch)!));
}

describe("import: reading workbooks", () => {
  it("reads the first sheet only, with raw values and the header row apart", () => {
    const bytes = xlsxOf(
      [
        ["Телефон", "Имя", "Дата"],
        ["+7 999 123-45-67", "Иван", 45366.5],
        [89161234567, "Мария", 45367],
      ],
      (wb) => XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet([["Другое"], ["x"]]), "Второй"),
    );
    const book = readImportFile(bytes, "file.xlsx");
    expect(book.sheetName).toBe("Лиды");
    expect(book.headers).toEqual(["Телефон", "Имя", "Дата"]);
    // Dates stay serial numbers: normalisation decides the zone, not the reader.
    expect(book.rows).toEqual([
      ["+7 999 123-45-67", "Иван", 45366.5],
      [89161234567, "Мария", 45367],
    ]);
    expect(book.totalRows).toBe(2);
  });

  it("names blank headers «Колонка N» and numbers repeated ones", () => {
    expect(uniqueHeaders(["Телефон", null, "Телефон", " ", "телефон", "Телефон (2)"])).toEqual([
      "Телефон",
      "Колонка 2",
      "Телефон (2)",
      "Колонка 4",
      "телефон (3)",
      "Телефон (2) (2)",
    ]);
  });

  it("skips blank rows above the header and between data, and pads short rows", () => {
    const book = readImportFile(xlsxOf([[], ["Телефон", "Имя", "Комментарий"], ["89991234567"], [], [null, "Ольга", "звонить утром"]]), "file.xlsx");
    expect(book.headers).toEqual(["Телефон", "Имя", "Комментарий"]);
    expect(book.rows).toEqual([
      ["89991234567", null, null],
      [null, "Ольга", "звонить утром"],
    ]);
  });

  it("keeps a data column without a header and drops trailing columns with nothing in them", () => {
    const bytes = xlsxOf([
      ["Телефон", null, null, null],
      ["89991234567", "Иван", null, null],
    ]);
    expect(readImportFile(bytes, "file.xlsx").headers).toEqual(["Телефон", "Колонка 2"]);
  });

  it("refuses a header row made of numbers", () => {
    expect(codeOf(() => readImportFile(xlsxOf([[1, 2, 3], [4, 5, 6]]), "file.xlsx"))).toBe("no-header");
    expect(codeOf(() => readImportFile(xlsxOf([["2024", "2025"], [4, 5]]), "file.xlsx"))).toBe("no-header");
  });

  it("accepts a header row with a year among the names", () => {
    expect(readImportFile(xlsxOf([["Телефон", 2024], ["89991234567", 5]]), "file.xlsx").headers).toEqual(["Телефон", "2024"]);
  });

  it("refuses a file with only a header row as empty", () => {
    expect(codeOf(() => readImportFile(xlsxOf([["Телефон", "Имя"]]), "file.xlsx"))).toBe("empty");
  });

  it("checks the bytes against the type it is asked to read", () => {
    expect(codeOf(() => readImportFile(new TextEncoder().encode("a;b\n1;2"), "file.xlsx"))).toBe("wrong-type");
  });

  it("reads XLS (BIFF8) through SheetJS", () => {
    const wb = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet([["Телефон", "Имя"], ["89991234567", "Пётр"]]), "Лист1");
    const xls = new Uint8Array(XLSX.write(wb, { type: "array", bookType: "xls" }) as ArrayBuffer);
    expect(readImportFile(xls, "file.xls").rows).toEqual([["89991234567", "Пётр"]]);
  });

  it("previews the first 20 rows, the total and the guessed columns", () => {
    const file = generateCallsXlsx({ rows: 45, seed: 5 });
    const p = previewOf(readImportFile(file.bytes, file.fileName, { previewOnly: true }));
    expect(p.type).toBe("xlsx");
    expect(p.rows).toHaveLength(20);
    expect(p.totalRows).toBe(45);
    expect(p.detected).toEqual({ date: 0, phone: 1, operator: 2, duration: 3, result: 4, recording: 5, comment: 6 });
  });

  it("reads a generated 10,000-row file completely and in order", () => {
    const file = generateLeadsXlsx({ rows: 10_000, seed: 42 });
    const book = readImportFile(file.bytes, "file.xlsx");
    expect(book.headers).toEqual(LEAD_HEADERS);
    expect(book.totalRows).toBe(10_000);
    expect(book.rows[0]![0]).toBe(file.expected[0]!.name);
    expect(book.rows[9_999]![2]).toBe(file.expected[9_999]!.email);
  });
});

describe("import: reading CSV", () => {
  it("decodes bytes that are not UTF-8 as Windows-1251, every byte as the WHATWG decoder maps it", () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const { text, encoding } = decodeText(bytes);
    expect(encoding).toBe("windows-1251");
    expect(text).toBe(new TextDecoder("windows-1251").decode(bytes));
    expect(text.slice(0xc0, 0xc3) + text[0xa8] + text[0xb8]).toBe("АБВЁё");
  });

  it("reads a cp1251 file with «;» as Russian Excel saves it", () => {
    const text = "Телефон;ФИО;Сумма\r\n8 (999) 123-45-67;Ёлкина Юлия;1 234,50\r\n+79161234567;Щукин Эдуард;99,9\r\n";
    const book = readImportFile(cp1251(text), "file.csv");
    expect(book.csv).toEqual({ encoding: "windows-1251", delimiter: ";" });
    expect(book.headers).toEqual(["Телефон", "ФИО", "Сумма"]);
    expect(book.rows).toEqual([
      ["8 (999) 123-45-67", "Ёлкина Юлия", "1 234,50"],
      ["+79161234567", "Щукин Эдуард", "99,9"],
    ]);
  });

  it("reads UTF-8 with a BOM and commas, with quoted delimiters, quotes and line breaks", () => {
    const text = '\ufeffPhone,Name,Comment\n89991234567,"Doe, John","said ""call me""\nafter 6"\n';
    const book = readImportFile(new TextEncoder().encode(text), "file.csv");
    expect(book.csv).toEqual({ encoding: "utf-8", delimiter: "," });
    expect(book.rows).toEqual([["89991234567", "Doe, John", 'said "call me"\nafter 6']]);
  });

  it("detects tabs, and is not fooled by decimal commas in a «;» file", () => {
    expect(detectDelimiter("a\tb\tc\n1\t2\t3\n")).toBe("\t");
    expect(detectDelimiter("Телефон;Сумма\n89991234567;1,5\n89991234568;2\n")).toBe(";");
    expect(detectDelimiter('a,b\n"x;y",2\n')).toBe(",");
  });

  it("keeps empty fields as null and skips blank lines", () => {
    expect(parseCsv("a;b;c\n\n1;;3\n;;\n", ";").records).toEqual([
      ["a", "b", "c"],
      ["1", null, "3"],
    ]);
  });

  it("handles CR, CRLF and LF endings, a trailing delimiter, and quotes Excel would tolerate", () => {
    expect(parseCsv("a;b\r1;2\r\n3;4\n5;", ";").records).toEqual([
      ["a", "b"],
      ["1", "2"],
      ["3", "4"],
      ["5", null],
    ]);
    expect(parseCsv('"quoted" tail;"";x', ";").records).toEqual([["quoted tail", "", "x"]]);
    expect(parseCsv('a;"never closed\nstill here', ";").records).toEqual([["a", "never closed\nstill here"]]);
  });

  it("stops at a record budget and says whether more text followed", () => {
    expect(parseCsv("h\n1\n2\n3\n", ";", 2)).toEqual({ records: [["h"], ["1"]], numbers: [1, 2], count: 2, truncated: true });
    expect(parseCsv("h\n1\n\n  \n", ";", 2)).toEqual({ records: [["h"], ["1"]], numbers: [1, 2], count: 2, truncated: false });
  });

  it("numbers records as a spreadsheet numbers rows (blank lines count) and keeps only the first when asked", () => {
    expect(parseCsv("h\n\n1\n2\n3\n", ";", Infinity, 2)).toEqual({ records: [["h"], ["1"]], numbers: [1, 3], count: 4, truncated: false });
  });

  it("counts rows of a CSV past the limit", () => {
    const lines = ["Телефон", ...Array.from({ length: 30 }, (_, i) => `8999000${String(i).padStart(4, "0")}`)];
    const bytes = new TextEncoder().encode(lines.join("\n"));
    expect(codeOf(() => readImportFile(bytes, "file.csv", { maxRows: 30 }))).toBe("accepted");
    expect(() => readImportFile(bytes, "file.csv", { maxRows: 10 })).toThrow(/too many rows: 30, the limit is 10/);
  });
});

describe("import: finding the header row", () => {
  it("passes over title lines, merged titles and blank rows, and falls back to the first row", () => {
    const table = [["Телефон", "Имя", "Дата"], ["89991234567", "Иван", "07.12.2026"], ["89161234567", "Мария", "08.12.2026"]];
    expect(findHeaderIndex(table)).toBe(0);
    expect(findHeaderIndex([["Выгрузка звонков за декабрь 2026"], ...table])).toBe(1);
    expect(findHeaderIndex([["Отчёт", "декабрь 2026"], ["Менеджер: Иванов"], ...table])).toBe(2);
    // A one-column list has a one-cell header.
    expect(findHeaderIndex([["Телефон"], ["89991234567"], ["89161234567"]])).toBe(0);
    // A full-width row of names is the header even when the first data rows are text too.
    expect(findHeaderIndex([["Имя", "Телефон", "Комментарий"], ["=HYPERLINK()", "abc", "+SUM(A1)"], ["Хороший", "+7 999 555-44-33", "ok"]])).toBe(0);
    // Nothing looks like a header: the first row is taken (and refused later as data).
    expect(findHeaderIndex([["89991234567", "Иван"], ["89161234567", "Мария"]])).toBe(0);
  });

  it("takes the header under a title and blank rows, drops empty leading columns and keeps the sheet's row numbers", () => {
    const csv = "Звонки за декабрь;;;\r\n;;;\r\n;Телефон;Имя;Дата\r\n;89991234567;Иван;07.12.2026\r\n\r\n;89161234567;Мария;08.12.2026\r\n";
    const book = readImportFile(new TextEncoder().encode(csv), "file.csv");
    expect(book.headerRow).toBe(3);
    expect(book.headers).toEqual(["Телефон", "Имя", "Дата"]);
    expect(book.rows).toEqual([
      ["89991234567", "Иван", "07.12.2026"],
      ["89161234567", "Мария", "08.12.2026"],
    ]);
    expect(book.rowNumbers).toEqual([4, 6]);
    expect(book.topRows.map((r) => r.row)).toEqual([1, 3, 4, 6]);
  });

  it("reads from another header row when asked, and refuses a row that is not among the first ones or is data", () => {
    const lines = ["Отчёт", "Телефон;Имя", ...Array.from({ length: 40 }, (_, i) => `8999000${String(i).padStart(4, "0")};Имя ${i}`)];
    const bytes = new TextEncoder().encode(lines.join("\n"));
    expect(readImportFile(bytes, "file.csv").headerRow).toBe(2);
    expect(readImportFile(bytes, "file.csv", { headerRow: 1 }).headers).toEqual(["Отчёт", "Колонка 2"]);
    expect(codeOf(() => readImportFile(bytes, "file.csv", { headerRow: 3 }))).toBe("no-header");
    expect(codeOf(() => readImportFile(bytes, "file.csv", { headerRow: HEADER_SCAN + 5 }))).toBe("no-header");
  });
});

describe("import: the preview reads only the rows it shows", () => {
  it("keeps the first rows of a big CSV and a big XLSX, and counts the rest exactly", () => {
    const lines = ["Телефон;Имя", ...Array.from({ length: 5000 }, (_, i) => `8999${String(i).padStart(7, "0")};Имя ${i}`)];
    const csv = readImportFile(new TextEncoder().encode(lines.join("\n")), "file.csv", { previewOnly: true });
    expect(csv.totalRows).toBe(5000);
    expect(csv.rows.length).toBeLessThanOrEqual(HEADER_SCAN + 200);
    const xlsx = generateLeadsXlsx({ rows: 5000, seed: 12 }).bytes;
    const book = readImportFile(xlsx, "file.xlsx", { previewOnly: true });
    expect(book.totalRows).toBe(5000);
    expect(book.rows.length).toBeLessThanOrEqual(HEADER_SCAN + 200);
    const full = readImportFile(xlsx, "file.xlsx");
    expect(book.rows).toEqual(full.rows.slice(0, book.rows.length));
    const preview = previewOf(readImportFile(xlsx, "leads.xlsx", { previewOnly: true }));
    expect(preview.rows).toEqual(full.rows.slice(0, 20));
    expect(preview.totalRows).toBe(5000);
  });
});
