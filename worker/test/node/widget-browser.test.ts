// The widget in Chromium on the sandbox's local amoCRM host page (/dev/amocrm), against the real
// Worker and both simulators: the card with LPTracker data and calls, «Синхронизировать», the
// mapping editor, consent before any request, the settings modal's errors, and the offline state.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { type Sandbox } from "../../scripts/sandbox-lib";
import type { CardResponse } from "../../src/api-types";
import { startBrowserSuite, type BrowserSuite } from "./browser-suite";
import { screenshot, waitUntil, watchedPage, type BrowserHarness, type WatchedPage } from "./browser-harness";

let sb: Sandbox;
let chromium: BrowserHarness;
let suite: BrowserSuite | undefined;
let projectId: number;
let lptLeadId: number;
let amoLeadId: number;
let amoContactId: number;

async function widgetApi<T>(method: string, route: string, body?: unknown): Promise<T> {
  const res = await fetch(`${sb.workerUrl}${route}`, {
    method,
    headers: { "x-auth-token": await sb.widgetToken(), ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${route} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

function hostUrl(hash: string, params: Record<string, string> = {}): string {
  const q = new URLSearchParams({ account_id: String(sb.demo.accountId), ...params });
  return `${sb.workerUrl}/dev/amocrm?${q}${hash}`;
}

async function amoLead(id: number) {
  const state = await sb.amo.state(sb.demo.accountId);
  return state.leads.find((l) => l.id === id);
}

async function lptProject() {
  const state = await sb.lpt.state(sb.demo.lptLogin);
  return state.projects.find((p) => p.id === projectId)!;
}

/** 0.1 s of silence: what the recording URLs of the test calls answer, so the <audio> can load. */
function silentWav(): Buffer {
  const samples = 800;
  const b = Buffer.alloc(44 + samples);
  b.write("RIFF", 0);
  b.writeUInt32LE(36 + samples, 4);
  b.write("WAVEfmt ", 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(8000, 24);
  b.writeUInt32LE(8000, 28);
  b.writeUInt16LE(1, 32);
  b.writeUInt16LE(8, 34);
  b.write("data", 36);
  b.writeUInt32LE(samples, 40);
  b.fill(128, 44);
  return b;
}
const RECORDINGS = "https://records.example.test";

const backendRequests = (w: WatchedPage) => w.requests.filter((r) => /\/api\/|\/dev\/token/.test(new URL(r.url).pathname));

async function openCard(w: WatchedPage, hash: string, params: Record<string, string> = {}): Promise<Page> {
  await w.page.goto(hostUrl(hash, params));
  await w.page.waitForSelector("body[data-host-ready='1']");
  return w.page;
}

beforeAll(async () => {
  suite = await startBrowserSuite("widget-browser", { workerPort: 18787, amoPort: 18788, lptPort: 18789 });
  ({ sb, chromium } = suite);
  const host = await fetch(`${sb.workerUrl}/dev/amocrm`);
  if (host.status !== 200) throw new Error(`GET /dev/amocrm answered ${host.status}: mount devHostRoutes() (worker/src/routes/dev-host.ts) in app.ts`);
  projectId = sb.demo.projectId!;

  const now = Math.floor(Date.now() / 1000);
  const lead = await sb.lpt.createLead(projectId, {
    name: "Заявка с сайта: окна ПВХ",
    contactName: "Иван Петров",
    phone: "+7 916 123-45-67",
    source: "yandex",
    campaign: "весна-2025",
    keyword: "пластиковые окна",
    calls: [
      { time: now - 3600, duration: 125, type: "incomming", disposition: "ANSWERED", record: `${RECORDINGS}/a.wav` },
      { time: now - 1800, duration: 0, type: "outgoing", disposition: "NO ANSWER", record: null },
      { time: now - 600, duration: 47, type: "outgoing", disposition: "ANSWERED", record: `${RECORDINGS}/b.wav` },
    ],
  });
  lptLeadId = lead.id;
  // The webhook reaches the Worker, the queue syncs it: wait for the amoCRM lead and its calls.
  const state = await waitUntil(async () => {
    const s = await sb.amo.state(sb.demo.accountId);
    return s.leads.find((l) => l.name === lead.name) && s;
  }, "the LPTracker lead to arrive in amoCRM", 40_000);
  const synced = state.leads.find((l) => l.name === lead.name)!;
  amoLeadId = synced.id;
  amoContactId = synced.contact_ids[0]!;
  await waitUntil(async () => {
    const card = await widgetApi<CardResponse>("GET", `/api/widget/card?entity=leads&id=${amoLeadId}`);
    return card.leads[0]?.calls.length === 3;
  }, "the card to show the lead's three calls", 30_000);
}, 240_000);

afterAll(() => suite?.stop());

describe("widget in the amoCRM lead card", () => {
  it("shows the linked LPTracker lead: stage, project, source, created date and calls", async () => {
    const w = await watchedPage(chromium.browser);
    await w.page.route(`${RECORDINGS}/**`, (route) => route.fulfill({ status: 200, contentType: "audio/wav", body: silentWav() }));
    try {
      const page = await openCard(w, `#/leads/detail/${amoLeadId}`);
      const lead = page.getByTestId("lptw-lead");
      await lead.waitFor();
      await expect(lead.getByTestId("lptw-lead-name").textContent()).resolves.toBe("Заявка с сайта: окна ПВХ");
      await expect(lead.getByTestId("lptw-stage").textContent()).resolves.toBe("Новый");
      await expect(lead.getByTestId("lptw-source").textContent()).resolves.toContain("yandex · весна-2025 · пластиковые окна");
      await expect(lead.textContent()).resolves.toContain("Создан");

      const calls = page.getByTestId("lptw-call");
      await expect(calls.count()).resolves.toBe(3);
      // Newest first: outbound 47 s answered, outbound unanswered, inbound 2 min 5 s answered.
      await expect(calls.nth(0).textContent()).resolves.toMatch(/Исходящий.*сегодня, \d\d:\d\d.*47 с.*Отвечен/);
      await expect(calls.nth(1).textContent()).resolves.toMatch(/Исходящий.*0 с.*Без ответа/);
      await expect(calls.nth(2).textContent()).resolves.toMatch(/Входящий.*2 мин 5 с.*Отвечен/);
      await expect(page.getByTestId("lptw-record").count()).resolves.toBe(2);
      await page.getByTestId("lptw-record").first().click();
      await expect(page.locator(".lptw-audio").getAttribute("src")).resolves.toBe(`${RECORDINGS}/b.wav`);
      await page.getByTestId("lptw-record").first().click();

      await expect(page.getByTestId("lptw-open-lpt").getAttribute("href")).resolves.toContain(String(lptLeadId));
      await expect(page.getByTestId("lptw-open-lpt").getAttribute("target")).resolves.toBe("_blank");
      await expect(page.getAttribute("body", "data-callback-bind-actions")).resolves.toBe("true");

      await screenshot(page, "widget-card", { selector: ".host-widget-block" });
      await screenshot(page, "widget-card-page");
      expect(w.errors).toEqual([]);
    } finally {
      await w.close();
    }
  });

  it("shows the same lead in the contact's card", async () => {
    const w = await watchedPage(chromium.browser);
    try {
      const page = await openCard(w, `#/contacts/detail/${amoContactId}`);
      await page.getByTestId("lptw-lead").waitFor();
      await expect(page.getByTestId("lptw-lead-name").textContent()).resolves.toBe("Заявка с сайта: окна ПВХ");
      expect(w.errors).toEqual([]);
    } finally {
      await w.close();
    }
  });

  it("«Синхронизировать» fetches the lead from LPTracker again and refreshes the card", async () => {
    const project = await lptProject();
    const stage = project.funnel.find((s) => s.name !== "Новый")!;
    // Changed in LPTracker without a webhook: only «Синхронизировать» can bring it over.
    await sb.lpt.updateLead(lptLeadId, { stageId: stage.id, webhook: false });
    const w = await watchedPage(chromium.browser);
    try {
      const page = await openCard(w, `#/leads/detail/${amoLeadId}`);
      await page.getByTestId("lptw-lead").waitFor();
      await expect(page.getByTestId("lptw-stage").textContent()).resolves.toBe("Новый");
      await page.getByTestId("lptw-sync").click();
      await page.getByTestId("lptw-sync-done").waitFor({ timeout: 30_000 });
      await expect(page.getByTestId("lptw-stage").textContent()).resolves.toBe(stage.name);
      expect(w.requests.some((r) => r.method === "POST" && r.url.endsWith("/api/widget/card/sync"))).toBe(true);
      await screenshot(page, "widget-card-synced", { selector: ".host-widget-block" });
      expect(w.errors).toEqual([]);
    } finally {
      await w.close();
    }
  });
});

describe("widget in a card with nothing linked", () => {
  it("offers LPTracker leads found by the contact's phone and links one with «Связать»", async () => {
    const phone = "+7 903 555-12-34";
    const lpt = await sb.lpt.createLead(projectId, { name: "Звонок с сайта: двери", contactName: "Мария Соколова", phone, source: "google", webhook: false });
    const contact = await sb.amo.createContact(sb.demo.accountId, { name: "Мария Соколова", custom_fields_values: [{ field_code: "PHONE", values: [{ value: phone, enum_code: "WORK" }] }] });
    const deal = await sb.amo.createLead(sb.demo.accountId, { name: "Двери для Марии", _embedded: { contacts: [{ id: contact.id }] } });

    const w = await watchedPage(chromium.browser);
    try {
      const page = await openCard(w, `#/leads/detail/${deal.id}`);
      const suggestion = page.getByTestId("lptw-suggestion").filter({ hasText: "Звонок с сайта: двери" });
      await suggestion.waitFor({ timeout: 40_000 });
      await screenshot(page, "widget-suggestions", { selector: ".host-widget-block" });
      await suggestion.getByTestId("lptw-link").click();
      await page.getByTestId("lptw-lead").waitFor({ timeout: 40_000 });
      await expect(page.getByTestId("lptw-lead-name").textContent()).resolves.toBe("Звонок с сайта: двери");
      const card = await widgetApi<CardResponse>("GET", `/api/widget/card?entity=leads&id=${deal.id}`);
      expect(card.leads.map((l) => l.lptLeadId)).toEqual([lpt.id]);
      expect(w.errors).toEqual([]);
    } finally {
      await w.close();
    }
  });
});

describe("widget mapping editor (advanced settings)", () => {
  it("saves a mapping that the next sync uses", async () => {
    const project = await lptProject();
    const budget = project.customs.find((c) => c.type === "number")!;
    const reason = project.customs.find((c) => c.type === "cats" && !c.is_multi_select)!;
    const w = await watchedPage(chromium.browser, { viewport: { width: 1360, height: 1000 } });
    try {
      const page = await openCard(w, "#/settings/widgets/advanced");
      await page.getByTestId("lptw-project").waitFor();

      // A number: LPTracker «Бюджет» → amoCRM lead field «Бюджет клиента».
      await page.getByTestId("lptw-map-add").click();
      let row = page.getByTestId("lptw-maprow").last();
      await expect(row.getByTestId("lptw-map-problem").textContent()).resolves.toBe("Выберите, какое поле LPTracker переносить.");
      await row.getByTestId("lptw-map-source").selectOption({ label: budget.name });
      await row.getByTestId("lptw-map-target").selectOption({ label: "Бюджет клиента (число)" });
      await row.getByTestId("lptw-map-transform").selectOption({ label: "Как число" });
      await expect(row.getByTestId("lptw-map-problem").count()).resolves.toBe(0);

      // A list: LPTracker «Источник обращения» → amoCRM list «Источник сделки», value by value.
      await page.getByTestId("lptw-map-add").click();
      row = page.getByTestId("lptw-maprow").last();
      await row.getByTestId("lptw-map-source").selectOption({ label: reason.name });
      await row.getByTestId("lptw-map-target").selectOption({ label: "Источник сделки (список)" });
      await expect(row.getByTestId("lptw-map-problem").textContent()).resolves.toContain("Сопоставьте хотя бы одно значение");
      await row.getByLabel("Сайт", { exact: true }).selectOption({ label: "Сайт" });
      await row.getByLabel("Звонок", { exact: true }).selectOption({ label: "Звонок" });
      await row.getByLabel("Партнёр", { exact: true }).selectOption({ label: "Партнёр" });
      await expect(row.getByTestId("lptw-map-problem").count()).resolves.toBe(0);

      await page.getByTestId("lptw-map-save").click();
      await page.getByTestId("lptw-map-saved").waitFor();
      await screenshot(page, "widget-mapping", { fullPage: true });

      await page.getByTestId("lptw-refresh-meta").click();
      await waitUntil(async () => (await page.getByTestId("lptw-refresh-meta").isEnabled()) || undefined, "the metadata refresh to finish");
      await expect(page.getByTestId("lptw-refresh-error").count()).resolves.toBe(0);

      // The admin page opens in a new tab through a one-time link.
      const [tab] = await Promise.all([w.context.waitForEvent("page"), page.getByTestId("lptw-open-admin").click()]);
      await tab.waitForURL((url) => url.pathname.startsWith("/admin"), { timeout: 40_000 });
      expect(w.requests.some((r) => r.method === "POST" && r.url.endsWith("/api/widget/admin-link"))).toBe(true);
      await tab.close();
      expect(w.errors).toEqual([]);
    } finally {
      await w.close();
    }

    const saved = await widgetApi<{ rows: { source: string }[] }>("GET", `/api/widget/mapping/${projectId}`);
    expect(saved.rows.map((r) => r.source)).toEqual(expect.arrayContaining([`lead.custom:${budget.id}`, `lead.custom:${reason.id}`]));

    await sb.lpt.updateLead(lptLeadId, { custom: { [budget.id]: 150000, [reason.id]: "Звонок" }, webhook: true });
    const lead = await waitUntil(async () => {
      const l = await amoLead(amoLeadId);
      const value = l?.custom_fields_values.find((f) => f.field_name === "Бюджет клиента")?.values[0]?.value;
      return Number(value) === 150000 && l;
    }, "the mapped budget to reach amoCRM", 30_000);
    const source = lead.custom_fields_values.find((f) => f.field_name === "Источник сделки");
    expect(source?.values[0]?.value).toBe("Звонок");

    // The field is deleted in amoCRM: after «Обновить поля amoCRM» the row turns red and says why.
    const fieldId = lead.custom_fields_values.find((f) => f.field_name === "Бюджет клиента")!.field_id;
    await sb.amo.deleteCustomField(sb.demo.accountId, "leads", fieldId);
    const w2 = await watchedPage(chromium.browser, { viewport: { width: 1360, height: 1000 } });
    try {
      const page = await openCard(w2, "#/settings/widgets/advanced");
      await page.getByTestId("lptw-project").waitFor();
      await page.getByTestId("lptw-refresh-meta").click();
      const broken = page.locator(".lptw-maprow--broken").filter({ hasText: budget.name });
      await broken.waitFor({ timeout: 40_000 });
      await expect(broken.getByTestId("lptw-map-problem").textContent()).resolves.toBe(`Поле amoCRM №${fieldId} удалено. Выберите другое поле или удалите строку.`);
      await broken.scrollIntoViewIfNeeded();
      await screenshot(page, "widget-mapping-broken");
      expect(w2.errors).toEqual([]);
    } finally {
      await w2.close();
    }
  });
});

describe("widget consent", () => {
  it("sends nothing to the backend before the consent box is ticked", async () => {
    const w = await watchedPage(chromium.browser);
    try {
      let page = await openCard(w, `#/leads/detail/${amoLeadId}`, { consent: "0" });
      await page.getByTestId("lptw-no-consent").waitFor();
      await screenshot(page, "widget-no-consent", { selector: ".host-widget-block" });

      page = await openCard(w, "#/settings/widgets", { consent: "0" });
      const box = page.getByTestId("lptw-consent");
      await box.waitFor();
      await expect(box.isChecked()).resolves.toBe(false);
      // Saving without consent is refused in place, still without a request.
      await page.getByTestId("host-save").click();
      await expect(page.getByTestId("lptw-save-error").textContent()).resolves.toContain("Отметьте согласие");
      await page.waitForTimeout(300);
      expect(backendRequests(w)).toEqual([]);

      await box.check();
      await page.getByTestId("lptw-install").waitFor();
      await expect(page.locator("input[name=consent]").inputValue()).resolves.toBe("1");
      expect(backendRequests(w).map((r) => new URL(r.url).pathname)).toEqual(expect.arrayContaining(["/dev/token", "/api/widget/me", "/api/widget/lptracker"]));
      expect(w.errors).toEqual([]);
    } finally {
      await w.close();
    }
    // Four page loads; on a loaded two-core machine they alone can take most of the default 30 s.
  }, 240_000);
});

describe("widget settings modal", () => {
  it("connects LPTracker for the first time: consent, login, project choice, save", async () => {
    // A second amoCRM account, installed the way the marketplace does it, with no LPTracker yet.
    const account = await sb.amo.createAccount({ subdomain: "second" });
    const { code } = await sb.amo.issueCode(account.id);
    await fetch(`${sb.workerUrl}/oauth/amocrm/callback?code=${encodeURIComponent(code)}&referer=second.amocrm.ru&from_widget=1`);
    await waitUntil(async () => {
      const s = (await (await fetch(`${sb.workerUrl}/dev/status`)).json()) as { accounts: { accountId: number; status: string }[] };
      return s.accounts.some((a) => a.accountId === account.id && a.status === "active");
    }, "the second install");
    const lptUser = await sb.lpt.createUser({ projects: 2 });
    const wanted = lptUser.projects[1]!;

    const w = await watchedPage(chromium.browser);
    try {
      await w.page.goto(`${sb.workerUrl}/dev/amocrm?account_id=${account.id}&consent=0#/settings/widgets`);
      const page = w.page;
      await page.getByTestId("lptw-consent").check();
      await page.getByTestId("lptw-install").waitFor();
      await expect(page.getByTestId("lptw-connection").count()).resolves.toBe(0);
      await page.getByTestId("lptw-login").fill(lptUser.login);
      await page.getByTestId("lptw-password").fill(lptUser.password);
      await page.getByTestId("lptw-check").click();
      await page.getByTestId("lptw-projects").waitFor({ timeout: 40_000 });
      await expect(page.getByTestId("lptw-save-info").textContent()).resolves.toContain("Отметьте проекты LPTracker");
      await page.getByTestId(`lptw-project-${wanted.id}`).check();
      await screenshot(page, "widget-settings-first-connect");
      // A person takes a moment here. Two PUTs within a second currently hit LPTracker's 3 req/s
      // limit on the backend's un-budgeted login and answer 502 (reported to the backend).
      await page.waitForTimeout(1100);
      await page.getByTestId("host-save").click();
      await page.waitForSelector("body[data-settings-saved='1']", { timeout: 40_000 });
      expect(w.errors).toEqual([]);
    } finally {
      await w.close();
    }
    const token = await sb.widgetToken({ accountId: account.id, subdomain: "second" });
    const conn = (await (await fetch(`${sb.workerUrl}/api/widget/lptracker`, { headers: { "x-auth-token": token } })).json()) as { connected: boolean; projects: { id: number; selected: boolean }[] };
    expect(conn.connected).toBe(true);
    expect(conn.projects.filter((p) => p.selected).map((p) => p.id)).toEqual([wanted.id]);
  });

  it("shows LPTracker's refusal of a wrong password in place and keeps the modal open", async () => {
    const w = await watchedPage(chromium.browser);
    try {
      const page = await openCard(w, "#/settings/widgets");
      await page.getByTestId("lptw-connection").waitFor();
      await page.getByTestId("lptw-password").fill("wrong-password");
      await page.getByTestId("host-save").click();
      const error = page.getByTestId("lptw-save-error");
      await error.waitFor();
      await expect(error.textContent()).resolves.toContain("LPTracker не принял логин или пароль");
      await expect(page.getAttribute("body", "data-settings-saved")).resolves.toBeNull();
      await expect(page.locator(".host-modal").count()).resolves.toBe(1);
      await screenshot(page, "widget-settings-error");

      await page.getByTestId("lptw-password").fill(sb.demo.lptPassword);
      await page.getByTestId("host-save").click();
      await page.waitForSelector("body[data-settings-saved='1']");
      await expect(page.locator(".host-modal").count()).resolves.toBe(0);
      // The refused save is a 400 the browser logs; nothing else may fail.
      expect(w.errors.filter((e) => !e.includes("status of 400"))).toEqual([]);
    } finally {
      await w.close();
    }
  });
});

describe("widget for a user who is not an administrator", () => {
  it("shows the card but keeps the settings read-only", async () => {
    // A manager amoCRM lets see every lead (the card checks the rights with amoCRM).
    const manager = await sb.amo.addUser(sb.demo.accountId, { name: "Менеджер со всеми сделками", rights: { leads: { view: "A" }, contacts: { view: "A" } } });
    const as = { is_admin: "0", user_id: String(manager.id) };
    const w = await watchedPage(chromium.browser);
    try {
      let page = await openCard(w, `#/leads/detail/${amoLeadId}`, as);
      await page.getByTestId("lptw-lead").waitFor();
      page = await openCard(w, "#/settings/widgets", as);
      await page.getByTestId("lptw-install").waitFor();
      await expect(page.locator(".lptw-settings").textContent()).resolves.toContain("Менять настройки может только администратор");
      await expect(page.getByTestId("lptw-login").isDisabled()).resolves.toBe(true);
      expect(w.errors).toEqual([]);
    } finally {
      await w.close();
    }
  });
});

describe("widget when the backend is down", () => {
  it("shows «Сервер недоступен» with a retry that recovers", async () => {
    const w = await watchedPage(chromium.browser);
    try {
      await w.page.route("**/api/widget/**", (route) => route.abort("connectionrefused"));
      const page = await openCard(w, `#/leads/detail/${amoLeadId}`);
      const error = page.getByTestId("lptw-error");
      await error.waitFor();
      await expect(error.textContent()).resolves.toContain("Сервер недоступен, попробуйте позже.");
      await screenshot(page, "widget-error", { selector: ".host-widget-block" });

      await w.page.unroute("**/api/widget/**");
      await page.getByTestId("lptw-retry").click();
      await page.getByTestId("lptw-lead").waitFor();
    } finally {
      await w.close();
    }
  });
});
