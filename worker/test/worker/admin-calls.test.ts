import { describe, expect, it } from "vitest";
import * as XLSX from "xlsx";
import { env } from "cloudflare:test";
import { addCall, asAdmin, newAdmin, type Admin } from "./admin-app";
import type { CallListResponse } from "../../src/api-types";

async function calls(a: Admin, query = ""): Promise<CallListResponse> {
  const res = await asAdmin(a, `/api/admin/calls${query ? `?${query}` : ""}`);
  expect(res.status).toBe(200);
  return (await res.json()) as CallListResponse;
}

async function seed(a: Admin) {
  const t0 = Date.UTC(2026, 5, 1, 9, 0);
  await addCall(a, { callId: "c1", startedAt: t0, duration: 30, result: "Дозвонились", syncStatus: "posted", phone: "+79990000001", direction: "inbound" });
  await addCall(a, { callId: "c2", startedAt: t0 + 60_000, duration: 5, result: "Не дозвонились", syncStatus: "failed", error: "amoCRM 400", phone: "+79990000002" });
  await addCall(a, { callId: "c3", startedAt: t0 + 120_000, duration: 300, result: "Дозвонились", syncStatus: "pending", source: "import", comment: "перезвонить" });
  return t0;
}

async function readXlsx(res: Response): Promise<unknown[][]> {
  const wb = XLSX.read(new Uint8Array(await res.arrayBuffer()), { type: "array" });
  return XLSX.utils.sheet_to_json<unknown[]>(wb.Sheets[wb.SheetNames[0]!]!, { header: 1, raw: true, defval: null });
}

describe("admin call results (GET /api/admin/calls)", () => {
  it("lists the account's calls newest first in the contract's shape", async () => {
    const a = await newAdmin();
    const t0 = await seed(a);
    const body = await calls(a);
    expect(body.total).toBe(3);
    expect(body.items.map((c) => c.id)).toEqual(["c3", "c2", "c1"]);
    expect(body.items[2]).toEqual({
      id: "c1",
      at: t0,
      direction: "inbound",
      durationSec: 30,
      result: "Дозвонились",
      recordingUrl: null,
      operator: null,
      syncStatus: "posted",
      phone: "+79990000001",
      source: "lptracker",
      lptLeadId: null,
      amoLeadId: null,
      comment: null,
      error: null,
    });
  });

  it("filters by date range, result and sync state", async () => {
    const a = await newAdmin();
    const t0 = await seed(a);
    expect((await calls(a, `from=${t0 + 1}&to=${t0 + 60_000}`)).items.map((c) => c.id)).toEqual(["c2"]);
    expect((await calls(a, `result=${encodeURIComponent("Дозвонились")}`)).items.map((c) => c.id)).toEqual(["c3", "c1"]);
    expect((await calls(a, "syncStatus=failed")).items.map((c) => c.id)).toEqual(["c2"]);
  });

  it("sorts by date or duration in both directions and pages", async () => {
    const a = await newAdmin();
    await seed(a);
    expect((await calls(a, "sort=duration&dir=desc")).items.map((c) => c.id)).toEqual(["c3", "c1", "c2"]);
    expect((await calls(a, "sort=startedAt&dir=asc")).items.map((c) => c.id)).toEqual(["c1", "c2", "c3"]);
    const page = await calls(a, "sort=startedAt&dir=asc&limit=2&offset=2");
    expect(page).toMatchObject({ total: 3 });
    expect(page.items.map((c) => c.id)).toEqual(["c3"]);
  });

  it("offers the results that occur in the account for the filter", async () => {
    const a = await newAdmin();
    const b = await newAdmin();
    await seed(a);
    await addCall(b, { result: "Чужой результат" });
    const res = await asAdmin(a, "/api/admin/calls/results");
    expect(await res.json()).toEqual({ items: ["Дозвонились", "Не дозвонились"] });
  });

  it("never shows another account's calls", async () => {
    const a = await newAdmin();
    const b = await newAdmin();
    await seed(b);
    await addCall(a, { callId: "mine" });
    const body = await calls(a, "limit=200");
    expect(body.items.map((c) => c.id)).toEqual(["mine"]);
    expect((await calls(a, "syncStatus=failed")).total).toBe(0);
  });

  it("refuses a bad sort with a 400", async () => {
    const res = await asAdmin(await newAdmin(), "/api/admin/calls?sort=phone");
    expect(res.status).toBe(400);
  });
});

describe("admin call export (GET /api/admin/calls/export.xlsx)", () => {
  it("downloads the filtered calls as XLSX with localised headers and wall-clock times", async () => {
    const a = await newAdmin();
    const t0 = await seed(a);
    const res = await asAdmin(a, `/api/admin/calls/export.xlsx?result=${encodeURIComponent("Дозвонились")}&sort=startedAt&dir=asc&tz=Europe/Moscow`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="calls-\d{4}-\d{2}-\d{2}\.xlsx"$/);
    const rows = await readXlsx(res);
    expect(rows[0]).toEqual(["Дата и время", "Направление", "Длительность, с", "Результат", "Телефон", "Оператор", "Комментарий", "Источник", "Заявка LPTracker", "Сделка amoCRM", "Передан в amoCRM", "Ошибка", "Запись"]);
    expect(rows).toHaveLength(3);
    // 09:00 UTC is 12:00 in Moscow.
    expect(rows[1]!.slice(0, 4)).toEqual(["2026-06-01 12:00", "входящий", 30, "Дозвонились"]);
    expect(rows[2]![0]).toBe(new Date(t0 + 120_000 + 3 * 3_600_000).toISOString().slice(0, 16).replace("T", " "));
    expect(rows[2]![6]).toBe("перезвонить");

    const en = await readXlsx(await asAdmin(a, "/api/admin/calls/export.xlsx?lang=en"));
    expect(en[0]![0]).toBe("Date and time");
    expect(en).toHaveLength(4);
  });

  it("neutralises every text cell that a spreadsheet would run as a formula", async () => {
    const a = await newAdmin();
    const hostile = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", " =1+1"];
    for (const [i, text] of hostile.entries()) {
      await addCall(a, { callId: `h${i}`, startedAt: 1_000 + i, comment: text, result: text, operator: text });
    }
    const rows = await readXlsx(await asAdmin(a, "/api/admin/calls/export.xlsx?sort=startedAt&dir=asc"));
    const body = rows.slice(1);
    expect(body).toHaveLength(hostile.length);
    for (const [i, row] of body.entries()) {
      for (const col of [3, 5, 6]) expect(row[col]).toBe(`'${hostile[i]}`);
    }
    for (const cell of body.flat()) {
      if (typeof cell === "string") expect(cell).not.toMatch(/^\s*[=+\-@]/);
    }
  });

  it("exports only the signed-in account's calls", async () => {
    const a = await newAdmin();
    const b = await newAdmin();
    await seed(b);
    await addCall(a, { callId: "mine", result: "наш" });
    const rows = await readXlsx(await asAdmin(a, "/api/admin/calls/export.xlsx"));
    expect(rows.slice(1).map((r) => r[3])).toEqual(["наш"]);
  });

  it("exports more rows than one page of the list", async () => {
    const a = await newAdmin();
    // One statement generates the rows: D1 binds at most 100 parameters per statement.
    await env.DB.prepare(
      `with recursive n(i) as (select 0 union all select i + 1 from n where i < 5199)
       insert into call_results (account_id, source, call_id, started_at, duration, sync_status)
       select ?, 'import', 'bulk' || i, i, i % 60, 'posted' from n`,
    )
      .bind(a.accountId)
      .run();
    const res = await asAdmin(a, "/api/admin/calls/export.xlsx");
    expect(res.headers.get("x-export-rows")).toBe("5200");
    const rows = await readXlsx(res);
    expect(rows).toHaveLength(5_201);
  });

  it("stops at 50,000 rows and says how many the filter selected", async () => {
    const a = await newAdmin();
    await env.DB.prepare(
      `with recursive n(i) as (select 0 union all select i + 1 from n where i < 50004)
       insert into call_results (account_id, source, call_id, started_at, duration, sync_status, comment)
       select ?, 'import', 'cap' || i, i, 1, 'posted', '=cmd' || i from n`,
    )
      .bind(a.accountId)
      .run();
    const res = await asAdmin(a, "/api/admin/calls/export.xlsx");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-export-rows")).toBe("50000");
    expect(res.headers.get("x-export-total")).toBe("50005");
    const rows = await readXlsx(res);
    expect(rows).toHaveLength(50_001);
    expect(rows[1]![6]).toBe("'=cmd50004");
  });
});
