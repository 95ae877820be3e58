// Admin API over call results: a filtered, sorted, paged list, the results that occur (for the
// filter's picker), and the same filter as an XLSX download of up to 50,000 rows.
import { Hono } from "hono";
import type { AppEnv } from "../lib/hono-env";
import { queryOf } from "../lib/validate";
import { callExportQuerySchema, callListQuerySchema } from "../contracts/admin";
import { tenant, type Tenant } from "../db/tenant";
import { listCalls, type CallFilter, type CallRow } from "../db/calls";
import { distinctCallResults, tzOffsetMs } from "../db/stats";
import { buildXlsx } from "../imports/report";
import type { CallListResponse } from "../api-types";

export const EXPORT_MAX_ROWS = 50_000;
/** listCalls answers at most 5,000 rows per call. */
const EXPORT_PAGE = 5_000;


type CallItem = CallListResponse["items"][number];

export function callItem(row: CallRow): CallItem {
  return {
    id: row.callId,
    at: row.startedAt,
    direction: row.direction === "inbound" || row.direction === "outbound" ? row.direction : null,
    durationSec: row.duration,
    result: row.result,
    recordingUrl: row.recordingUrl,
    operator: row.operator,
    syncStatus: row.syncStatus,
    phone: row.phone,
    source: row.source,
    lptLeadId: row.lptLeadId,
    amoLeadId: row.amoLeadId,
    comment: row.comment,
    error: row.error,
  };
}

const HEADERS = {
  ru: ["Дата и время", "Направление", "Длительность, с", "Результат", "Телефон", "Оператор", "Комментарий", "Источник", "Заявка LPTracker", "Сделка amoCRM", "Передан в amoCRM", "Ошибка", "Запись"],
  en: ["Date and time", "Direction", "Duration, s", "Result", "Phone", "Operator", "Comment", "Source", "LPTracker lead", "amoCRM lead", "Sent to amoCRM", "Error", "Recording"],
} as const;

const WORDS = {
  ru: { inbound: "входящий", outbound: "исходящий", pending: "ожидает", posted: "передан", failed: "ошибка" },
  en: { inbound: "inbound", outbound: "outbound", pending: "pending", posted: "sent", failed: "failed" },
} as const;

/** "2026-07-02 14:05" on the user's wall clock: spreadsheet apps would shift a Date cell to UTC. */
function wallTime(at: number | null, tz: string): string | null {
  if (at === null) return null;
  return new Date(at + tzOffsetMs(tz, at)).toISOString().slice(0, 16).replace("T", " ");
}

export function exportRow(row: CallRow, lang: "ru" | "en", tz: string): unknown[] {
  const w = WORDS[lang];
  return [
    wallTime(row.startedAt, tz),
    row.direction ? w[row.direction] : null,
    row.duration,
    row.result,
    row.phone,
    row.operator,
    row.comment,
    row.source,
    row.lptLeadId,
    row.amoLeadId,
    w[row.syncStatus],
    row.error,
    row.recordingUrl,
  ];
}

/** Every row the filter selects, up to the export cap, fetched page by page. */
async function exportRows(t: Tenant, f: CallFilter): Promise<{ rows: CallRow[]; total: number }> {
  const rows: CallRow[] = [];
  let total = 0;
  while (rows.length < EXPORT_MAX_ROWS) {
    const page = await listCalls(t, { ...f, limit: Math.min(EXPORT_PAGE, EXPORT_MAX_ROWS - rows.length), offset: rows.length });
    total = page.total;
    rows.push(...page.items);
    if (page.items.length === 0 || rows.length >= total) break;
  }
  return { rows, total };
}

export function adminCallRoutes() {
  const r = new Hono<AppEnv>();
  const t = (c: { var: AppEnv["Variables"] }) => tenant(c.var.db, c.var.admin.accountId);

  r.get("/api/admin/calls", queryOf(callListQuerySchema), async (c) => {
    const f = c.req.valid("query");
    const { items, total } = await listCalls(t(c), f);
    const body: CallListResponse = { items: items.map(callItem), total };
    c.header("cache-control", "no-store");
    return c.json(body);
  });

  r.get("/api/admin/calls/results", async (c) => {
    c.header("cache-control", "no-store");
    return c.json({ items: await distinctCallResults(t(c)) });
  });

  r.get("/api/admin/calls/export.xlsx", queryOf(callExportQuerySchema), async (c) => {
    const { lang, tz, ...f } = c.req.valid("query");
    const { rows, total } = await exportRows(t(c), f);
    const file = buildXlsx([...HEADERS[lang]], rows.map((row) => exportRow(row, lang, tz)), lang === "ru" ? "Звонки" : "Calls");
    const day = wallTime(Date.now(), tz)!.slice(0, 10);
    return new Response(file, {
      headers: {
        "content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "content-disposition": `attachment; filename="calls-${day}.xlsx"`,
        "cache-control": "no-store",
        "x-export-rows": String(rows.length),
        "x-export-total": String(total),
      },
    });
  });

  return r;
}
