// The admin page in Chromium against the sandbox (real Worker in wrangler dev, both simulators):
// sign-in through the one-time link, the dashboard, a rule built in the constructor that a new
// LPTracker lead then follows, a file upload watched to 100 %, replaying a failed event, the
// language switch, the signed-out screen; screenshots at 390 px and desktop; no console errors.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as XLSX from "xlsx";
import type { Page } from "playwright-core";
import type { Sandbox } from "../../scripts/sandbox-lib";
import { startBrowserSuite, type BrowserSuite } from "./browser-suite";
import { screenshot, waitUntil, watchedPage, type BrowserHarness, type WatchedPage } from "./browser-harness";

const MOBILE = { width: 390, height: 844 };
const DESKTOP = { width: 1360, height: 900 };

let sb: Sandbox;
let chromium: BrowserHarness;
let suite: BrowserSuite | undefined;

async function adminLink(): Promise<string> {
  const res = await fetch(`${sb.workerUrl}/api/widget/admin-link`, { method: "POST", headers: { "x-auth-token": await sb.widgetToken() } });
  if (res.status !== 200) throw new Error(`admin-link answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { url: string }).url;
}

/** A fresh browser context signed in through a one-time link, as an admin opening it from amoCRM. */
async function signedIn(viewport = DESKTOP, lang: "ru" | "en" = "ru"): Promise<WatchedPage> {
  const w = await watchedPage(chromium.browser, { viewport });
  if (lang === "en") await w.context.addInitScript(() => localStorage.setItem("admin.lang", "en"));
  await w.page.goto(await adminLink());
  return w;
}

const tid = (id: string) => `[data-testid="${id}"]`;

async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent()) ?? "";
}

/** A full-page screenshot from the top, so that the sticky header sits where a person sees it. */
async function shot(page: Page, name: string): Promise<void> {
  // Confirmations fade after 4 s; a picture with one covering the form would hide what it shows.
  await waitUntil(async () => (await page.locator(tid("toast")).count()) === 0, "the confirmations to fade", 6000, 200);
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, name, { fullPage: true });
}

function noErrors(w: WatchedPage) {
  expect(w.errors, w.errors.join("\n")).toEqual([]);
}

function xlsxFile(rows: unknown[][]): Buffer {
  const wb = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet(rows), "Лиды");
  return Buffer.from(XLSX.write(wb, { type: "buffer", bookType: "xlsx" }) as Uint8Array);
}

beforeAll(async () => {
  suite = await startBrowserSuite("admin-browser", { workerPort: 18797, amoPort: 18798, lptPort: 18799 });
  ({ sb, chromium } = suite);
}, 180_000);

afterAll(() => suite?.stop());

describe("admin page in the browser", () => {
  it("shows a visitor without a session how to get in from amoCRM", async () => {
    const w = await watchedPage(chromium.browser, { viewport: MOBILE });
    try {
      await w.page.goto(`${sb.workerUrl}/admin/rules`);
      await w.page.waitForSelector(tid("signed-out"));
      expect(await text(w.page, "h1")).toBe("Войдите через amoCRM");
      expect(await text(w.page, tid("signed-out"))).toContain("Страница администратора ↗");
      await shot(w.page, "admin-signed-out-390");
      // The session check answering 401 is the one failed request such a visit makes.
      expect(w.errors.filter((e) => !e.includes("401"))).toEqual([]);
    } finally {
      await w.close();
    }
  }, 240_000);

  it("signs in through the one-time link and shows the install, LPTracker and counts on the dashboard", async () => {
    const w = await signedIn();
    try {
      await w.page.waitForSelector(tid("install-status"));
      expect(new URL(w.page.url()).pathname).toBe("/admin/");
      expect(await text(w.page, tid("install-status"))).toBe("Установлена и работает");
      expect(await text(w.page, tid("account"))).toContain("demo.amocrm.ru");
      expect(await text(w.page, tid("card-lpt"))).toContain("вебхук работает");
      expect(await text(w.page, tid("counts-today"))).toContain("Получено");
      expect(await w.page.locator(`${tid("activity-chart")} svg`).getAttribute("aria-label")).toMatch(/События за 24 часа/);
      await w.page.getByRole("button", { name: "14 дней" }).click();
      expect(await w.page.locator(`${tid("activity-chart")} svg`).getAttribute("aria-label")).toMatch(/События за 14 дней/);
      expect(await w.page.locator(`${tid("activity-chart")} svg g.bar`).count()).toBe(14);
      await w.page.getByRole("button", { name: "24 часа" }).click();
      expect(await w.page.locator(`${tid("activity-chart")} svg g.bar`).count()).toBe(24);
      await shot(w.page, "admin-dashboard-desktop");
      await w.page.setViewportSize(MOBILE);
      await shot(w.page, "admin-dashboard-390");
      // The page runs under the strict CSP (no console error above means nothing was blocked).
      const html = await w.page.request.get(`${sb.workerUrl}/admin/calls`);
      expect(html.headers()["content-security-policy"]).toContain("default-src 'self'");
      expect(html.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
      // A deep link survives a reload: the Worker serves the page for every /admin path.
      await w.page.goto(`${sb.workerUrl}/admin/audit?view=events`);
      await w.page.waitForSelector(tid("page-audit"));
      await w.page.reload();
      await w.page.waitForSelector(tid("page-audit"));
      expect(await w.page.locator(tid("view-events")).getAttribute("aria-selected")).toBe("true");
      noErrors(w);
    } finally {
      await w.close();
    }
  }, 240_000);

  it("switches to English and back, remembers the choice across reloads, and signs out", async () => {
    const w = await signedIn(MOBILE);
    try {
      await w.page.waitForSelector(tid("install-status"));
      expect(await text(w.page, tid("nav-dashboard"))).toBe("Обзор");
      await w.page.click(tid("lang-switch"));
      expect(await text(w.page, tid("nav-dashboard"))).toBe("Overview");
      expect(await text(w.page, tid("install-status"))).toBe("Installed and working");
      expect(await w.page.getAttribute("html", "lang")).toBe("en");
      await w.page.reload();
      await w.page.waitForSelector(tid("install-status"));
      expect(await text(w.page, tid("nav-rules"))).toBe("Rules");
      await shot(w.page, "admin-dashboard-en-390");
      await w.page.click(tid("lang-switch"));
      expect(await text(w.page, tid("nav-rules"))).toBe("Правила");
      // Signing out ends the session on the server and says so.
      await w.page.click(tid("logout"));
      await w.page.waitForSelector(tid("signed-out"));
      expect(await text(w.page, "h1")).toBe("Вы вышли");
      const after = await w.page.request.get(`${sb.workerUrl}/api/admin/session`);
      expect(after.status()).toBe(401);
      noErrors(w);
    } finally {
      await w.close();
    }
  }, 240_000);

  it("asks before a link of another account replaces the session, and a replaced session's cookie stops working", async () => {
    // A second amoCRM account, installed the marketplace way.
    const other = await sb.amo.createAccount({ subdomain: "second" });
    const { code } = await sb.amo.issueCode(other.id);
    expect((await fetch(`${sb.workerUrl}/oauth/amocrm/callback?code=${code}&referer=${other.subdomain}.amocrm.ru&from_widget=1`)).status).toBe(200);
    await waitUntil(
      async () => ((await (await fetch(`${sb.workerUrl}/dev/status`)).json()) as { accounts: { accountId: number; status: string }[] }).accounts.some((a) => a.accountId === other.id && a.status === "active"),
      "the second install",
      30_000,
      250,
    );
    const otherToken = await sb.widgetToken({ accountId: other.id, subdomain: other.subdomain, userId: other.admin_user_id });
    const linkRes = await fetch(`${sb.workerUrl}/api/widget/admin-link`, { method: "POST", headers: { "x-auth-token": otherToken } });
    const otherLink = ((await linkRes.json()) as { url: string }).url;

    const w = await signedIn(MOBILE);
    try {
      await w.page.waitForSelector(tid("install-status"));
      const demoCookies = await w.context.cookies();
      // "Stay": the demo session goes on, and the other account's link is still unused.
      await w.page.goto(otherLink);
      await w.page.waitForSelector(tid("login-choice"));
      expect(await text(w.page, tid("current-account"))).toContain(`demo (${sb.demo.accountId})`);
      expect(await text(w.page, tid("link-account"))).toContain(`second (${other.id})`);
      await shot(w.page, "admin-login-choice-390");
      await w.page.click(tid("login-stay"));
      await w.page.waitForSelector(tid("install-status"));
      expect(await text(w.page, tid("account"))).toContain("demo.amocrm.ru");
      // "Sign in with the link": now the other account.
      await w.page.goto(otherLink);
      await w.page.click(tid("login-switch"));
      await w.page.waitForSelector(tid("install-status"));
      expect(await text(w.page, tid("account"))).toContain("second.amocrm.ru");
      noErrors(w);

      // A copy of the replaced demo cookie is worthless: the server ended that session.
      const stale = await watchedPage(chromium.browser, { viewport: MOBILE });
      try {
        await stale.context.addCookies(demoCookies);
        await stale.page.goto(`${sb.workerUrl}/admin/`);
        await stale.page.waitForSelector(tid("signed-out"));
        expect(await text(stale.page, tid("signed-out"))).toContain("Эта сессия завершена");
      } finally {
        await stale.close();
      }
    } finally {
      await w.close();
    }
  }, 240_000);

  it("builds a rule with pickers, and a new yandex lead gets its tag, pipeline and stage", async () => {
    const w = await signedIn();
    const { page } = w;
    try {
      await page.waitForSelector(tid("nav-rules"));
      await page.click(tid("nav-rules"));
      await page.waitForSelector(tid("page-rules"));
      await page.click(tid("rule-new"));
      await page.waitForSelector(tid("rule-name-input"));
      await page.fill(tid("rule-name-input"), "Яндекс — в продажи");
      // Condition: the UTM source contains "yandex" (the first field offered for a new lead).
      await page.click(tid("add-condition"));
      expect(await page.inputValue(tid("cond-field"))).toBe("view.source");
      await page.selectOption(tid("cond-op"), "contains");
      await page.fill(tid("cond-value"), "yandex");
      // Action 1: pipeline and stage picked from the account's own metadata.
      await page.click(tid("add-action"));
      await page.selectOption(tid("action-type"), "set_pipeline");
      await page.selectOption(tid("action-pipeline"), { index: 1 });
      await page.selectOption(tid("action-status"), { index: 2 });
      const pipelineId = Number(await page.inputValue(tid("action-pipeline")));
      const statusId = Number(await page.inputValue(tid("action-status")));
      expect(pipelineId).toBeGreaterThan(0);
      expect(statusId).toBeGreaterThan(0);
      // Action 2: a tag.
      await page.click(tid("add-action"));
      await page.locator(tid("action-type")).nth(1).selectOption("add_tags");
      await page.fill(tid("action-tags"), "yandex, горячий");
      await shot(page, "admin-rule-editor-desktop");
      await page.click(tid("rule-save"));
      await page.waitForURL(/\/admin\/rules\/\d+$/);
      await page.waitForSelector(tid("dry-run"));
      const ruleId = Number(new URL(page.url()).pathname.split("/").pop());

      await page.setViewportSize(MOBILE);
      await shot(page, "admin-rule-editor-390");
      await page.setViewportSize(DESKTOP);

      const lead = await sb.lpt.createLead(sb.demo.projectId!, { name: "Заявка из Яндекса", phone: "+7 999 555-01-01", contactName: "Ольга", source: "yandex" });
      const created = await waitUntil(
        async () => {
          const state = await sb.amo.state(sb.demo.accountId);
          return state.leads.find((l) => l.name === "Заявка из Яндекса");
        },
        "the amoCRM lead of the yandex LPTracker lead",
        60_000,
      );
      expect(created.tags).toEqual(expect.arrayContaining(["yandex", "горячий"]));
      expect(created.pipeline_id).toBe(pipelineId);
      expect(created.status_id).toBe(statusId);
      expect(lead.id).toBeGreaterThan(0);

      // The dry run on that very event plans the same actions, in words.
      await page.reload();
      await page.waitForSelector(tid("dry-event"));
      await waitUntil(async () => (await page.locator(`${tid("dry-event")} option`).count()) > 0, "an event to test on");
      await page.click(tid("dry-run-go"));
      await page.waitForSelector(tid("dry-actions"));
      const planned = await text(page, tid("dry-actions"));
      expect(planned).toContain("Теги: yandex, горячий");
      expect(planned).toMatch(/Перенести в «.+» → «.+»/);
      await shot(page, "admin-rule-dry-run-desktop");

      // The list shows the rule in words; it can be switched off and on.
      await page.click(tid("nav-rules"));
      await page.waitForSelector(tid("rule-row"));
      expect(await text(page, tid("rule-row"))).toContain("Яндекс — в продажи");
      expect(await text(page, tid("rule-row"))).toContain("Новая заявка в LPTracker");
      await page.click(tid("rule-toggle"));
      await waitUntil(async () => (await page.locator(tid("rule-toggle")).getAttribute("aria-checked")) === "false", "the rule to switch off");
      await page.click(tid("rule-toggle"));
      await waitUntil(async () => (await page.locator(tid("rule-toggle")).getAttribute("aria-checked")) === "true", "the rule to switch on");
      expect(ruleId).toBeGreaterThan(0);

      // A second rule (made through the API, switched off so that it changes no sync) to reorder and delete.
      const second = await page.request.post(`${sb.workerUrl}/api/admin/rules`, {
        headers: { origin: sb.workerUrl },
        data: { name: "Порядок", enabled: false, trigger: "amo.lead.updated", conditions: { match: "all", items: [] }, actions: [{ type: "add_note", text: "проверка" }] },
      });
      expect(second.status()).toBe(201);
      await page.reload();
      await waitUntil(async () => (await page.locator(tid("rule-row")).count()) === 2, "two rules in the list");
      const names = () => page.locator(tid("rule-name")).allTextContents();
      expect(await names()).toEqual(["Яндекс — в продажи", "Порядок"]);
      await page.locator(tid("rule-down")).first().click();
      await waitUntil(async () => (await names())[0] === "Порядок", "the rules to swap");
      await shot(page, "admin-rules-desktop");
      await page.setViewportSize(MOBILE);
      await shot(page, "admin-rules-390");
      await page.setViewportSize(DESKTOP);
      await page.locator(tid("rule-delete")).first().click();
      await page.locator(tid("rule-delete-yes")).click();
      await waitUntil(async () => (await names()).join() === "Яндекс — в продажи", "the deleted rule to go");
      noErrors(w);
    } finally {
      await w.close();
    }
  }, 240_000);

  it("uploads a spreadsheet and watches the progress bar reach 100 %", async () => {
    const w = await signedIn();
    const { page } = w;
    try {
      await page.goto(`${sb.workerUrl}/admin/uploads`);
      await page.waitForSelector(tid("dropzone"));
      const rows: unknown[][] = [["Имя", "Телефон", "E-mail", "Комментарий"]];
      for (let i = 1; i <= 12; i++) rows.push([`Клиент ${i}`, `+7 999 700-00-${String(i).padStart(2, "0")}`, `client${i}@example.ru`, i === 3 ? "=1+1" : "с выставки"]);
      await page.setInputFiles(tid("file-input"), { name: "выставка.xlsx", mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buffer: xlsxFile(rows) });
      await page.waitForSelector(tid("import-mapping"));
      await page.check(tid("kind-leads"));
      expect(await page.inputValue(tid("map-phone"))).toBe("1");
      expect(await text(page, tid("import-preview"))).toContain("Клиент 1");
      await shot(page, "admin-upload-mapping-desktop");
      await page.setViewportSize(MOBILE);
      await shot(page, "admin-upload-mapping-390");
      await page.setViewportSize(DESKTOP);
      await page.click(tid("import-start"));
      await page.waitForSelector(tid("import-progress"));
      await waitUntil(async () => (await text(page, tid("import-percent"))) === "100%", "the progress bar to reach 100 %", 90_000, 500);
      await page.waitForSelector(tid("import-summary"));
      expect(await text(page, tid("import-status"))).toBe("Готово");
      await shot(page, "admin-upload-done-desktop");
      await page.setViewportSize(MOBILE);
      await shot(page, "admin-upload-done-390");
      expect(await text(page, tid("import-history"))).toContain("выставка.xlsx");
      noErrors(w);
    } finally {
      await w.close();
    }
  }, 240_000);

  it("finds a failed event and replays it once the cause is fixed", async () => {
    const login = sb.demo.lptLogin;
    await sb.lpt.setPassword(login, "wrong-for-a-while-1");
    await sb.lpt.revokeTokens(login);
    // An account whose callbacks carry only the lead's id (LPTracker's docs allow it): the sync has
    // to read the lead from LPTracker, and the broken login fails it. (A complete callback is
    // trusted as it is and would need no LPTracker call at all.)
    const lead = await sb.lpt.createLead(sb.demo.projectId!, { name: "Сломается", phone: "+7 999 555-02-02", webhook: false });
    const project = (await sb.lpt.state(login)).projects.find((p) => p.id === sb.demo.projectId)!;
    const hook = project.callbackUrls.find((h) => h.url.includes("/hooks/lptracker/"))!;
    const sent = await fetch(hook.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ id: lead.id, project_id: sb.demo.projectId, action: "create" }) });
    expect(sent.status).toBe(200);
    const w = await signedIn();
    const { page } = w;
    try {
      await waitUntil(
        async () => {
          await page.reload();
          await page.waitForSelector(tid("card-failures"));
          return (await page.locator(tid("failure")).count()) > 0;
        },
        "the failure on the dashboard",
        90_000,
        2000,
      );
      expect(await text(page, tid("failure"))).toMatch(/LPTracker/);
      expect(await text(page, tid("counts-today-failed"))).not.toBe("0");
      await shot(page, "admin-dashboard-failure-desktop");

      // The admin fixes the cause (the password is right again), opens the event and replays it.
      await sb.lpt.setPassword(login, sb.demo.lptPassword);
      await page.locator(`${tid("failure")} a`).first().click();
      await page.waitForSelector(tid("event-card"));
      expect(await text(page, tid("event-status"))).toContain("Ошибка");
      expect(await text(page, tid("event-error"))).not.toBe("");
      await page.click(tid("event-replay"));
      await waitUntil(async () => (await text(page, tid("event-status"))).includes("Синхронизировано"), "the replayed event to sync", 60_000, 500);
      expect(await text(page, tid("event-steps"))).not.toBe("");
      await shot(page, "admin-event-desktop");
      await page.setViewportSize(MOBILE);
      await shot(page, "admin-event-390");
      const state = await sb.amo.state(sb.demo.accountId);
      expect(state.leads.some((l) => l.name === "Сломается")).toBe(true);

      // The log finds the event's steps by text.
      await page.setViewportSize(DESKTOP);
      await page.goto(`${sb.workerUrl}/admin/audit`);
      await page.waitForSelector(tid("audit-rows"));
      await page.selectOption(tid("audit-level"), "error");
      // The filter reloads the list: wait for the filtered rows rather than the ones already shown.
      await waitUntil(async () => (await page.locator(tid("audit-row")).count()) > 0, "error rows in the log", 15_000, 250);
      await shot(page, "admin-audit-desktop");
      await page.setViewportSize(MOBILE);
      await shot(page, "admin-audit-390");
      // Failed requests on purpose: none. The 401/409 of a broken LPTracker login happen server-side.
      noErrors(w);
    } finally {
      await w.close();
    }
  }, 240_000);

  it("lists call results with filters and offers the XLSX export", async () => {
    await sb.lpt.createLead(sb.demo.projectId!, { name: "Со звонками", phone: "+7 999 555-03-03", calls: 3 });
    const w = await signedIn(MOBILE);
    const { page } = w;
    try {
      await waitUntil(
        async () => {
          await page.goto(`${sb.workerUrl}/admin/calls`);
          await page.waitForSelector(`${tid("page-calls")} .card, ${tid("page-calls")} .empty`);
          return (await page.locator(tid("call-row")).count()) >= 3;
        },
        "the calls of the new lead",
        60_000,
        2000,
      );
      await shot(page, "admin-calls-390");
      // On a phone the table is a list of cards: the order is picked from the filters.
      await page.selectOption(tid("calls-sort"), "duration:desc");
      await waitUntil(async () => new URL(page.url()).searchParams.get("sort") === "duration", "the order in the address");
      const seconds = async () => (await page.locator(`${tid("call-row")} td:nth-child(3)`).allTextContents()).map((d) => d.split(":").reduce((n, x) => n * 60 + Number(x), 0));
      await waitUntil(async () => {
        const s = await seconds();
        return s.length >= 3 && s.every((x, i) => i === 0 || s[i - 1]! >= x);
      }, "the longest calls first");
      const href = await page.locator(tid("calls-export")).getAttribute("href");
      expect(href).toMatch(/^\/api\/admin\/calls\/export\.xlsx\?/);
      const file = await page.request.get(`${sb.workerUrl}${href}`);
      expect(file.status()).toBe(200);
      const wb = XLSX.read(await file.body(), { type: "buffer" });
      const sheet = XLSX.utils.sheet_to_json<unknown[]>(wb.Sheets[wb.SheetNames[0]!]!, { header: 1 });
      expect(sheet.length).toBeGreaterThanOrEqual(4);
      await page.setViewportSize(DESKTOP);
      // On a desktop the column header sorts too, and flips on a second click.
      await page.click(tid("sort-duration"));
      await waitUntil(async () => new URL(page.url()).searchParams.get("dir") === "asc", "the flipped order");
      await shot(page, "admin-calls-desktop");
      noErrors(w);
    } finally {
      await w.close();
    }
  }, 240_000);

  // Last on purpose: it leaves the demo account needing a reinstall.
  it("tells the admin to reinstall when amoCRM revoked the integration's access", async () => {
    await sb.amo.revoke(sb.demo.accountId);
    const w = await signedIn();
    const { page } = w;
    try {
      await page.goto(`${sb.workerUrl}/admin/rules/new`);
      await page.waitForSelector(tid("meta-refresh"));
      await page.click(tid("meta-refresh"));
      // The refresh fails with the server's own words, in Russian.
      await page.waitForSelector(tid("error"));
      expect(await text(page, tid("error"))).toMatch(/[А-Яа-я]/);
      await page.goto(`${sb.workerUrl}/admin/`);
      await page.waitForSelector(tid("install-banner"));
      expect(await text(page, tid("install-banner"))).toContain("переустановить");
      expect(await text(page, tid("install-status"))).toBe("Нужна переустановка");
      await shot(page, "admin-reauth-desktop");
      await page.setViewportSize(MOBILE);
      await shot(page, "admin-reauth-390");
      // The failed refresh is the one failed request of this visit.
      expect(w.errors.filter((e) => !/status of (409|401|502)/.test(e))).toEqual([]);
    } finally {
      await w.close();
    }
  }, 240_000);
});
