// Specification: the streaming XLSX reader gives exactly what the SheetJS path gives, for files
// SheetJS writes and for hand-written SpreadsheetML, and fails the same way on damaged files.
import { deflateRawSync, inflateRawSync } from "node:zlib";
import * as XLSX from "xlsx";
import { describe, expect, it } from "vitest";
import { buildZip, deflatedZeros, generateCallsXlsx, generateLeadsXlsx, sheetXml, type ZipInput } from "../../../bench/gen-xlsx";
import { ImportFileError } from "../../../src/imports/errors";
import { readImportFile, type XlsxReader } from "../../../src/imports/read";
import { entryPayload, listZipEntries } from "../../../src/imports/zip-guard";
import { peekSheetRows } from "../../../src/imports/xlsx-peek";
import { entryHead } from "../../../src/imports/zip-verify";

type Outcome = { book: Omit<ReturnType<typeof readImportFile>, "reader"> } | { error: string };

function outcome(bytes: Uint8Array, reader: XlsxReader, maxRows?: number): Outcome {
  try {
    // What each reader unpacks differs by design (SheetJS everything, ours only what it reads); so does its name.
    const { inflatedBytes: _inflated, reader: _reader, ...book } = readImportFile(bytes, "file.xlsx", { xlsxReader: reader, ...(maxRows ? { maxRows } : {}) });
    return { book };
  } catch (e) {
    if (e instanceof ImportFileError) return { error: e.code };
    throw e;
  }
}

/** Reads the file with both readers, expects the same answer and returns it. */
function bothReaders(bytes: Uint8Array, maxRows?: number): Outcome {
  const streamed = outcome(bytes, "stream", maxRows);
  expect(streamed).toStrictEqual(outcome(bytes, "sheetjs", maxRows));
  return streamed;
}

function rowsOf(o: Outcome): unknown[][] {
  if (!("book" in o)) throw new Error(`refused: ${o.error}`);
  return o.book.rows;
}

function write(wb: XLSX.WorkBook, opts: Partial<XLSX.WritingOptions> = {}): Uint8Array {
  return new Uint8Array(XLSX.write(wb, { type: "array", bookType: "xlsx", compression: true, ...opts }) as ArrayBuffer);
}

function book(...sheets: [string, XLSX.WorkSheet][]): XLSX.WorkBook {
  const wb = XLSX.utils.book_new();
  for (const [name, ws] of sheets) XLSX.utils.book_append_sheet(wb, ws, name);
  return wb;
}

const MIXED: unknown[][] = [
  ["Телефон", "Имя", "Дата", "Сумма", "Активен", "Заметка"],
  ["+7 999 123-45-67", "Иван & Мария <ООО «Ромашка»>", 45366.5, 1234.56, true, "строка 1\nстрока 2"],
  [],
  [89161234567, null, 45367, -0.000123, false, "  пробелы по краям  "],
  [null, `Пётр "Кавычки" 'апостроф'`, null, 1e21, null, "таб\tвнутри"],
  ["", "", "", "", "", ""],
  [null, null, null, null, null, "только последняя колонка"],
  ["&amp; написано буквально", "&lt;тег&gt;", "_x0041_", "emoji 😀", "\u00a0", "a\r\nb"],
];

/** A sheet of every kind of value SheetJS writes: text, numbers, dates, booleans, errors, formulas. */
function mixedSheet(origin?: string): XLSX.WorkSheet {
  // aoa_to_sheet honours `origin` (it is sheet_add_aoa underneath) though its typings omit it.
  const ws = XLSX.utils.aoa_to_sheet(MIXED, (origin ? { origin } : {}) as XLSX.AOA2SheetOpts);
  const at = (ref: string) => (origin ? XLSX.utils.encode_cell({ r: XLSX.utils.decode_cell(ref).r + XLSX.utils.decode_cell(origin).r, c: XLSX.utils.decode_cell(ref).c + XLSX.utils.decode_cell(origin).c }) : ref);
  ws[at("C2")]!.z = "dd.mm.yyyy hh:mm";
  ws[at("C4")]!.z = "dd.mm.yyyy";
  ws[at("A10")] = { t: "e", v: 0x07 };
  ws[at("B10")] = { t: "n", v: 3, f: "1+2" };
  ws[at("C10")] = { t: "s", v: "ab", f: '"a"&"b"' };
  ws[at("D10")] = { t: "n", f: "SUM(D2:D4)" } as XLSX.CellObject;
  ws[at("E10")] = { t: "b", v: true, f: "TRUE()" };
  const range = XLSX.utils.decode_range(ws["!ref"]!);
  if (origin) range.s = XLSX.utils.decode_cell(origin);
  range.e.r = Math.max(range.e.r, XLSX.utils.decode_cell(at("A10")).r);
  ws["!ref"] = XLSX.utils.encode_range(range);
  return ws;
}

/** A workbook's entries, unpacked, to build a changed copy from. */
function unzip(base: Uint8Array): ZipInput[] {
  return listZipEntries(base).map((e) => {
    const payload = entryPayload(base, e)!;
    return { name: e.name, data: e.method === 8 ? new Uint8Array(inflateRawSync(payload)) : payload };
  });
}

/** A SheetJS-written workbook with some parts replaced by hand-written XML. */
function withParts(base: Uint8Array, parts: Record<string, string>): Uint8Array {
  const inputs = unzip(base);
  for (const [name, xml] of Object.entries(parts)) {
    const data = new TextEncoder().encode(xml);
    const input: ZipInput = { name, data, deflated: new Uint8Array(deflateRawSync(data)) };
    const at = inputs.findIndex((i) => i.name === name);
    if (at >= 0) inputs[at] = input;
    else inputs.push(input);
  }
  return buildZip(inputs);
}

/** A workbook with a shared string table, as the base for hand-written sheets. */
const sstBase = write(book(["Лиды", XLSX.utils.aoa_to_sheet([["a"]])]), { bookSST: true });

const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';

function handSheet(sheetData: string, before = ""): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet ${NS}>${before}<sheetData>${sheetData}</sheetData></worksheet>`;
}

describe("import: streaming XLSX reader agrees with SheetJS", () => {
  it("reads what SheetJS writes: shared strings, formula strings, numbers, dates, booleans, errors, formulas", () => {
    for (const bookSST of [true, false]) {
      const bytes = write(book(["Лиды & клиенты", mixedSheet()], ["Второй", XLSX.utils.aoa_to_sheet([["Другое"], ["x"]])]), { bookSST });
      const o = bothReaders(bytes);
      if (!("book" in o)) throw new Error("refused");
      expect(o.book.sheetName).toBe("Лиды & клиенты");
      expect(o.book.rows[0]).toEqual(["+7 999 123-45-67", "Иван & Мария <ООО «Ромашка»>", 45366.5, 1234.56, true, "строка 1\nстрока 2"]);
      expect(o.book.rows.length).toBeGreaterThan(5);
    }
  });

  it("starts rows at the sheet's first used column, as SheetJS does for a sheet placed at C3", () => {
    const o = bothReaders(write(book(["Лист1", mixedSheet("C3")]), { bookSST: true }));
    expect(rowsOf(o)[0]![0]).toBe("+7 999 123-45-67");
  });

  it("reads ISO dates (t=\"d\") as serial numbers, in 1900 and 1904 workbooks", () => {
    const dates = [new Date(Date.UTC(2024, 2, 1, 9, 30)), new Date(Date.UTC(1900, 0, 15)), new Date(Date.UTC(1999, 11, 31, 23, 59, 59))];
    const ws = XLSX.utils.aoa_to_sheet([["Дата звонка", "Телефон"], ...dates.map((d) => [d, "89991234567"])], { cellDates: true });
    const wb = book(["Звонки", ws]);
    const o = bothReaders(write(wb, { cellDates: true }));
    expect(rowsOf(o)[0]![0]).toBeCloseTo(45352.395833, 5);
    wb.Workbook = { WBProps: { date1904: true } };
    const o1904 = bothReaders(write(wb, { cellDates: true }));
    expect(rowsOf(o1904)[0]![0]).toBeCloseTo(45352.395833 - 1462, 5);
  });

  it("reads the generated leads and call logs identically", () => {
    bothReaders(generateLeadsXlsx({ rows: 500, seed: 3 }).bytes);
    bothReaders(generateCallsXlsx({ rows: 500, seed: 4 }).bytes);
  });

  it("refuses the same files for the same reasons: no header, header only, empty sheet", () => {
    const cases: [unknown[][], string][] = [
      [[[79991234567, "Иванов"], [79161234567, "Петров"]], "no-header"],
      [[["Телефон", "Имя"]], "empty"],
      [[], "empty"],
    ];
    for (const [aoa, code] of cases) {
      expect(bothReaders(write(book(["Лист1", XLSX.utils.aoa_to_sheet(aoa)])))).toEqual({ error: code });
    }
  });

  it("reads inline and rich text, phonetic runs, entities, escapes, CDATA, gaps and self-closing tags", () => {
    const sheet = handSheet(
      `<!-- a comment --><row r="1" spans="1:4"><c r="A1" t="inlineStr"><is><t>Телефон</t></is></c>` +
        `<c r="B1" t="inlineStr"><is><r><t>Им</t></r><r><rPr><b/></rPr><t xml:space="preserve">я </t></r><rPh sb="0" eb="1"><t>ФОНЕТИКА</t></rPh></is></c>` +
        `<c r="D1" t="s"><v>0</v></c></row>` +
        `<row r="2"><c r="A2"><v>79991234567</v></c><c r="B2" t="inlineStr"><is><t>&amp;&lt;&gt;&quot;&apos; &#1046;&#x416; _x000D_ конец</t></is></c>` +
        `<c r="C2" t="b"><v>1</v></c><c r="D2" t="s"><v>1</v></c></row>` +
        `<row r="3"/>` +
        `<row r="5"><c r="A5" t="n"><v>1.5E+3</v></c><c r="B5" t="str"><v><![CDATA[сырой <текст> & всё]]></v></c><c r="C5" t="b"><v>0</v></c><c r="D5" t="e"><v>#N/A</v></c></row>` +
        `<row r="6"><c r="A6" s="1"/><c r="B6" t="str"/><c r="C6" t="b"/><c r="D6" t="inlineStr"/></row>` +
        `<row><c><v>7</v></c><c t="inlineStr"><is><t>без адресов</t></is></c></row>`,
      '<dimension ref="A1:D7"/>',
    );
    const sst =
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst ${NS} count="2" uniqueCount="2">` +
      `<si><t>Комментарий</t><phoneticPr fontId="1"/></si><si><r><t>жир</t></r><r><t xml:space="preserve">ный </t></r><rPh><t>x</t></rPh></si></sst>`;
    const bytes = withParts(sstBase, { "xl/worksheets/sheet1.xml": sheet, "xl/sharedStrings.xml": sst });
    const o = bothReaders(bytes);
    if (!("book" in o)) throw new Error("refused");
    expect(o.book.headers).toEqual(["Телефон", "Имя", "Колонка 3", "Комментарий"]);
    expect(o.book.rows[0]).toEqual([79991234567, "&<>\"' ЖЖ \r конец", true, "жирный "]);
    // An error cell is a marker the row's check reports, never an empty cell.
    expect(o.book.rows[1]).toEqual([1500, "сырой <текст> & всё", false, { unreadable: "error", text: "#N/A" }]);
  });

  it("reads namespace-prefixed SpreadsheetML and sheets without a dimension", () => {
    const sheet =
      `<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
      `<x:sheetData><x:row r="2"><x:c r="B2" t="inlineStr"><x:is><x:t>Телефон</x:t></x:is></x:c><x:c r="C2" t="inlineStr"><x:is><x:t>Имя</x:t></x:is></x:c></x:row>` +
      `<x:row r="3"><x:c r="B3"><x:v>89991234567</x:v></x:c><x:c r="C3" t="s"><x:v>0</x:v></x:c></x:row></x:sheetData></x:worksheet>`;
    const sst = `<?xml version="1.0"?><x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:si><x:t>Ольга</x:t></x:si></x:sst>`;
    const o = bothReaders(withParts(sstBase, { "xl/worksheets/sheet1.xml": sheet, "xl/sharedStrings.xml": sst }));
    expect(rowsOf(o)).toEqual([[89991234567, "Ольга"]]);
  });

  it("guesses the range like SheetJS when there is no dimension, counting formula-only and typed empty cells", () => {
    const sheet = handSheet(
      `<row r="1"><c r="A1"><f>1+1</f></c><c r="C1" t="inlineStr"><is><t>Телефон</t></is></c></row>` +
        `<row r="2"><c r="B2" t="s"/><c r="C2"><v>79991234567</v></c></row>`,
    );
    // SheetJS drops a formula saved without its result; ours keeps it as a marker (one reason
    // XLSX is read by ours), so only the streaming reader is asked here.
    const o = outcome(withParts(sstBase, { "xl/worksheets/sheet1.xml": sheet }), "stream");
    expect(o).toMatchObject({ book: { headers: ["=1+1", "Колонка 2", "Телефон"], rows: [[null, null, 79991234567]] } });
  });

  it("leaves out cells and rows outside the declared dimension, as SheetJS does", () => {
    const rows = [1, 2, 3, 4].map((r) => `<row r="${r}"><c r="A${r}" t="inlineStr"><is><t>a${r}</t></is></c><c r="B${r}" t="inlineStr"><is><t>b${r}</t></is></c></row>`);
    const o = bothReaders(withParts(sstBase, { "xl/worksheets/sheet1.xml": handSheet(rows.join(""), '<dimension ref="A1:A3"/>') }));
    expect(rowsOf(o)).toEqual([["a2"], ["a3"]]);
  });
});

describe("import: streaming XLSX reader on large and damaged files", () => {
  it("reads a 100,000-row file through the streaming reader", () => {
    const file = generateLeadsXlsx({ rows: 100_000, seed: 99 });
    expect(readImportFile(file.bytes, "file.xlsx").reader).toBe("stream");
    const book = readImportFile(file.bytes, "file.xlsx");
    expect(book.totalRows).toBe(100_000);
    expect(book.rows[0]![0]).toBe(file.expected[0]!.name);
    expect(book.rows[99_999]![2]).toBe(file.expected[99_999]!.email);
  }, 120_000);

  it("streams every XLSX by default, small or big, and agrees with SheetJS on them", () => {
    const small = generateLeadsXlsx({ rows: 1_000, seed: 8 }).bytes;
    expect(readImportFile(small, "file.xlsx").reader).toBe("stream");
    const big = generateCallsXlsx({ rows: 20_000, seed: 8 }).bytes;
    const sheet = listZipEntries(big).find((e) => e.name === "xl/worksheets/sheet1.xml")!;
    expect(sheet.uncompressedSize).toBeGreaterThan(4 * 1024 * 1024);
    expect(readImportFile(big, "file.xlsx").reader).toBe("stream");
    expect(outcome(big, "stream")).toStrictEqual(outcome(big, "sheetjs"));
  }, 60_000);

  it("peeks at a sheet's declared size from its first kilobytes, unpacking no further", () => {
    const bytes = generateLeadsXlsx({ rows: 20_000, seed: 5 }).bytes.slice();
    const entries = listZipEntries(bytes);
    const sheet = entries.find((e) => e.name === "xl/worksheets/sheet1.xml")!;
    // Damage far past the head: only a read of the whole part would notice it.
    const at = sheet.localHeaderOffset + 30 + sheet.name.length + Math.floor(sheet.compressedSize * 0.9);
    for (let i = 0; i < 64; i++) bytes[at + i] = (i * 37) & 0xff;
    expect(peekSheetRows(bytes, entries, sheet.name)).toEqual({ first: 0, last: 20_000 });
    expect(entryHead(bytes, sheet, 1000).length).toBe(1000);
    expect(outcome(bytes, "stream")).toEqual({ error: "corrupt" });
  }, 60_000);

  it("answers a damaged sheet stream with `corrupt`", () => {
    const bytes = generateLeadsXlsx({ rows: 2_000, seed: 5 }).bytes.slice();
    const sheet = listZipEntries(bytes).find((e) => e.name === "xl/worksheets/sheet1.xml")!;
    const at = sheet.localHeaderOffset + 30 + sheet.name.length + Math.floor(sheet.compressedSize / 2);
    for (let i = 0; i < 64; i++) bytes[at + i] = (i * 37) & 0xff;
    expect(outcome(bytes, "stream")).toEqual({ error: "corrupt" });
  });

  it("refuses a big sheet that unpacks far past its declared size as a zip bomb, like the SheetJS path", () => {
    // 20 MB of zeros declared as 5 MB: big enough to be streamed, found out only by inflating it.
    const inputs = unzip(sstBase).filter((e) => e.name !== "xl/worksheets/sheet1.xml");
    inputs.push({ name: "xl/worksheets/sheet1.xml", data: new Uint8Array(1 + 258 * 80_000), deflated: deflatedZeros(80_000), declaredSize: 5 * 1024 * 1024 });
    const bytes = buildZip(inputs);
    expect(() => readImportFile(bytes, "file.xlsx")).toThrow(/unpacks far past its declared size/);
    expect(bothReaders(bytes)).toEqual({ error: "zip-bomb" });
  });

  it("answers sheet XML that stops short or makes no sense with `corrupt`", () => {
    const whole = handSheet(`<row r="1"><c r="A1" t="inlineStr"><is><t>Телефон</t></is></c></row><row r="2"><c r="A2"><v>79991234567</v></c></row>`);
    const broken = [
      whole.slice(0, whole.indexOf("</sheetData>")),
      whole.slice(0, whole.indexOf("<v>") + 5),
      whole.replace('t="inlineStr"', 't="s"').replace("<is><t>Телефон</t></is>", "<v>99</v>"),
      whole.replace("<row r=\"2\">", '<row r="2000000">'),
      whole.replace('<c r="A2">', '<c r="A2" t="zz">'),
    ];
    for (const xml of broken) {
      expect(outcome(withParts(sstBase, { "xl/worksheets/sheet1.xml": xml }), "stream")).toEqual({ error: "corrupt" });
    }
    // SheetJS finds no sheet data in XML that stops short and calls it empty; "damaged" is the truer answer.
    expect(outcome(withParts(sstBase, { "xl/worksheets/sheet1.xml": broken[0]! }), "sheetjs")).toEqual({ error: "empty" });
  });

  it("stops at the row cap, with or without a declared dimension", () => {
    const declared = withParts(sstBase, { "xl/worksheets/sheet1.xml": sheetXml(200, true) });
    const undeclared = withParts(sstBase, { "xl/worksheets/sheet1.xml": sheetXml(200, false) });
    expect(bothReaders(declared, 50)).toEqual({ error: "too-many-rows" });
    expect(bothReaders(undeclared, 50)).toEqual({ error: "too-many-rows" });
    expect(() => readImportFile(undeclared, "file.xlsx", { maxRows: 50, xlsxReader: "stream" })).toThrow(/too many rows: more than 50/);
    expect(rowsOf(bothReaders(undeclared, 200))).toHaveLength(200);
  });

  it("stops reading at the row cap, before it reaches damage further on", () => {
    const xml = sheetXml(5_000, false);
    const bytes = withParts(sstBase, { "xl/worksheets/sheet1.xml": xml });
    const sheet = listZipEntries(bytes).find((e) => e.name === "xl/worksheets/sheet1.xml")!;
    const damaged = bytes.slice();
    const end = sheet.localHeaderOffset + 30 + sheet.name.length + sheet.compressedSize;
    for (let i = 1; i <= 64; i++) damaged[end - 100 - i] = (i * 37) & 0xff;
    expect(outcome(damaged, "stream", 100_000)).toEqual({ error: "corrupt" });
    expect(outcome(damaged, "stream", 50)).toEqual({ error: "too-many-rows" });
  });
});
