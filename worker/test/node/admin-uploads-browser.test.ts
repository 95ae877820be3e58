// The Uploads page in Chromium against the sandbox: a workbook with a hidden first sheet and a
// report title over its table; the page says which sheet and header row it took, lets the admin
// take another row or sheet (the file is read again each time), shows what each date became and
// which cell cannot be read, and the import then reads exactly what was confirmed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as XLSX from "xlsx";
import type { Page } from "playwright-core";
import type { Sandbox } from "../../scripts/sandbox-lib";
import { startBrowserSuite, type BrowserSuite } from "./browser-suite";
import { screenshot, waitUntil, watchedPage, type BrowserHarness, type WatchedPage } from "./browser-harness";
import type { ImportView } from "../../src/api-types";

const MOBILE = { width: 390, height: 844 };
const DESKTOP = { width: 1360, height: 900 };

let sb: Sandbox;
let chromium: BrowserHarness;
let suite: BrowserSuite | undefined;

const tid = (id: string) => `[data-testid="${id}"]`;

async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent()) ?? "";
}

function reportFile(): Buffer {
  const wb = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet([["Служебное"], ["не трогать"]]), "Служебный");
  const report = XLSX.utils.aoa_to_sheet([
    ["Выгрузка звонков за декабрь 2026"],
    [],
    ["Имя", "Телефон", "Дата звонка", "Результат"],
    ["Клиент 1", "+7 999 710-00-01", "07.12.2026 14:30", "Разговор"],
    ["Клиент 2", "+7 999 710-00-02", "7 декабря 2026", "Не ответил"],
    ["Клиент 3", "+7 999 710-00-03", "завтра", "Занято"],
    ["Клиент 4", "+7 999 710-00-04", "08.12.2026 10:00", "Разговор"],
  ]);
  report["!merges"] = [{ s: { r: 0, c: 0 }, e: { r: 0, c: 3 } }];
  report["D7"] = { t: "e", v: 0x2a };
  XLSX.utils.book_append_sheet(wb, report, "Отчёт");
  XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet([["Телефон", "Имя"], ["+7 999 710-00-09", "Из второго листа"]]), "Лиды");
  wb.Workbook = { Sheets: [{ Hidden: 1 }, { Hidden: 0 }, { Hidden: 0 }] };
  return Buffer.from(XLSX.write(wb, { type: "buffer", bookType: "xlsx" }) as Uint8Array);
}

async function adminLink(): Promise<string> {
  const res = await fetch(`${sb.workerUrl}/api/widget/admin-link`, { method: "POST", headers: { "x-auth-token": await sb.widgetToken() } });
  if (res.status !== 200) throw new Error(`admin-link answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { url: string }).url;
}

async function signedIn(viewport = DESKTOP): Promise<WatchedPage> {
  const w = await watchedPage(chromium.browser, { viewport });
  await w.page.goto(await adminLink());
  return w;
}

/** Picks an option and waits until the page has read the file again with it. */
async function choose(page: Page, select: string, value: string, until: () => Promise<boolean>, what: string): Promise<void> {
  await page.selectOption(tid(select), value);
  await waitUntil(until, what, 20_000, 100);
}

beforeAll(async () => {
  suite = await startBrowserSuite("admin-uploads-browser", { workerPort: 18817, amoPort: 18818, lptPort: 18819 });
  ({ sb, chromium } = suite);
}, 180_000);

afterAll(() => suite?.stop());

describe("uploads page: sheets, header rows, dates", () => {
  it("picks the header row and the sheet, shows what dates became, and imports what was confirmed", async () => {
    const w = await signedIn();
    const { page } = w;
    try {
      await page.goto(`${sb.workerUrl}/admin/uploads`);
      await page.waitForSelector(tid("dropzone"));
      await page.setInputFiles(tid("file-input"), { name: "отчёт.xlsx", mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buffer: reportFile() });
      await page.waitForSelector(tid("import-mapping"));

      // Found on its own: the first visible sheet, the header under the title and the blank row.
      const taken = () => text(page, tid("import-header-taken"));
      expect(await taken()).toBe("Заголовки взяты из строки 3 листа «Отчёт».");
      expect(await page.inputValue(tid("import-sheet"))).toBe("Отчёт");
      expect(await page.locator(`${tid("import-sheet")} option`).allTextContents()).toEqual(["Служебный (скрытый)", "Отчёт", "Лиды"]);
      expect(await page.inputValue(tid("import-header-row"))).toBe("3");
      expect(await text(page, `${tid("import-header-row")} option:first-child`)).toBe("Строка 1: Выгрузка звонков за декабрь 2026");
      expect(await text(page, tid("import-preview"))).toContain("Клиент 1");

      // Another header row: the title becomes the header; then back.
      await choose(page, "import-header-row", "1", async () => (await taken()).includes("строки 1"), "the preview from row 1");
      expect(await text(page, `${tid("import-preview")} thead`)).toContain("Выгрузка звонков за декабрь 2026");
      await choose(page, "import-header-row", "3", async () => (await taken()).includes("строки 3"), "the preview from row 3");

      // Another sheet, then back.
      await choose(page, "import-sheet", "Лиды", async () => (await taken()).includes("«Лиды»"), "the second sheet");
      expect(await text(page, tid("import-preview"))).toContain("Из второго листа");
      await choose(page, "import-sheet", "Отчёт", async () => (await taken()).includes("«Отчёт»"), "the report sheet again");
      await waitUntil(async () => (await text(page, tid("import-preview"))).includes("Клиент 1"), "the report's rows", 10_000, 100);

      // As call results, the date column shows what each cell became, in the account's zone.
      await page.check(tid("kind-calls"));
      await page.selectOption(tid("map-date"), "2");
      expect(await text(page, tid("import-zone"))).toContain("Europe/Moscow");
      const dates = await page.locator(tid("import-date")).allTextContents();
      expect(dates[0]).toMatch(/^→ 7 дек\.? 2026.*14:30$/);
      expect(dates[1]).toMatch(/^→ 7 дек\.? 2026.*00:00$/);
      expect(dates[2]).toBe("не дата: строка будет с ошибкой");
      expect(await text(page, tid("import-cell-unreadable"))).toBe("#N/A");
      await screenshot(page, "admin-upload-sources-desktop", { fullPage: true });
      await page.setViewportSize(MOBILE);
      await screenshot(page, "admin-upload-sources-390", { fullPage: true });
      await page.setViewportSize(DESKTOP);

      // Imported as leads from the confirmed sheet and row: the #N/A row fails with its own number.
      await page.check(tid("kind-leads"));
      expect(await page.inputValue(tid("map-phone"))).toBe("1");
      const started = page.waitForResponse((r) => r.url().endsWith("/start") && r.request().method() === "POST");
      await page.click(tid("import-start"));
      const startBody = (await (await started).request().postDataJSON()) as Record<string, unknown>;
      expect(startBody).toMatchObject({ kind: "leads", sheet: "Отчёт", headerRow: 3 });
      await page.waitForSelector(tid("import-summary"), { timeout: 90_000 });
      const id = Number(new URL(page.url()).searchParams.get("id"));
      const view = (await (await page.request.get(`${sb.workerUrl}/api/admin/imports/${id}`)).json()) as ImportView;
      expect(view).toMatchObject({ status: "done", total: 4, failed: 1 });
      expect(view.errors.map((e) => e.row)).toEqual([7]);
      expect(view.errors[0]!.reason).toBe('Row 7: column "Результат": the cell holds the Excel error #N/A');
      expect(view.errors[0]!.reasonText).toEqual({ code: "import_row_invalid", params: { row: 7 }, items: [{ code: "import_cell_excel_error", params: { column: "Результат", value: "#N/A" } }] });
      // The page words the row's issues from their codes, in either language.
      const body = async () => (await page.textContent("body")) ?? "";
      await waitUntil(async () => (await body()).includes("Строка 7: колонка «Результат»: в ячейке ошибка Excel #N/A"), "the row's reason in Russian", 10_000, 100);
      expect(await body()).not.toContain("Строка 7: Строка 7");
      await page.click(tid("lang-switch"));
      await waitUntil(async () => (await body()).includes('Row 7: column "Результат": the cell holds the Excel error #N/A'), "the row's reason in English", 10_000, 100);
      expect(await body()).not.toContain("Row 7: Row 7");
      expect(w.errors, w.errors.join("\n")).toEqual([]);
    } finally {
      await w.close();
    }
  }, 180_000);
});
