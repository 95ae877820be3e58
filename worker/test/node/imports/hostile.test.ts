// Specification: every hostile upload gets a stable code, a catalogue code with the parameters the
// admin page words it with, and an English detail for logs, before any expensive work happens.
import * as XLSX from "xlsx";
import { beforeAll, describe, expect, it } from "vitest";
import { generateHostileFiles, generateLeadsXlsx, handMadeXlsx, manyBigPartsXlsx, sheetXml, type HostileFile, type HostileName } from "../../../bench/gen-xlsx";
import { ImportFileError } from "../../../src/imports/errors";
import { previewOf, readImportFile } from "../../../src/imports/read";
import { ERRORS } from "../../../src/lib/errors";
import { sniffFile } from "../../../src/imports/sniff";
import { listZipEntries } from "../../../src/imports/zip-guard";

function refusal(run: () => unknown): ImportFileError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(ImportFileError);
    return e as ImportFileError;
  }
  throw new Error("expected the file to be refused");
}

/** A catalogue code shown on the admin page, every `{name}` of its text filled, English for logs. */
function expectCatalogued(e: ImportFileError): void {
  expect(ERRORS[e.problem].shownIn).toBe("admin");
  expect(e.message).toMatch(/^[A-Z].*[a-z]{4}/);
  expect(e.message).not.toMatch(/\{\w+\}/);
  expect(e.message).not.toMatch(/^[^"«]*[а-яё]/i); // Cyrillic only inside quoted data
}

describe("import: hostile files", () => {
  let files: Record<HostileName, HostileFile>;
  const upload = (name: HostileName) => refusal(() => previewOf(readImportFile(files[name].bytes, files[name].fileName, { previewOnly: true })));

  beforeAll(() => {
    files = generateHostileFiles();
  });

  it("answers every hostile file with its own code and a catalogued problem", () => {
    for (const [name, file] of Object.entries(files)) {
      const e = refusal(() => previewOf(readImportFile(file.bytes, file.fileName, { previewOnly: true })));
      expect({ name, code: e.code }).toEqual({ name, code: file.expect });
      expectCatalogued(e);
    }
  });

  it("refuses text renamed to .xlsx by its content, not its name", () => {
    const e = upload("wrong-type");
    expect(e.code).toBe("wrong-type");
    expect(e).toMatchObject({ problem: "import_file_wrong_type", params: { expected: "XLSX", found: "text" } });
    expect(e.message).toContain("The file does not look like XLSX: it is a text file");
  });

  it("refuses a ZIP that is not a workbook (a Word document renamed to .xlsx)", () => {
    expect(upload("not-a-workbook")).toMatchObject({ problem: "import_file_wrong_type", params: { found: "zip-other" } });
  });

  it("calls a truncated ZIP corrupt", () => {
    const e = upload("corrupt-zip");
    expect(e.code).toBe("corrupt");
    expect(e.problem).toBe("import_zip_damaged");
    expect(e.message).toMatch(/^The file is damaged/);
  });

  it("recognises a password-protected workbook by its EncryptionInfo stream, whatever the name", () => {
    expect(upload("password-protected").problem).toBe("import_file_password_protected");
    const asXls = refusal(() => sniffFile(files["password-protected"].bytes, "leads.xls"));
    expect(asXls.code).toBe("password-protected");
  });

  it("refuses an empty file and a workbook whose first sheet is empty", () => {
    expect(upload("empty-file")).toMatchObject({ problem: "import_file_empty", message: "The file is empty." });
    expect(upload("empty-sheet")).toMatchObject({ problem: "import_sheet_empty", params: { sheet: expect.any(String) } });
  });

  it("refuses a sheet whose first row is data, quoting that row", () => {
    const e = upload("no-header");
    expect(e.code).toBe("no-header");
    expect(e).toMatchObject({ problem: "import_header_row_missing", params: { sample: expect.stringContaining("79991234567, Иванов Иван, ivan@mail.ru") } });
  });

  it("refuses a zip bomb before inflating it", () => {
    const e = upload("zip-bomb");
    // The sheet declares 4 GB but holds one kilobyte: only the declaration can have caused this.
    expect(e).toMatchObject({ problem: "import_zip_too_large", params: { sizeMb: "4095", limitMb: "200" } });
    expect(e.message).toContain("it would unpack to 4095 MB, the limit is 200 MB");
  });

  it("refuses an honest 160:1 bomb by its compression ratio", () => {
    expect(upload("zip-bomb-ratio").message).toMatch(/is compressed 1\d\d:1 \(20 MB unpacked\)/);
  });

  it("refuses an entry that inflates far past the size it declares", () => {
    const e = upload("zip-bomb-lying-size");
    expect(e.code).toBe("zip-bomb");
    expect(e).toMatchObject({ problem: "import_file_part_bomb", params: { size: 1024 } });
  });

  it("calls a damaged stream inside a sound archive corrupt instead of handing it to SheetJS", () => {
    const e = upload("corrupt-stream");
    expect(e.code).toBe("corrupt");
    expect(e).toMatchObject({ problem: "import_file_part_damaged", params: { part: "xl/worksheets/sheet1.xml" } });
  });

  it("refuses an archive of more than 10,000 entries", () => {
    expect(upload("zip-bomb-entries")).toMatchObject({ problem: "import_zip_too_many_entries", params: { count: 10_001, limit: 10_000 } });
  });

  it("refuses a million-row sheet from its declared dimension, naming the limit and the count", () => {
    const e = upload("million-rows-xlsx");
    expect(e.code).toBe("too-many-rows");
    expect(e).toMatchObject({ problem: "import_file_too_many_rows", params: { count: 1_000_000, limit: 100_000 } });
  });

  it("refuses a million-line CSV after reading only past the limit", () => {
    expect(upload("million-rows-csv")).toMatchObject({ problem: "import_file_too_many_rows", params: { count: 1_000_000, limit: 100_000 } });
  });

  it("refuses an unknown extension without looking further", () => {
    expect(upload("unsupported-type")).toMatchObject({ problem: "import_file_unsupported_type", params: { ext: "pdf" } });
  });

  it("stops SheetJS at the row cap when the sheet declares no dimension", () => {
    const bytes = handMadeXlsx(sheetXml(200, false), true);
    const e = refusal(() => readImportFile(bytes, "file.xlsx", { maxRows: 50 }));
    expect(e.code).toBe("too-many-rows");
    // Without a dimension the true count is unknown: the message says "more than".
    expect(e).toMatchObject({ problem: "import_file_too_many_rows_over", params: { limit: 50 } });
    expect(readImportFile(bytes, "file.xlsx", { maxRows: 200 }).totalRows).toBe(200);
  });

  it("uses SheetJS's declared range for XLS files", () => {
    const aoa = [["Телефон"], ...Array.from({ length: 120 }, (_, i) => [`+7999000${String(i).padStart(4, "0")}`])];
    const wb = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet(aoa), "Лист1");
    const xls = new Uint8Array(XLSX.write(wb, { type: "array", bookType: "xls" }) as ArrayBuffer);
    const e = refusal(() => readImportFile(xls, "file.xls", { maxRows: 100 }));
    expect(e).toMatchObject({ problem: "import_file_too_many_rows", params: { count: 120, limit: 100 } });
  });

  it("honours caller caps for the ZIP guard", () => {
    const e = refusal(() => readImportFile(files["no-header"].bytes, "file.xlsx", { zipCaps: { maxTotalUncompressed: 1000 } }));
    expect(e.code).toBe("zip-bomb");
  });

  it("unpacks only the parts the reader needs: a small file of many 10 MB parts costs what its sheet costs", () => {
    const bytes = manyBigPartsXlsx();
    const entries = listZipEntries(bytes);
    const declared = entries.reduce((n, e) => n + e.uncompressedSize, 0);
    // Past every declared-size check: 18 parts just under the 10 MB ratio floor, under 200 MB in all.
    expect(declared).toBeGreaterThan(180 * 1024 * 1024);
    expect(bytes.byteLength).toBeLessThan(2 * 1024 * 1024);
    const book = readImportFile(bytes, "file.xlsx");
    expect(book.totalRows).toBe(50);
    expect(book.inflatedBytes).toBeLessThan(64 * 1024);
    expect(previewOf(readImportFile(bytes, "big.xlsx", { previewOnly: true })).totalRows).toBe(50);
    // SheetJS would unpack all 180 MB at once: its path refuses the file instead, saying why.
    const refused = refusal(() => readImportFile(bytes, "file.xlsx", { xlsxReader: "sheetjs" }));
    expect(refused.code).toBe("too-large");
    expect(refused).toMatchObject({ problem: "import_file_unpacks_too_large", params: { limitMb: 8 } });
  });

  it("refuses a sheet whose kept text would outgrow a Worker, with a clear message", () => {
    // 60 rows of 1 MB of text each: small zipped, too much to hold as strings.
    const big = "я".repeat(1024 * 1024);
    const rows = Array.from({ length: 30 }, (_, i) => `<row r="${i + 2}"><c r="A${i + 2}" t="inlineStr"><is><t>${big}</t></is></c></row>`).join("");
    const sheet = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Имя</t></is></c></row>${rows}</sheetData></worksheet>`;
    const e = refusal(() => readImportFile(handMadeXlsx(sheet, true), "file.xlsx"));
    expect(e.code).toBe("too-large");
    expect(e.problem).toBe("import_file_too_much_text");
  });

  it("refuses an XLS too big for SheetJS to hold in a Worker, saying to save it as XLSX", () => {
    const wb = XLSX.read(generateLeadsXlsx({ rows: 11_000, seed: 31 }).bytes, { type: "array" });
    const xls = new Uint8Array(XLSX.write(wb, { type: "array", bookType: "biff8" }) as ArrayBuffer);
    expect(xls.byteLength).toBeGreaterThan(2 * 1024 * 1024);
    const e = refusal(() => readImportFile(xls, "file.xls"));
    expect(e.code).toBe("too-large");
    expect(e.problem).toBe("import_file_xls_too_large");
    expect(e.message).toMatch(/Save it from Excel as XLSX/);
    // The same rows as XLSX are read by our reader.
    expect(readImportFile(new Uint8Array(XLSX.write(wb, { type: "array", bookType: "xlsx" }) as ArrayBuffer), "file.xlsx").totalRows).toBe(11_000);
  }, 60_000);
});
