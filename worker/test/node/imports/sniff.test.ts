// Specification: the type of an upload comes from its bytes; the name must agree with them.
import * as XLSX from "xlsx";
import { describe, expect, it } from "vitest";
import { generateLeadsXlsx } from "../../../bench/gen-xlsx";
import { ImportFileError } from "../../../src/imports/errors";
import { oleStreamNames, sniffContent, sniffFile } from "../../../src/imports/sniff";

const enc = new TextEncoder();

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    if (e instanceof ImportFileError) return e.code;
    throw e;
  }
  return "accepted";
}

function xls(): Uint8Array {
  const wb = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet([["Телефон"], ["89991234567"]]), "Лист1");
  return new Uint8Array(XLSX.write(wb, { type: "array", bookType: "xls" }) as ArrayBuffer);
}

function ole(streams: Record<string, Uint8Array>): Uint8Array {
  const cfb = XLSX.CFB.utils.cfb_new();
  for (const [name, data] of Object.entries(streams)) XLSX.CFB.utils.cfb_add(cfb, `/${name}`, data);
  return new Uint8Array(XLSX.CFB.write(cfb, { type: "array" }) as ArrayLike<number>);
}

describe("import: sniffing the file type", () => {
  const xlsx = generateLeadsXlsx({ rows: 3, seed: 1 }).bytes;

  it("knows XLSX by a ZIP holding [Content_Types].xml and xl/workbook.xml", () => {
    expect(sniffContent(xlsx)).toBe("xlsx");
    expect(sniffFile(xlsx, "Лиды март.XLSX")).toEqual({ type: "xlsx" });
  });

  it("knows XLS by the OLE signature and its Workbook stream", () => {
    const bytes = xls();
    expect(oleStreamNames(bytes)).toContain("Workbook");
    expect(sniffFile(bytes, "old.xls")).toEqual({ type: "xls" });
  });

  it("reads real XLSX sent under an .xls name as XLSX", () => {
    expect(sniffFile(xlsx, "export.xls")).toEqual({ type: "xlsx" });
  });

  it("knows CSV as text without NUL bytes, and accepts .csv, .tsv and .txt names", () => {
    const csv = enc.encode("Телефон;Имя\n89991234567;Иван\n");
    expect(sniffFile(csv, "a.csv")).toEqual({ type: "csv" });
    expect(sniffFile(csv, "a.tsv")).toEqual({ type: "csv" });
    expect(sniffFile(csv, "a.txt")).toEqual({ type: "csv" });
  });

  it("accepts UTF-16 text with a byte-order mark although it is full of NUL bytes", () => {
    const utf16 = new Uint8Array([0xff, 0xfe, ...[..."Телефон\tИмя\n"].flatMap((c) => [c.charCodeAt(0) & 0xff, c.charCodeAt(0) >> 8])]);
    expect(sniffFile(utf16, "calls.txt")).toEqual({ type: "csv" });
  });

  it("refuses a name that disagrees with the content", () => {
    expect(codeOf(() => sniffFile(enc.encode("a;b\n"), "a.xlsx"))).toBe("wrong-type");
    expect(codeOf(() => sniffFile(xls(), "a.xlsx"))).toBe("wrong-type");
    expect(codeOf(() => sniffFile(xlsx, "a.csv"))).toBe("wrong-type");
    expect(codeOf(() => sniffFile(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]), "a.csv"))).toBe("wrong-type");
    expect(codeOf(() => sniffFile(ole({ WordDocument: new Uint8Array(600) }), "a.xls"))).toBe("wrong-type");
  });

  it("says protected for an encrypted OLE container under any spreadsheet name", () => {
    const bytes = ole({ EncryptionInfo: new Uint8Array(64), EncryptedPackage: new Uint8Array(4096) });
    expect(sniffContent(bytes)).toBe("ole-encrypted");
    for (const name of ["a.xlsx", "a.xls", "a.csv"]) expect(codeOf(() => sniffFile(bytes, name))).toBe("password-protected");
  });

  it("refuses unknown extensions and names without one", () => {
    expect(codeOf(() => sniffFile(xlsx, "leads.ods"))).toBe("unsupported-type");
    expect(codeOf(() => sniffFile(xlsx, "leads"))).toBe("unsupported-type");
  });

  it("calls a broken OLE header corrupt", () => {
    const pointsOutside = xls();
    new DataView(pointsOutside.buffer).setUint32(0x30, 0x00ffffff, true); // first directory sector
    expect(codeOf(() => sniffFile(pointsOutside, "a.xls"))).toBe("corrupt");
    const noDirectory = xls();
    new DataView(noDirectory.buffer).setUint32(0x30, 0xfffffffe, true);
    expect(codeOf(() => sniffFile(noDirectory, "a.xls"))).toBe("corrupt");
  });
});
