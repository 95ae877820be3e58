// Admin API over call results: a filtered, sorted, paged list, the results that occur (for the
// filter's picker), and the same filter as an XLSX download of up to 50,000 rows.
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../lib/hono-env";
import { parseOr400 } from "../lib/validate";
import { tenant, type Tenant } from "../db/tenant";
import { listCalls, type CallFilter, type CallRow } from "../db/calls";
import { distinctCallResults, isTimeZone, tzOffsetMs } from "../db/stats";
import { buildXlsx } from "../imports/report";
import type { CallListResponse } from "../api-types";

export const EXPORT_MAX_ROWS = 50_000;
/** listCalls answers at most 5,000 rows per call. */
const EXPORT_PAGE = 5_000;

const filterFields = {
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().nonnegative().optional(),
  result: z
    .string()
    .trim()
    .max(200)
    .transform((s) => s || undefined)
    .optional(),
  syncStatus: z.enum(["pending", "posted", "failed"], { error: "syncStatus must be pending, posted or failed" }).optional(),
  sort: z.enum(["startedAt", "duration"], { error: "sort must be startedAt or duration" }).optional(),
  dir: z.enum(["asc", "desc"], { error: "dir must be asc or desc" }).optional(),
};

const listQuery = z.object({
  ...filterFields,
  limit: z.coerce.number().int().min(1).max(200).optional(),
  offset: z.coerce.number().int().min(0).max(1_000_000).optional(),
});

const exportQuery = z.object({
  ...filterFields,
  lang: z.enum(["ru", "en"]).default("ru"),
  tz: z
    .string()
    .max(64)
    .refine(isTimeZone, { error: "Unknown time zone: send an IANA name such as Europe/Moscow" })
    .default("Europe/Moscow"),
});

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
  const w = WORDS[lang] as Record<string, string>;
  return [
    wallTime(row.startedAt, tz),
    row.direction ? (w[row.direction] ?? row.direction) : null,
    row.duration,
    row.result,
    row.phone,
    row.operator,
    row.comment,
    row.source,
    row.lptLeadId,
    row.amoLeadId,
    w[row.syncStatus] ?? row.syncStatus,
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

  r.get("/api/admin/calls", async (c) => {
    const f = parseOr400(listQuery, c.req.query());
    const { items, total } = await listCalls(t(c), f);
    const body: CallListResponse = { items: items.map(callItem), total };
    c.header("cache-control", "no-store");
    return c.json(body);
  });

  r.get("/api/admin/calls/results", async (c) => {
    c.header("cache-control", "no-store");
    return c.json({ items: await distinctCallResults(t(c)) });
  });

  r.get("/api/admin/calls/export.xlsx", async (c) => {
    const { lang, tz, ...f } = parseOr400(exportQuery, c.req.query());
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
