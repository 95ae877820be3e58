// Specification: spreadsheets written by the tools people use read back exactly as their writer was
// told, cell by cell, through every reader the product can take. The files are written at test time
// (worker/test/corpus/write_corpus.py with Debian's openpyxl and XlsxWriter; gnumeric's ssconvert and
// LibreOffice convert them on), so the corpus follows the writers CI installs (.ci/run); files with
// features only Excel writes are made here by hand, as Excel lays them out.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildZip } from "../../../bench/gen-xlsx";
import { isUnreadable } from "../../../src/imports/cells";
import { normalizeRow } from "../../../src/imports/normalize";
import { previewOf, readImportFile, type WorkbookData, type XlsxReader } from "../../../src/imports/read";
import { sniffFile } from "../../../src/imports/sniff";
import { zonedToUnix } from "../../../src/imports/values";

type Expected = string | number | boolean | null | { date: string } | { error: string } | { formula: string };

interface Case {
  file: string;
  writer: string;
  sheet: string;
  headerRow: number;
  headers: string[];
  rows: Expected[][];
  sheets: { name: string; hidden: boolean }[];
  date1904?: boolean;
  csv?: { encoding: string; delimiter: string };
  /** CSV: the wall-clock time each row's date cell stands for. */
  dates?: string[];
  recalculated_by?: string;
}

const PYTHON = "/usr/bin/python3";
const TOOLS_HINT = "install the corpus writers: apt-get install python3-openpyxl python3-xlsxwriter gnumeric libreoffice-calc-nogui (see .ci/run)";

let dir = "";
const cases: Case[] = [];

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
  } catch (e) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${(e as Error).message.split("\n")[0]}); ${TOOLS_HINT}`);
  }
}

/** A converter's copy of openpyxl.xlsx: same cells, formulas now computed (both converters recalculate). */
function converted(base: Case, file: string, writer: string): Case {
  const rows = base.rows.map((row) => row.map((v) => (typeof v === "object" && v !== null && "formula" in v ? null : v)));
  const last = rows[rows.length - 1]!;
  last[4] = 1234.56 * 2;
  last[7] = "АБ";
  return { ...base, file, writer, rows };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "import-corpus-"));
  run(PYTHON, [join(__dirname, "../../corpus/write_corpus.py"), dir]);
  cases.push(...(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Case[]));
  const base = cases.find((c) => c.file === "openpyxl.xlsx")!;
  const gnumeric = run("ssconvert", ["--version"]).trim().split("\n")[0]!;
  run("ssconvert", ["--export-type=Gnumeric_Excel:excel_biff8", join(dir, "openpyxl.xlsx"), join(dir, "gnumeric.xls")]);
  run("ssconvert", ["--export-type=Gnumeric_Excel:xlsx2", join(dir, "openpyxl.xlsx"), join(dir, "gnumeric.xlsx")]);
  // Gnumeric's XLSX writer drops the hidden state of a sheet: its first sheet, a header only, is
  // visible there, and the reader moves on to the first visible sheet that holds a table.
  const shown = base.sheets.map((s) => ({ ...s, hidden: false }));
  cases.push(converted(base, "gnumeric.xls", gnumeric), { ...converted(base, "gnumeric.xlsx", gnumeric), sheets: shown });
  // LibreOffice needs a profile of its own, or it refuses to start beside another instance.
  const office = ["--headless", "--norestore", `-env:UserInstallation=file://${join(dir, "lo-profile")}`];
  // One start per output format (LibreOffice takes seconds to start), each converting both sources.
  const sources = [join(dir, "openpyxl.xlsx"), join(dir, "openpyxl-1904.xlsx")];
  for (const to of ["xls", "xlsx:Calc MS Excel 2007 XML"]) run("soffice", [...office, "--convert-to", to, "--outdir", join(dir, "lo"), ...sources]);
  const lo = run("soffice", ["--version"]).trim();
  cases.push(converted(base, "lo/openpyxl.xls", lo), converted(base, "lo/openpyxl.xlsx", lo));
  // The 1904 workbook converted on: whichever date system the converter writes, the dates must stay.
  const mac = cases.find((c) => c.file === "openpyxl-1904.xlsx")!;
  run("ssconvert", ["--export-type=Gnumeric_Excel:excel_biff8", join(dir, "openpyxl-1904.xlsx"), join(dir, "gnumeric-1904.xls")]);
  run("ssconvert", ["--export-type=Gnumeric_Excel:xlsx2", join(dir, "openpyxl-1904.xlsx"), join(dir, "gnumeric-1904.xlsx")]);
  for (const [file, writer] of [["gnumeric-1904.xls", gnumeric], ["gnumeric-1904.xlsx", gnumeric], ["lo/openpyxl-1904.xls", lo], ["lo/openpyxl-1904.xlsx", lo]] as const) {
    cases.push({ ...mac, file, writer, date1904: undefined });
  }
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const DAY_MS = 86_400_000;

/** An Excel serial number as the wall-clock time it shows, to the second. */
function serialToWall(serial: number, date1904: boolean): string {
  const ms = Math.round(((date1904 ? serial + 1462 : serial) - 25569) * DAY_MS / 1000) * 1000;
  return new Date(ms).toISOString().slice(0, 19);
}

/** Why `actual` is not what the writer was given, or null when it is. */
function mismatch(actual: unknown, expected: Expected, date1904: boolean): string | null {
  const bad = (why: string) => `${JSON.stringify(actual)} instead of ${JSON.stringify(expected)}${why ? ` (${why})` : ""}`;
  if (expected === null) return actual === null ? null : bad("");
  if (typeof expected === "object") {
    if ("date" in expected) return typeof actual === "number" && serialToWall(actual, date1904) === expected.date ? null : bad(typeof actual === "number" ? serialToWall(actual, date1904) : "");
    if ("error" in expected) return isUnreadable(actual) && actual.unreadable === "error" && actual.text === expected.error ? null : bad("");
    return isUnreadable(actual) && actual.unreadable === "formula" && actual.text === `=${expected.formula}` ? null : bad("");
  }
  // Writers print doubles with up to 17 digits (openpyxl writes 99.9 as 99.90000000000001).
  if (typeof expected === "number") return typeof actual === "number" && Math.abs(actual - expected) <= Math.abs(expected) * 1e-14 ? null : bad("");
  return actual === expected ? null : bad("");
}

/** Every cell that differs from what the writer was given, as "row N, column: why". */
function differences(book: WorkbookData, c: Case): string[] {
  const out: string[] = [];
  if (book.sheetName !== c.sheet) out.push(`sheet ${book.sheetName} instead of ${c.sheet}`);
  if (book.headerRow !== c.headerRow) out.push(`header row ${book.headerRow} instead of ${c.headerRow}`);
  if (JSON.stringify(book.headers) !== JSON.stringify(c.headers)) out.push(`headers ${JSON.stringify(book.headers)}`);
  if (book.rows.length !== c.rows.length) out.push(`${book.rows.length} rows instead of ${c.rows.length}`);
  c.rows.forEach((row, r) =>
    row.forEach((expected, col) => {
      const why = mismatch(book.rows[r]?.[col], expected, book.date1904);
      if (why) out.push(`row ${book.rowNumbers[r]}, ${c.headers[col]}: ${why}`);
    }),
  );
  return out;
}

function typeOf(file: string): "xlsx" | "xls" | "csv" {
  return sniffFile(readFileSync(join(dir, file)), file.replace(/^lo\//, "")).type;
}

function bytesOf(file: string): Uint8Array {
  return new Uint8Array(readFileSync(join(dir, file)));
}

const WALL = (iso: string) => Date.parse(`${iso}Z`) / 1000;

describe("import corpus: files from real writers read exactly", () => {
  it("holds every writer's files, and each reads field by field as written, on every reader path", () => {
    expect(cases.length).toBeGreaterThanOrEqual(18);
    const report: string[] = [];
    for (const c of cases) {
      const type = typeOf(c.file);
      const paths: (XlsxReader | "xls" | "csv")[] = type === "xlsx" ? ["stream", "sheetjs"] : [type];
      for (const path of paths) {
        const book = readImportFile(bytesOf(c.file), c.file.replace(/^lo\//, ""), path === "stream" || path === "sheetjs" ? { xlsxReader: path } : {});
        let diffs = differences(book, c);
        if (path === "sheetjs") {
          // SheetJS, which the product no longer uses for XLSX, is held to everything except its two
          // known losses: characters outside the BMP written as numeric references (openpyxl writes
          // all non-ASCII text so), and formulas saved without a result.
          diffs = diffs.filter((d) => !/😀|"formula"/.test(d));
        }
        for (const d of diffs) report.push(`${c.file} (${c.writer}) via ${path}: ${d}`);
        if (c.csv) expect(book.csv, c.file).toEqual(c.csv);
        if (c.sheets.length) expect(book.sheets, c.file).toEqual(c.sheets);
        if (c.date1904 !== undefined) expect(book.date1904, c.file).toBe(c.date1904);
      }
    }
    expect(report).toEqual([]);
  });

  it("the preview reads the same first rows, sheet and header row as the full read", () => {
    for (const c of cases) {
      const p = previewOf(readImportFile(bytesOf(c.file), c.file.replace(/^lo\//, ""), { previewOnly: true }));
      expect({ file: c.file, sheet: p.sheetName, headerRow: p.headerRow, headers: p.headers, total: p.totalRows }).toEqual({
        file: c.file,
        sheet: c.sheet,
        headerRow: c.headerRow,
        headers: c.headers,
        total: c.rows.length,
      });
      const book = { ...readImportFile(bytesOf(c.file), c.file.replace(/^lo\//, "")), rows: p.rows, rowNumbers: p.rowNumbers };
      expect(differences(book, c), c.file).toEqual([]);
    }
  });

  it("normalises phones, dates (in the account's zone and the file's date system) and reports unreadable cells", () => {
    const mapping = { phone: "Телефон", email: "E-mail", name: "Имя", date: "Дата звонка" };
    for (const timeZone of ["Europe/Moscow", "Asia/Yekaterinburg"]) {
      for (const c of cases) {
        const book = readImportFile(bytesOf(c.file), c.file.replace(/^lo\//, ""));
        book.rows.forEach((values, r) => {
          const record = Object.fromEntries(book.headers.map((h, i) => [h, values[i]]));
          const result = normalizeRow("calls", record, mapping, book.rowNumbers[r]!, { timeZone, date1904: book.date1904 });
          const expected = c.rows[r]!;
          const unreadable = expected.find((v): v is { error: string } | { formula: string } => typeof v === "object" && v !== null && !("date" in v));
          if (unreadable) {
            // Nothing silent: the row fails, naming the cell, instead of importing it changed.
            expect(result.ok, `${c.file} row ${book.rowNumbers[r]}`).toBe(false);
            const text = "error" in unreadable ? unreadable.error : `=${unreadable.formula}`;
            expect(!result.ok && result.reason.text).toContain(text);
            return;
          }
          if (!result.ok) throw new Error(`${c.file} row ${book.rowNumbers[r]}: ${result.reason.text}`);
          const date = c.dates?.[r] ?? (expected[c.headers.indexOf("Дата звонка")] as { date: string }).date;
          expect(result.row.dateUnix, `${c.file} row ${book.rowNumbers[r]} in ${timeZone}`).toBe(zonedToUnix(WALL(date), timeZone));
          expect(result.row.phone).toMatch(/^\+7\d{10}$/);
        });
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Hand-made files for what only Excel writes

const NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
const R_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';

function part(name: string, xml: string) {
  const data = new TextEncoder().encode(xml);
  return { name, data, deflated: new Uint8Array(deflateRawSync(data)) };
}

/** An XLSX as Excel lays it out: the given workbook properties, sheets and shared strings. */
function excelFile(opts: { workbookPr?: string; sheets: { name: string; state?: string; xml: string }[]; sst?: string }): Uint8Array {
  const sheetTags = opts.sheets.map((s, i) => `<sheet name="${s.name}" sheetId="${i + 1}"${s.state ? ` state="${s.state}"` : ""} r:id="rId${i + 1}"/>`).join("");
  const rels = opts.sheets.map((_, i) => `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`).join("");
  const sstRel = opts.sst ? `<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>` : "";
  return buildZip([
    part(
      "[Content_Types].xml",
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>${opts.sheets.map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`).join("")}${opts.sst ? '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>' : ""}</Types>`,
    ),
    part("_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`),
    part("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook ${NS} ${R_NS}>${opts.workbookPr ?? ""}<sheets>${sheetTags}</sheets></workbook>`),
    part("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels}${sstRel}</Relationships>`),
    ...opts.sheets.map((s, i) => part(`xl/worksheets/sheet${i + 1}.xml`, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet ${NS} ${R_NS}>${s.xml}</worksheet>`)),
    ...(opts.sst ? [part("xl/sharedStrings.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst ${NS}>${opts.sst}</sst>`)] : []),
  ]);
}

describe("import corpus: hand-made files with what only Excel writes", () => {
  // A Mac workbook (1904 dates) whose first sheet is hidden, with a merged title over the table,
  // rich text with phonetic runs, references to characters outside the BMP, escapes, whitespace,
  // a shared formula with cached results, a cached string formula, an error and booleans.
  const sst =
    `<si><t>Отчёт по звонкам</t></si>` +
    `<si><t>Телефон</t></si><si><t>Имя</t></si><si><t>Дата звонка</t></si><si><t>Сумма</t></si><si><t>Итого</t></si><si><t>Статус</t></si>` +
    `<si><r><rPr><b/></rPr><t xml:space="preserve">Анна </t></r><r><t>&#128512;&#x1D518;</t></r><rPh sb="0" eb="1"><t>АННА</t></rPh></si>` +
    `<si><t xml:space="preserve">  Олег_x000D_
Петров  </t></si>` +
    `<si><t>8 (916) 000-11-22</t></si>`;
  const sheet =
    `<dimension ref="B1:G5"/><sheetData>` +
    `<row r="1"><c r="B1" t="s"><v>0</v></c></row>` +
    `<row r="3"><c r="B3" t="s"><v>1</v></c><c r="C3" t="s"><v>2</v></c><c r="D3" t="s"><v>3</v></c><c r="E3" t="s"><v>4</v></c><c r="F3" t="s"><v>5</v></c><c r="G3" t="s"><v>6</v></c></row>` +
    `<row r="4"><c r="B4"><v>79160001122</v></c><c r="C4" t="s"><v>7</v></c><c r="D4" s="1"><v>45667.604166666664</v></c><c r="E4"><v>10.5</v></c><c r="F4"><f t="shared" ref="F4:F5" si="0">E4*2</f><v>21</v></c><c r="G4" t="str"><f>IF(E4&gt;5,"крупный","мелкий")</f><v>крупный</v></c></row>` +
    `<row r="5"><c r="B5" t="s"><v>9</v></c><c r="C5" t="inlineStr"><is><t>Ёжик &amp; &lt;Ко&gt;</t></is></c><c r="D5" s="1"><v>45668</v></c><c r="E5" t="b"><v>1</v></c><c r="F5" t="e"><f t="shared" si="0"/><v>#VALUE!</v></c><c r="G5" t="s"><v>8</v></c></row>` +
    `</sheetData><mergeCells count="1"><mergeCell ref="B1:G1"/></mergeCells>`;
  const bytes = excelFile({
    workbookPr: '<workbookPr date1904="1"/>',
    sheets: [
      { name: "Скрытый", state: "hidden", xml: `<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Код</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>служебное</t></is></c></row></sheetData>` },
      { name: "Звонки", xml: sheet },
    ],
    sst,
  });

  it("reads every cell as Excel shows it, the header under the merged title, dates from 1904", () => {
    const book = readImportFile(bytes, "file.xlsx");
    expect(book.sheets).toEqual([
      { name: "Скрытый", hidden: true },
      { name: "Звонки", hidden: false },
    ]);
    expect(book.sheetName).toBe("Звонки");
    expect(book.headerRow).toBe(3);
    expect(book.headers).toEqual(["Телефон", "Имя", "Дата звонка", "Сумма", "Итого", "Статус"]);
    expect(book.rows).toEqual([
      [79160001122, "Анна 😀𝔘", 45667.604166666664, 10.5, 21, "крупный"],
      // Excel's escaped carriage return before a line feed is one line break, as Excel shows it.
      ["8 (916) 000-11-22", "Ёжик & <Ко>", 45668, true, { unreadable: "error", text: "#VALUE!" }, "  Олег\nПетров  "],
    ]);
    expect(book.rowNumbers).toEqual([4, 5]);
    expect(book.date1904).toBe(true);
    expect(serialToWall(book.rows[0]![2] as number, true)).toBe("2029-01-11T14:30:00");
    const ok = normalizeRow("calls", { Телефон: book.rows[0]![0], Дата: book.rows[0]![2] }, { phone: "Телефон", date: "Дата" }, 4, { date1904: true, timeZone: "Europe/Moscow" });
    expect(ok).toMatchObject({ ok: true, row: { phone: "+79160001122", dateUnix: Date.UTC(2029, 0, 11, 11, 30) / 1000 } });
  });

  it("lets the user take the other sheet or another header row", () => {
    expect(readImportFile(bytes, "file.xlsx", { sheet: "Скрытый", headerRow: 1 }).sheetName).toBe("Скрытый");
    // A row of data is no header, chosen or not: the answer says so instead of importing it as one.
    expect(() => readImportFile(bytes, "file.xlsx", { headerRow: 4 })).toThrow(/row 4 .* looks like data/);
    expect(readImportFile(bytes, "file.xlsx", { headerRow: 1, sheet: "Скрытый" }).headers).toEqual(["Код"]);
    expect(() => readImportFile(bytes, "file.xlsx", { sheet: "Нет такого" })).toThrow(/no sheet "Нет такого"/);
    expect(() => readImportFile(bytes, "file.xlsx", { headerRow: 2 })).toThrow(/Row 2 cannot be the header row/);
  });

  it("reads Excel's CSV exports: windows-1251 with «;», Russian dates, and refuses phones Excel cut to scientific notation", () => {
    // Excel with Russian settings: cp1251, «;», a decimal comma, and long numbers as 7,91612E+10.
    const text = "Телефон;Имя;Дата звонка\r\n7,91612E+10;Иван;07.12.2026 14:30\r\n8 916 123-45-67;Мария;7 декабря 2026\r\n";
    const all = new TextDecoder("windows-1251").decode(Uint8Array.from({ length: 256 }, (_, i) => i));
    const reverse = new Map([...all].map((ch, i) => [ch, i]));
    const csv = Uint8Array.from([...text].map((ch) => reverse.get(ch)!));
    writeFileSync(join(dir || tmpdir(), "excel-cp1251.csv"), csv);
    const book = readImportFile(csv, "file.csv");
    expect(book.csv).toEqual({ encoding: "windows-1251", delimiter: ";" });
    expect(book.rows).toEqual([
      ["7,91612E+10", "Иван", "07.12.2026 14:30"],
      ["8 916 123-45-67", "Мария", "7 декабря 2026"],
    ]);
    const mapping = { phone: "Телефон", name: "Имя", date: "Дата звонка" };
    const [first, second] = book.rows.map((values, r) => normalizeRow("calls", Object.fromEntries(book.headers.map((h, i) => [h, values[i]])), mapping, book.rowNumbers[r]!));
    expect(first).toMatchObject({ ok: false });
    expect(!first!.ok && first!.reason.ref).toMatchObject({ code: "import_row_invalid", items: [{ code: "import_cell_phone_scientific" }] });
    expect(!first!.ok && first!.reason.text).toMatch(/scientific notation/);
    expect(second).toMatchObject({ ok: true, row: { phone: "+79161234567", dateUnix: Date.UTC(2026, 11, 6, 21, 0) / 1000 } });
  });
});
