// Specification: the upload finds the table under titles and blank rows, names the sheet and the
// header row it took and lets the admin take others; dates are read in the account's zone from
// amoCRM and shown as what they became; the import reads the sheet and row the admin confirmed,
// numbers rows as the spreadsheet does, and fails (never changes) a cell it cannot read.
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as XLSX from "xlsx";
import { adminFetch, amo, db, installAccount, type Installed } from "./harness";
import { importView, uploadImport, waitForImport } from "./imports-harness";
import { callResults, metadataCache } from "../../src/db/schema";
import type { ApiProblem, ImportUploadResponse, ImportView } from "../../src/api-types";

/** A workbook as offices send them: a hidden service sheet first, then a report with a title and a blank row over the table. */
function reportFile(): Uint8Array {
  const wb = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet([["Служебное"], ["не трогать"]]), "Служебный");
  const report = XLSX.utils.aoa_to_sheet([
    ["Звонки за декабрь 2026"],
    [],
    ["Телефон", "Дата звонка", "Длительность", "Результат"],
    ["+7 916 000-11-01", "07.12.2026 14:30", "2:05", "Разговор"],
    ["+7 916 000-11-02", 46364.5, 30, "Не ответил"],
    ["+7 916 000-11-03", "7 декабря 2026", 12, "Занято"],
    ["+7 916 000-11-04", "08.12.2026 10:00", 40, "Разговор"],
  ]);
  report["!merges"] = [{ s: { r: 0, c: 0 }, e: { r: 0, c: 3 } }];
  // An Excel error in a row: that row must fail with it, the others go on.
  report["D7"] = { t: "e", v: 0x2a };
  XLSX.utils.book_append_sheet(wb, report, "Отчёт");
  XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet([["Телефон", "Имя"], ["+79990001122", "Второй"]]), "Лиды");
  wb.Workbook = { Sheets: [{ Hidden: 1 }, { Hidden: 0 }, { Hidden: 0 }] };
  return new Uint8Array(XLSX.write(wb, { type: "array", bookType: "xlsx" }) as ArrayBuffer);
}

async function preview(a: Installed, id: number, body: unknown): Promise<Response> {
  return adminFetch(a, `/api/admin/imports/${id}/preview`, { method: "POST", json: body });
}

describe("import sources: sheets, header rows, dates", () => {
  it("takes the first visible sheet and the header row under the title, and reads dates in the account's zone", async () => {
    const a = await installAccount();
    const up = await uploadImport(a, "отчёт.xlsx", reportFile());
    expect(up.sheets).toEqual([
      { name: "Служебный", hidden: true },
      { name: "Отчёт", hidden: false },
      { name: "Лиды", hidden: false },
    ]);
    expect(up.sheetName).toBe("Отчёт");
    expect(up.headerRow).toBe(3);
    expect(up.headers).toEqual(["Телефон", "Дата звонка", "Длительность", "Результат"]);
    expect(up.rowNumbers).toEqual([4, 5, 6, 7]);
    expect(up.totalRows).toBe(4);
    expect(up.headerChoices.map((h) => h.row)).toEqual([1, 3, 4, 5, 6, 7]);
    expect(up.headerChoices[0]!.text).toBe("Звонки за декабрь 2026");
    expect(up.rows[3]![3]).toEqual({ unreadable: "error", text: "#N/A" });
    // The zone came from amoCRM's account settings and is kept with the metadata.
    expect(up).toMatchObject({ timeZone: "Europe/Moscow", timeZoneKnown: true, date1904: false });
    const cached = await db()
      .select()
      .from(metadataCache)
      .where(and(eq(metadataCache.accountId, a.accountId), eq(metadataCache.kind, "datetime_settings")));
    expect(cached[0]?.data).toEqual({ timezone: "Europe/Moscow" });
    // What each date became: text, serial and Russian words alike.
    expect(up.dates.map((row) => row[1])).toEqual([
      Date.UTC(2026, 11, 7, 11, 30) / 1000,
      Date.UTC(2026, 11, 8, 9, 0) / 1000,
      Date.UTC(2026, 11, 6, 21, 0) / 1000,
      Date.UTC(2026, 11, 8, 7, 0) / 1000,
    ]);
  });

  it("reads another sheet or another header row on request, and refuses a sheet or row that is not there", async () => {
    const a = await installAccount();
    const up = await uploadImport(a, "отчёт.xlsx", reportFile());
    const leads = (await (await preview(a, up.id, { sheet: "Лиды" })).json()) as ImportUploadResponse;
    expect(leads).toMatchObject({ sheetName: "Лиды", headerRow: 1, headers: ["Телефон", "Имя"], totalRows: 1 });
    const hidden = (await (await preview(a, up.id, { sheet: "Служебный" })).json()) as ImportUploadResponse;
    expect(hidden).toMatchObject({ sheetName: "Служебный", headers: ["Служебное"] });

    const noSheet = await preview(a, up.id, { sheet: "Нет такого" });
    expect(noSheet.status).toBe(400);
    expect((await noSheet.json()) as ApiProblem).toMatchObject({ code: "import_sheet_missing", params: { sheet: "Нет такого" } });
    const dataRow = await preview(a, up.id, { sheet: "Отчёт", headerRow: 4 });
    expect(dataRow.status).toBe(400);
    expect((await dataRow.json()) as ApiProblem).toMatchObject({ code: "import_header_row_missing", params: { row: 4 } });
    const bad = await preview(a, up.id, { headerRow: "три" });
    expect(bad.status).toBe(400);
  });

  it("imports the sheet and header row the admin confirmed, with the spreadsheet's row numbers and the unreadable row failed", async () => {
    const a = await installAccount();
    for (let k = 1; k <= 4; k++) {
      await amo.createContact(a.accountId, { name: `Клиент ${k}`, custom_fields_values: [{ field_code: "PHONE", values: [{ value: `+791600011${String(k).padStart(2, "0")}`, enum_code: "WORK" }] }] });
    }
    const up = await uploadImport(a, "отчёт.xlsx", reportFile());
    const res = await adminFetch(a, `/api/admin/imports/${up.id}/start`, {
      method: "POST",
      json: { kind: "calls", columns: { phone: 0, date: 1, duration: 2, result: 3 }, sheet: "Отчёт", headerRow: 3 },
    });
    expect(res.status).toBe(202);
    const done = await waitForImport(a, up.id);
    expect(done.status).toBe("done");
    expect(done.total).toBe(4);
    expect(done).toMatchObject({ created: 3, failed: 1 });
    const view = await importView(a, up.id);
    expect(view.errors).toHaveLength(1);
    expect(view.errors[0]!.row).toBe(7);
    expect(view.errors[0]!.reason).toContain("#N/A");
    expect(done.done).toBe(4);
    // Each call at the moment its cell meant in the account's zone, whatever form the date took.
    const stored = await db().select().from(callResults).where(eq(callResults.accountId, a.accountId));
    const at = Object.fromEntries(stored.map((r) => [r.phone, r.startedAt]));
    const seconds = (v: number | null | undefined) => (v === null || v === undefined ? v : v > 1e11 ? v / 1000 : v);
    expect(seconds(at["+79160001101"])).toBe(Date.UTC(2026, 11, 7, 11, 30) / 1000);
    expect(seconds(at["+79160001102"])).toBe(Date.UTC(2026, 11, 8, 9, 0) / 1000);
    expect(seconds(at["+79160001103"])).toBe(Date.UTC(2026, 11, 6, 21, 0) / 1000);
  });

  it("refuses a start whose columns the chosen header row does not have", async () => {
    const a = await installAccount();
    for (let k = 1; k <= 4; k++) {
      await amo.createContact(a.accountId, { name: `Клиент ${k}`, custom_fields_values: [{ field_code: "PHONE", values: [{ value: `+791600011${String(k).padStart(2, "0")}`, enum_code: "WORK" }] }] });
    }
    const up = await uploadImport(a, "отчёт.xlsx", reportFile());
    const res = await adminFetch(a, `/api/admin/imports/${up.id}/start`, { method: "POST", json: { kind: "leads", columns: { phone: 0, name: 3 }, sheet: "Лиды" } });
    expect(res.status).toBe(400);
    expect((await res.json()) as ApiProblem).toMatchObject({ code: "import_column_missing", params: { column: 4 } });
    const v = (await (await adminFetch(a, `/api/admin/imports/${up.id}`)).json()) as ImportView;
    expect(v.status).toBe("uploaded");
  });

  it("says so when amoCRM cannot tell the account's zone, and reads dates in Moscow time meanwhile", async () => {
    const a = await installAccount();
    await amo.setFaults(a.accountId, { rate: 1, kinds: ["500"], seed: 3, paths: ["/api/v4/account"] });
    try {
      const up = await uploadImport(a, "отчёт.xlsx", reportFile());
      expect(up).toMatchObject({ timeZone: "Europe/Moscow", timeZoneKnown: false });
      expect(up.dates[0]![1]).toBe(Date.UTC(2026, 11, 7, 11, 30) / 1000);
    } finally {
      await amo.setFaults(a.accountId, null);
    }
  });
});

describe("import sources: CSV encodings inside workerd", () => {
  it("reads a windows-1251 CSV from Russian Excel with the runtime's own decoder", async () => {
    const a = await installAccount();
    const text = "Телефон;ФИО;Комментарий\r\n+7 916 000-12-01;Ёлкина Юлия;«Перезвонить» — №5\r\n";
    const table = new TextDecoder("windows-1251").decode(Uint8Array.from({ length: 256 }, (_, i) => i));
    const byChar = new Map([...table].map((ch, i) => [ch, i]));
    const up = await uploadImport(a, "export.csv", Uint8Array.from([...text].map((ch) => byChar.get(ch)!)));
    expect(up.headers).toEqual(["Телефон", "ФИО", "Комментарий"]);
    expect(up.rows).toEqual([["+7 916 000-12-01", "Ёлкина Юлия", "«Перезвонить» — №5"]]);
  });
});
