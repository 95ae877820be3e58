// The rule editor in Chromium against the sandbox: an unsaved rule tried on recent events (how many
// it matches, what would change, nothing written), a rule broken by a field deleted in amoCRM
// flagged in the list and in the editor, and a change brought back from the rule's history.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import type { Sandbox } from "../../scripts/sandbox-lib";
import { startBrowserSuite, type BrowserSuite } from "./browser-suite";
import { screenshot, waitUntil, watchedPage, type BrowserHarness, type WatchedPage } from "./browser-harness";

const DESKTOP = { width: 1360, height: 900 };
const MOBILE = { width: 390, height: 844 };

let sb: Sandbox;
let chromium: BrowserHarness;
let suite: BrowserSuite | undefined;

const tid = (id: string) => `[data-testid="${id}"]`;

async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent()) ?? "";
}

async function signedIn(viewport = DESKTOP): Promise<WatchedPage> {
  const w = await watchedPage(chromium.browser, { viewport });
  const res = await fetch(`${sb.workerUrl}/api/widget/admin-link`, { method: "POST", headers: { "x-auth-token": await sb.widgetToken() } });
  if (res.status !== 200) throw new Error(`admin-link answered ${res.status}: ${await res.text()}`);
  await w.page.goto(((await res.json()) as { url: string }).url);
  await w.page.waitForSelector(tid("nav-rules"));
  return w;
}

async function api<T>(page: Page, method: "GET" | "POST", p: string, body?: unknown): Promise<T> {
  const res = method === "GET" ? await page.request.get(`${sb.workerUrl}${p}`) : await page.request.post(`${sb.workerUrl}${p}`, { data: body, headers: { origin: sb.workerUrl } });
  if (!res.ok()) throw new Error(`${method} ${p} answered ${res.status()}: ${await res.text()}`);
  return (await res.json()) as T;
}

beforeAll(async () => {
  suite = await startBrowserSuite("admin-rules-browser", { workerPort: 18857, amoPort: 18858, lptPort: 18859 });
  ({ sb, chromium } = suite);
}, 180_000);

afterAll(() => suite?.stop());

describe("rule editor in the browser", () => {
  it("tries an unsaved rule on recent events: how many match, which, what would change — and writes nothing", async () => {
    const w = await signedIn();
    const { page } = w;
    try {
      await api(page, "POST", "/api/admin/rules", {
        name: "Авито — стоп",
        trigger: "lpt.lead.created",
        conditions: { match: "all", items: [{ field: "view.source", op: "eq", value: "avito" }] },
        actions: [{ type: "add_tags", tags: ["авито"] }, { type: "stop" }],
      });
      for (const [name, source, phone] of [["Превью: Авито", "avito", "+7 999 555-11-01"], ["Превью: Google", "google", "+7 999 555-11-02"]]) {
        await sb.lpt.createLead(sb.demo.projectId!, { name, phone, source });
      }
      await waitUntil(async () => (await sb.amo.state(sb.demo.accountId)).leads.filter((l) => l.name.startsWith("Превью:")).length === 2, "both leads in amoCRM", 60_000);
      // The sync's own late steps (echo webhooks) are let through first: the count must be still.
      let last = -1;
      await waitUntil(
        async () => {
          const now = (await api<{ total: number }>(page, "GET", "/api/admin/audit?limit=1")).total;
          const still = now === last;
          last = now;
          return still;
        },
        "the audit log to settle",
        60_000,
        2000,
      );
      const amoBefore = await sb.amo.state(sb.demo.accountId);
      const auditBefore = await api<{ total: number }>(page, "GET", "/api/admin/audit?limit=1");

      await page.click(tid("nav-rules"));
      await page.click(tid("rule-new"));
      await page.waitForSelector(tid("preview"));
      // Every new lead gets a tag: the saved "stop" keeps it from the avito lead.
      await page.click(tid("add-action"));
      await page.selectOption(tid("action-type"), "add_tags");
      await page.fill(tid("action-tags"), "новая");
      await page.click(tid("preview-run"));
      await page.waitForSelector(tid("preview-summary"));
      const summary = await text(page, tid("preview-summary"));
      const [, matched, total, applied] = /Подходит (\d+) из (\d+); сработает на (\d+)/.exec(summary) ?? [];
      expect(Number(total)).toBeGreaterThanOrEqual(2);
      expect(Number(matched)).toBe(Number(total));
      const items = page.locator(tid("preview-item"));
      // The avito lead's events: matched, but the saved rule's stop comes first.
      const avito = items.filter({ hasText: "Не дошла очередь" });
      expect(await avito.count()).toBeGreaterThanOrEqual(1);
      expect(Number(applied)).toBe(Number(total) - (await avito.count()));
      expect(await avito.locator(tid("preview-changes")).count()).toBe(0);
      const applies = items.filter({ has: page.locator(tid("preview-changes")) });
      expect(await applies.first().locator(tid("preview-changes")).textContent()).toContain("Теги: — → новая");
      await screenshot(page, "admin-rule-preview-desktop", { fullPage: true });

      // Narrowing the unsaved rule to google changes the count at once, still without saving.
      await page.click(tid("add-condition"));
      await page.selectOption(tid("cond-op"), "eq");
      await page.fill(tid("cond-value"), "google");
      await page.click(tid("preview-run"));
      await waitUntil(
        async () => {
          const m = /Подходит (\d+) из (\d+)/.exec(await text(page, tid("preview-summary")));
          return !!m && Number(m[1]) >= 1 && Number(m[1]) < Number(m[2]);
        },
        "the narrowed preview",
      );
      await page.setViewportSize(MOBILE);
      await screenshot(page, "admin-rule-preview-390", { fullPage: true });

      // Nothing was saved or written: no rule, no audit entry, no amoCRM write.
      const rules = await api<{ items: unknown[] }>(page, "GET", "/api/admin/rules");
      expect(rules.items).toHaveLength(1);
      expect((await api<{ total: number }>(page, "GET", "/api/admin/audit?limit=1")).total).toBe(auditBefore.total);
      const amoAfter = await sb.amo.state(sb.demo.accountId);
      const writes = (r: Record<string, number>) => Object.entries(r).filter(([k]) => !k.startsWith("GET "));
      expect(writes(amoAfter.requests)).toEqual(writes(amoBefore.requests));
      expect(amoAfter.leads).toEqual(amoBefore.leads);
      expect(w.errors, w.errors.join("\n")).toEqual([]);
    } finally {
      await w.close();
    }
  }, 180_000);

  it("flags a rule whose amoCRM field was deleted, in the list and in the editor, and refuses to save it as it is", async () => {
    const w = await signedIn();
    const { page } = w;
    try {
      const field = (await sb.amo.state(sb.demo.accountId)).account.custom_fields.leads.find((f) => f.name === "Источник сделки")!;
      const rule = await api<{ id: number }>(page, "POST", "/api/admin/rules", {
        name: "Сделки с сайта",
        trigger: "amo.lead.status_changed",
        conditions: { match: "all", items: [{ field: `lead.custom:${field.id}`, op: "eq", value: "Сайт" }] },
        actions: [{ type: "add_note", text: "С сайта" }],
      });
      await sb.amo.deleteCustomField(sb.demo.accountId, "leads", field.id);
      await api(page, "POST", "/api/admin/metadata/refresh");

      await page.click(tid("nav-rules"));
      const row = page.locator(tid("rule-row")).filter({ hasText: "Сделки с сайта" });
      await row.locator(tid("rule-flagged")).waitFor();
      expect(await row.textContent()).toContain("Не работает");
      expect(await row.locator(tid("rule-flagged")).textContent()).toContain(`Поле сделки №${field.id}: поле удалено в amoCRM или LPTracker.`);
      await screenshot(page, "admin-rules-flagged-desktop", { fullPage: true });

      await row.locator(tid("rule-name")).click();
      await page.waitForSelector(tid("rule-flag"));
      expect(await text(page, tid("rule-flag"))).toContain(`Поле сделки №${field.id}`);

      // Saving it as it is is refused, naming the deleted field.
      await page.fill(tid("rule-name-input"), "Сделки с сайта (черновик)");
      await page.click(tid("rule-save"));
      await page.waitForSelector(tid("rule-save-issues"));
      expect(await text(page, tid("rule-save-issues"))).toContain(`Поле сделки №${field.id}`);
      await screenshot(page, "admin-rule-flagged-editor-desktop", { fullPage: true });
      // Switching it off stays possible from the list.
      await page.click(tid("nav-rules"));
      const toggle = page.locator(tid("rule-row")).filter({ hasText: "Сделки с сайта" }).locator(tid("rule-toggle"));
      await toggle.click();
      await waitUntil(async () => (await toggle.getAttribute("aria-checked")) === "false", "the broken rule to switch off");
      expect(rule.id).toBeGreaterThan(0);
      expect(w.errors.filter((e) => !/\b400\b/.test(e)), w.errors.join("\n")).toEqual([]);
    } finally {
      await w.close();
    }
  }, 180_000);

  it("keeps every saved change in the rule's history and brings an older version back", async () => {
    const w = await signedIn();
    const { page } = w;
    try {
      const rule = await api<{ id: number }>(page, "POST", "/api/admin/rules", {
        name: "История: первая версия",
        trigger: "lpt.lead.updated",
        conditions: { match: "all", items: [{ field: "view.source", op: "contains", value: "vk" }] },
        actions: [{ type: "add_tags", tags: ["вк"] }],
      });
      await page.goto(`${sb.workerUrl}/admin/rules/${rule.id}`);
      await page.waitForSelector(tid("history-row"));
      await page.fill(tid("rule-name-input"), "История: вторая версия");
      await page.click(tid("rule-save"));
      await waitUntil(async () => (await page.locator(tid("history-row")).count()) === 2, "two versions in the history");
      expect(await text(page, tid("history-row"))).toMatch(/Версия 2.*изменено.*пользователь \d+/s);
      await page.locator(tid("history-row")).nth(1).locator("button.link").click();
      expect(await page.locator(tid("history-row")).nth(1).textContent()).toContain("История: первая версия");
      await page.locator(tid("history-restore")).first().click();
      await page.locator(tid("history-restore-yes")).click();
      await waitUntil(async () => (await page.locator(tid("rule-name-input")).inputValue()) === "История: первая версия", "the editor to show the restored rule");
      await waitUntil(async () => (await page.locator(tid("history-row")).count()) === 3, "the restore as version 3");
      expect(await text(page, tid("history-row"))).toMatch(/Версия 3.*восстановлено/s);
      await screenshot(page, "admin-rule-history-desktop", { fullPage: true });
      expect(w.errors, w.errors.join("\n")).toEqual([]);
    } finally {
      await w.close();
    }
  }, 180_000);

  it("words the incoming-leads decision of the plan in the dry-run: a request still waiting in «Неразобранное» gets a note", async () => {
    const w = await signedIn();
    const { page } = w;
    const projectId = sb.demo.projectId!;
    const setting = async (pipelineId: number | null) => {
      const res = await fetch(`${sb.workerUrl}/api/widget/unsorted/${projectId}`, { method: "PUT", headers: { "x-auth-token": await sb.widgetToken(), "content-type": "application/json" }, body: JSON.stringify({ pipelineId }) });
      if (res.status !== 200) throw new Error(`unsorted setting answered ${res.status}: ${await res.text()}`);
    };
    try {
      const pipeline = (await sb.amo.state(sb.demo.accountId)).account.pipelines.find((p) => p.is_main)!;
      await setting(pipeline.id);
      const lead = await sb.lpt.createLead(projectId, { name: "Ждёт в неразобранном", contactName: "Зоя", phone: "+79161239901" });
      await waitUntil(async () => (await sb.amo.unsorted(sb.demo.accountId)).entries.find((e) => e.state === "pending" && e.lead?.name === "Ждёт в неразобранном"), "the incoming lead in the amoCRM simulator", 60_000);
      const rule = await api<{ id: number }>(page, "POST", "/api/admin/rules", { name: "Неразобранное: проверка", enabled: false, trigger: "lpt.lead.updated", conditions: { match: "all", items: [] }, actions: [{ type: "add_tags", tags: ["н"] }] });
      await page.goto(`${sb.workerUrl}/admin/rules/${rule.id}`);
      await page.waitForSelector(tid("dry-lead"));
      await page.fill(tid("dry-lead"), String(lead.id));
      await page.click(tid("dry-run-lead"));
      await page.waitForSelector(tid("dry-unsorted"));
      expect(await text(page, tid("dry-unsorted"))).toContain("эта заявка LPTracker ещё ждёт решения менеджера");
      expect(await text(page, tid("dry-outcome"))).toContain("Заявка добавится примечанием к ожидающей в «Неразобранном» сделке");
      await screenshot(page, "admin-dry-run-unsorted-desktop", { selector: tid("dry-outcome") });
      expect(w.errors, w.errors.join("\n")).toEqual([]);
    } finally {
      await setting(null);
      await w.close();
    }
  }, 180_000);
});
