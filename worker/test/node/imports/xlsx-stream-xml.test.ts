// Specification: the pieces under the streaming reader see the same thing however the bytes are cut.
import { deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { deflatedZeros, sheetXml } from "../../../bench/gen-xlsx";
import { crc32, inflateChunks, InflateLimitError } from "../../../src/imports/inflate";
import { type Tag, unescapeXml, XmlError, type XmlHandler, XmlTokenizer } from "../../../src/imports/xlsx-stream-xml";

const NAMES = ["row", "c", "v", "t"];

/** Every token as a line, with the attributes a reader asks for. */
function tokens(xml: Uint8Array, chunkSize: number): string[] {
  const log: string[] = [];
  const handler: XmlHandler = {
    open: (id: number, tag: Tag, selfClosing: boolean) => log.push(`<${id} r=${tag.attr("r")} t=${tag.attr("t")}${selfClosing ? "/" : ""}>`),
    close: (id: number) => log.push(`</${id}>`),
    text: (buf: Uint8Array, start: number, end: number) => log.push(new TextDecoder().decode(buf.subarray(start, end))),
  };
  const tokenizer = new XmlTokenizer(NAMES, handler);
  for (let at = 0; at < xml.length; at += chunkSize) tokenizer.write(xml.subarray(at, at + chunkSize));
  tokenizer.end();
  // Text may arrive in more than one piece; join neighbours so the logs compare.
  return log.reduce<string[]>((out, line) => {
    const last = out.length - 1;
    if (!line.startsWith("<") && last >= 0 && !out[last]!.startsWith("<")) out[last] += line;
    else out.push(line);
    return out;
  }, []);
}

const XML = new TextEncoder().encode(
  `<?xml version="1.0" encoding="UTF-8"?><!-- комментарий > с угловой --><x:row r="1" spans='1:2'>` +
    `<x:c r="A1" t="inlineStr" note="a > b"><is><t xml:space="preserve"> Телефон </t></is></x:c>` +
    `<c r="B1"><v><![CDATA[<не тег>]]></v></c><c r="C1"/></x:row><!DOCTYPE nothing><other a="1">текст &amp; ещё</other>`,
);

describe("import: streaming XML tokenizer", () => {
  it("reports the same tokens whatever the chunk size", () => {
    const whole = tokens(XML, XML.length);
    expect(whole).toContain("<1 r=A1 t=inlineStr>");
    expect(whole).toContain("<1 r=C1 t=null/>");
    expect(whole).toContain("<![CDATA[<не тег>]]>");
    expect(whole).toContain(" Телефон ");
    expect(whole).not.toContain(" комментарий ");
    for (const size of [1, 2, 3, 7, 64]) expect(tokens(XML, size)).toEqual(whole);
  });

  it("refuses input that ends inside a tag", () => {
    const cut = new TextEncoder().encode('<row r="1"><c r="A');
    expect(() => tokens(cut, 5)).toThrow(XmlError);
  });

  it("decodes entities, character references, OOXML escapes and CDATA", () => {
    expect(unescapeXml("&amp;&lt;&gt;&quot;&apos;")).toBe("&<>\"'");
    expect(unescapeXml("&#1046;&#x416;&#128512;")).toBe("ЖЖ😀");
    expect(unescapeXml("a_x000D_b_x005F_x0041_")).toBe("a\rb_x0041_");
    expect(unescapeXml("x<![CDATA[&amp; _x0041_]]>&amp;")).toBe("x&amp; _x0041_&");
    expect(unescapeXml("&unknown; & alone")).toBe("&unknown; & alone");
  });
});

describe("import: windowed inflate", () => {
  const text = new TextEncoder().encode(sheetXml(20_000));

  it("hands on the whole output in pieces of at most 96 KB, with its size and CRC-32", () => {
    for (const level of [0, 1, 9]) {
      const pieces: Uint8Array[] = [];
      const result = inflateChunks(deflateRawSync(text, { level }), text.length, (chunk) => {
        pieces.push(chunk.slice());
      });
      expect(result).toEqual({ size: text.length, crc32: crc32(text) });
      expect(Math.max(...pieces.map((p) => p.length))).toBeLessThanOrEqual(96 * 1024);
      expect(Buffer.concat(pieces).equals(Buffer.from(text))).toBe(true);
    }
  });

  it("stops a stream that runs past its allowance", () => {
    let seen = 0;
    expect(() =>
      inflateChunks(deflatedZeros(80_000), 1024 * 1024, (c) => {
        seen += c.length;
      }),
    ).toThrow(InflateLimitError);
    expect(seen).toBeLessThanOrEqual(1024 * 1024);
  });
});
