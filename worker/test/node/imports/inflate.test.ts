// Specification: the bounded inflater agrees with zlib and stops at its budget.
import { deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { deflatedZeros, rng, sheetXml } from "../../../bench/gen-xlsx";
import { crc32, inflateChunks, InflateError, InflateLimitError } from "../../../src/imports/inflate";

const ENOUGH = Symbol("enough");

/** The first `budget` bytes a stream inflates to, stopping the decoder once they are there. */
function inflateRaw(input: Uint8Array, budget: number): { data: Uint8Array; complete: boolean } {
  const parts: Buffer[] = [];
  let length = 0;
  try {
    inflateChunks(input, Number.MAX_SAFE_INTEGER, (chunk) => {
      const take = chunk.subarray(0, budget - length);
      parts.push(Buffer.from(take));
      length += take.length;
      if (length === budget) throw ENOUGH;
    });
    return { data: Buffer.concat(parts), complete: true };
  } catch (e) {
    if (e !== ENOUGH) throw e;
    return { data: Buffer.concat(parts), complete: false };
  }
}

const text = new TextEncoder().encode(sheetXml(3000) + "Ёжик в тумане ".repeat(500));

describe("import: bounded inflate", () => {
  it("matches zlib for stored, fixed and dynamic Huffman blocks", () => {
    for (const level of [0, 1, 6, 9]) {
      const { data, complete } = inflateRaw(deflateRawSync(text, { level }), text.length + 10);
      expect(complete).toBe(true);
      expect(Buffer.from(data).equals(Buffer.from(text))).toBe(true);
    }
    const fixed = deflateRawSync(text, { strategy: 4 /* Z_FIXED */ });
    expect(Buffer.from(inflateRaw(fixed, text.length).data).equals(Buffer.from(text))).toBe(true);
  });

  it("decodes long Huffman codes too (a skewed alphabet of all 256 byte values)", () => {
    const random = rng(5);
    // Squaring skews the distribution, so rare bytes get codes longer than the 9-bit fast table.
    const bytes = Uint8Array.from({ length: 200_000 }, () => Math.floor(random() ** 4 * 256));
    for (const level of [1, 9]) {
      const out = inflateRaw(deflateRawSync(bytes, { level }), bytes.length);
      expect(Buffer.from(out.data).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  it("stops at the output budget without reading the rest", () => {
    const { data, complete } = inflateRaw(deflateRawSync(text), 1000);
    expect(complete).toBe(false);
    expect(Buffer.from(data).equals(Buffer.from(text.subarray(0, 1000)))).toBe(true);
    // A stream that would inflate to 20 MB yields just the budget.
    expect(inflateRaw(deflatedZeros(80_000), 64 * 1024).data.length).toBe(64 * 1024);
  });

  it("rejects garbage and truncated streams with InflateError", () => {
    expect(() => inflateRaw(new Uint8Array([0xff, 0xff, 0xff, 0xff]), 100)).toThrow(InflateError);
    const cut = deflateRawSync(text).subarray(0, 100);
    expect(() => inflateRaw(cut, text.length)).toThrow(InflateError);
  });

  it("checks a whole stream's size and CRC-32 in a 32 KB window", () => {
    expect(inflateChunks(deflateRawSync(text), text.length, () => {})).toEqual({ size: text.length, crc32: crc32(text) });
    // A 20 MB stream with a 1 MB allowance: refused as soon as it passes the allowance.
    expect(() => inflateChunks(deflatedZeros(80_000), 1024 * 1024, () => {})).toThrow(InflateLimitError);
  });

  it("computes CRC-32 like zlib", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });
});
