import { it } from "vitest";
import { generateHostileFiles, generateLeadsXlsx, generateCallsXlsx } from "../../../bench/gen-xlsx";
import { previewWorkbook, readWorkbook } from "../../../src/imports/read";
import { inflateRaw } from "../../../src/imports/inflate";
import { deflatedZeros } from "../../../bench/gen-xlsx";

it("smoke", () => {
  const z = inflateRaw(deflatedZeros(10), 1e6);
  console.log("zeros", z.data.length, z.complete, z.data.every((b) => b === 0));
  let t = Date.now();
  const h = generateHostileFiles();
  console.log("hostile gen ms", Date.now() - t);
  for (const [name, f] of Object.entries(h)) {
    t = Date.now();
    try {
      const p = previewWorkbook(f.bytes, f.fileName);
      console.log(name, "OK?!", p.headers, p.totalRows);
    } catch (e: any) {
      console.log(name, f.expect, "=>", e.code, Date.now() - t, "ms", e.message);
    }
  }
  for (const n of [10_000, 100_000]) {
    t = Date.now();
    const g = generateLeadsXlsx({ rows: n, seed: 1 });
    console.log("gen", n, Date.now() - t, g.bytes.length);
    t = Date.now();
    const p = readWorkbook(g.bytes, "xlsx");
    console.log("read", n, Date.now() - t, p.totalRows, p.headers, p.rows[0]);
  }
  const c = generateCallsXlsx({ rows: 50, seed: 3 });
  const p = previewWorkbook(c.bytes, c.fileName);
  console.log(p.headers, p.rows[0], p.detected, c.expected[0]);
});
