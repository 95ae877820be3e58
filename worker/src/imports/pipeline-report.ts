// The error report of an import: every row that was refused, repeated or skipped, with its original
// cells and the reason, as an XLSX in R2 next to the upload (cells neutralised by buildErrorReport).
import type { Env } from "../env";
import type { Tenant } from "../db/tenant";
import { errorRowsAfter, setReportKey, type ImportRow } from "../db/imports";
import { buildErrorReport, type ErrorReportRow } from "./report";
import { reportKey } from "./pipeline-files";

const PAGE = 2000;
/** A report is for reading: past this many rows the file says so instead of growing without end. */
export const REPORT_MAX_ROWS = 50_000;

/** Builds and stores the report; returns its key, or null when no row has a reason. */
export async function storeErrorReport(env: Env, t: Tenant, imp: ImportRow): Promise<string | null> {
  const rows: ErrorReportRow[] = [];
  let after = 0;
  while (rows.length < REPORT_MAX_ROWS) {
    const page = await errorRowsAfter(t, imp.id, after, Math.min(PAGE, REPORT_MAX_ROWS - rows.length));
    for (const r of page) rows.push({ rowNumber: r.rowNumber, values: r.data.values ?? [], error: r.error ?? "", errorText: r.errorText });
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
  }
  if (rows.length === 0) return null;
  const key = reportKey(t.accountId, imp.id);
  const bytes = buildErrorReport(imp.headers, rows);
  await env.FILES.put(key, bytes, {
    httpMetadata: { contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
    customMetadata: { importId: String(imp.id), rows: String(rows.length) },
  });
  await setReportKey(t, imp.id, key);
  return key;
}
