// Specification: the generators behave like the files users upload, deterministically.
import { describe, expect, it } from "vitest";
import { formatPhone, generateCallsXlsx, generateLeadsXlsx } from "../../../bench/gen-xlsx";
import { detectColumns, rowToRecord, toColumnMapping } from "../../../src/imports/detect";
import { dedupeRows, normalizeRow } from "../../../src/imports/normalize";
import { readImportFile } from "../../../src/imports/read";

describe("import: generated test files", () => {
  it("is deterministic by seed", () => {
    expect(generateLeadsXlsx({ rows: 50, seed: 9 }).expected).toEqual(generateLeadsXlsx({ rows: 50, seed: 9 }).expected);
    expect(generateLeadsXlsx({ rows: 50, seed: 9 }).expected).not.toEqual(generateLeadsXlsx({ rows: 50, seed: 10 }).expected);
  });

  it("writes phones in the three everyday formats", () => {
    expect([0, 1, 2].map((s) => formatPhone("9991234567", s as 0 | 1 | 2))).toEqual(["+7 999 123-45-67", "8(999)1234567", "9991234567"]);
    const book = readImportFile(generateLeadsXlsx({ rows: 300, seed: 4 }).bytes, "file.xlsx");
    const phones = book.rows.map((r) => String(r[1]));
    expect(phones.some((p) => /^\+7 \d{3} \d{3}-\d{2}-\d{2}$/.test(p))).toBe(true);
    expect(phones.some((p) => /^8\(\d{3}\)\d{7}$/.test(p))).toBe(true);
    expect(phones.some((p) => /^9\d{9}$/.test(p))).toBe(true);
  });

  it("takes the asked share of phones from the existing ones", () => {
    const existing = ["+79990000001", "+79990000002", "+79990000003"];
    const file = generateLeadsXlsx({ rows: 1000, seed: 1, matchShare: 0.3, existingPhones: existing });
    expect(file.matched).toBeGreaterThan(240);
    expect(file.matched).toBeLessThan(360);
    expect(file.expected.filter((e) => existing.includes(e.phone)).length).toBe(file.matched);
    // Matched phones repeat, so the file dedupes down to the unmatched rows plus the three existing.
    const book = readImportFile(file.bytes, "file.xlsx");
    const mapping = toColumnMapping(book.headers, detectColumns(book.headers, book.rows.slice(0, 100)));
    const rows = book.rows.map((r, i) => {
      const n = normalizeRow("leads", rowToRecord(book.headers, r), mapping, i + 2);
      if (!n.ok) throw new Error(n.reason.text);
      return { rowNumber: i + 2, row: n.row };
    });
    const { unique } = dedupeRows(rows);
    expect(unique.filter((u) => existing.includes(u.row.phone!))).toHaveLength(3);
  });

  it("round-trips a generated call log through read, detect and normalise", () => {
    const file = generateCallsXlsx({ rows: 200, seed: 11 });
    const book = readImportFile(file.bytes, "file.xlsx");
    const mapping = toColumnMapping(book.headers, detectColumns(book.headers, book.rows.slice(0, 100)));
    book.rows.forEach((r, i) => {
      const n = normalizeRow("calls", rowToRecord(book.headers, r), mapping, i + 2);
      if (!n.ok) throw new Error(n.reason.text);
      const want = file.expected[i]!;
      expect(n.row).toMatchObject({
        phone: want.phone,
        dateUnix: want.dateUnix,
        durationSec: want.durationSec,
        result: want.result,
        callStatus: want.callStatus,
        recordingUrl: want.recordingUrl,
        operator: want.operator,
      });
    });
  });
});
