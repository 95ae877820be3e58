// Sandbox only (mounted by sandbox.ts, never by the production entry): parses an uploaded import's
// file inside workerd exactly as the parse job does (read, normalise, dedupe), without writing, so
// the benchmark can measure time and memory on big files.
import { Hono } from "hono";
import type { AppEnv } from "../lib/hono-env";
import { Problem } from "../lib/problem";
import { tenant } from "../db/tenant";
import { getImport } from "../db/imports";
import { readImportFile } from "../imports/read";
import { detectColumns } from "../imports/detect";
import { headerMapping, prepareRows } from "../imports/pipeline-rows";

/** Date.now() stands still while a Worker computes; a zero timer lets the clock catch up. */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export function devBenchRoutes() {
  const r = new Hono<AppEnv>();

  r.post("/dev/imports/:id/parse-bench", async (c) => {
    const accountId = Number(c.req.query("account"));
    if (!Number.isSafeInteger(accountId) || accountId <= 0) throw new Problem("dev_account_required", { field: "account" }, { field: "account" });
    const id = Number(c.req.param("id"));
    const imp = Number.isSafeInteger(id) && id > 0 ? await getImport(tenant(c.var.db, accountId), id) : null;
    if (!imp) throw new Problem("dev_unavailable", { why: `Import ${c.req.param("id")} does not exist in account ${accountId}.` });
    const object = await c.env.FILES.get(imp.fileKey);
    if (!object) throw new Problem("dev_unavailable", { why: "The import's file is not in R2." });
    const bytes = new Uint8Array(await object.arrayBuffer());
    await tick();
    const t0 = Date.now();
    const book = readImportFile(bytes, imp.fileName);
    await tick();
    const t1 = Date.now();
    const detected = detectColumns(book.headers, book.rows.slice(0, 200));
    const kind = detected.duration !== undefined || detected.result !== undefined ? "calls" : "leads";
    const prepared = prepareRows(kind, book.headers, book.rows, headerMapping(book.headers, detected), book.rowNumbers, { date1904: book.date1904 });
    const json = prepared.rows.reduce((n, row) => n + JSON.stringify(row.data).length, 0);
    await tick();
    const t2 = Date.now();
    // Which reader parsed it: ours (streaming XLSX), SheetJS or the CSV reader.
    return c.json({ rows: book.totalRows, reader: book.reader, kind, fileBytes: bytes.byteLength, readMs: t1 - t0, prepareMs: t2 - t1, totalMs: t2 - t0, pending: prepared.pending, failed: prepared.failed, duplicates: prepared.duplicates, storedJsonBytes: json });
  });

  return r;
}
