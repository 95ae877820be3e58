// Specification: the ZIP guard reads only the central directory and refuses by declared sizes.
import { describe, expect, it } from "vitest";
import { buildZip, generateLeadsXlsx } from "../../../bench/gen-xlsx";
import { ImportFileError } from "../../../src/imports/errors";
import { DEFAULT_ZIP_CAPS, guardZip, listZipEntries } from "../../../src/imports/zip-guard";

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    if (e instanceof ImportFileError) return e.code;
    throw e;
  }
  return "accepted";
}

/** Turns the first central record into a ZIP64 one declaring `size` bytes in its extra field. */
function zip64Declaring(size: number): Uint8Array {
  const name = new TextEncoder().encode("xl/worksheets/sheet1.xml");
  const extra = new Uint8Array(4 + 8);
  const ev = new DataView(extra.buffer);
  ev.setUint16(0, 0x0001, true);
  ev.setUint16(2, 8, true);
  ev.setUint32(4, size % 0x1_0000_0000, true);
  ev.setUint32(8, Math.floor(size / 0x1_0000_0000), true);
  const local = new Uint8Array(30 + name.length + 10);
  new DataView(local.buffer).setUint32(0, 0x04034b50, true);
  new DataView(local.buffer).setUint32(18, 10, true);
  new DataView(local.buffer).setUint16(26, name.length, true);
  local.set(name, 30);
  const central = new Uint8Array(46 + name.length + extra.length);
  const cv = new DataView(central.buffer);
  cv.setUint32(0, 0x02014b50, true);
  cv.setUint16(10, 8, true);
  cv.setUint32(20, 10, true);
  cv.setUint32(24, 0xffffffff, true);
  cv.setUint16(28, name.length, true);
  cv.setUint16(30, extra.length, true);
  central.set(name, 46);
  central.set(extra, 46 + name.length);
  const eocd = new Uint8Array(22);
  const dv = new DataView(eocd.buffer);
  dv.setUint32(0, 0x06054b50, true);
  dv.setUint16(8, 1, true);
  dv.setUint16(10, 1, true);
  dv.setUint32(12, central.length, true);
  dv.setUint32(16, local.length, true);
  const out = new Uint8Array(local.length + central.length + eocd.length);
  out.set(local);
  out.set(central, local.length);
  out.set(eocd, local.length + central.length);
  return out;
}

describe("import: ZIP guard", () => {
  const xlsx = generateLeadsXlsx({ rows: 50, seed: 3 }).bytes;

  it("lists a SheetJS workbook's entries with their declared sizes", () => {
    const entries = listZipEntries(xlsx);
    const names = entries.map((e) => e.name);
    expect(names).toContain("[Content_Types].xml");
    expect(names).toContain("xl/workbook.xml");
    const sheet = entries.find((e) => e.name === "xl/worksheets/sheet1.xml")!;
    expect(sheet.method).toBe(8);
    expect(sheet.uncompressedSize).toBeGreaterThan(sheet.compressedSize);
    expect(guardZip(xlsx)).toEqual(entries);
  });

  it("has the agreed default caps", () => {
    expect(DEFAULT_ZIP_CAPS).toEqual({ maxTotalUncompressed: 200 * 1024 * 1024, maxRatio: 100, ratioMinSize: 10 * 1024 * 1024, maxEntries: 10_000 });
  });

  it("takes every cap as a parameter", () => {
    expect(codeOf(() => guardZip(xlsx, { maxTotalUncompressed: 100 }))).toBe("zip-bomb");
    expect(codeOf(() => guardZip(xlsx, { maxEntries: 3 }))).toBe("zip-bomb");
    expect(codeOf(() => guardZip(xlsx, { maxRatio: 1, ratioMinSize: 100 }))).toBe("zip-bomb");
    expect(codeOf(() => guardZip(xlsx, { maxRatio: 1 }))).toBe("accepted");
  });

  it("reads ZIP64 sizes from the extra field, so a bomb cannot hide behind 0xFFFFFFFF", () => {
    const bytes = zip64Declaring(2 ** 40);
    expect(listZipEntries(bytes)[0]!.uncompressedSize).toBe(2 ** 40);
    expect(codeOf(() => guardZip(bytes))).toBe("zip-bomb");
  });

  it("calls a missing, truncated or inconsistent directory corrupt", () => {
    expect(codeOf(() => listZipEntries(xlsx.subarray(0, xlsx.length - 30)))).toBe("corrupt");
    expect(codeOf(() => listZipEntries(new Uint8Array(10)))).toBe("corrupt");
    const lying = xlsx.slice();
    const view = new DataView(lying.buffer);
    view.setUint32(lying.length - 6, lying.length, true); // directory offset past the end
    expect(codeOf(() => listZipEntries(lying))).toBe("corrupt");
    const garbled = xlsx.slice();
    const dirAt = new DataView(garbled.buffer).getUint32(garbled.length - 6, true);
    garbled[dirAt] = 0; // first central record loses its signature
    expect(codeOf(() => listZipEntries(garbled))).toBe("corrupt");
  });

  it("checks the declared entry count before walking the directory", () => {
    const tiny = buildZip([{ name: "a", data: new Uint8Array(1) }]);
    const view = new DataView(tiny.buffer);
    view.setUint16(tiny.length - 12, 60_000, true);
    // With its real single record it would be "corrupt"; the count alone decides first.
    expect(codeOf(() => listZipEntries(tiny))).toBe("zip-bomb");
  });
});
