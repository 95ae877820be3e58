// The widget on the faithful amoCRM host page (issue 13): the page lives on its own origin (real CORS
// preflights with X-Auth-Token), «Установить» runs onSave before amoCRM's OAuth code arrives (or
// after it, or the code never comes), and switching the widget off and on pauses and resumes sync.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { startSandbox, type Sandbox } from "../../scripts/sandbox-lib";
import { launchChromium, screenshot, waitUntil, watchedPage, type BrowserHarness } from "./browser-harness";

/** The sandbox calls a code lost after this long; the «code lost» test waits it out. */
const INSTALL_WAIT_SECONDS = 10;

let sb: Sandbox;
let chromium: BrowserHarness;
let stateDir: string;
let seq = 0;

interface Fresh {
  accountId: number;
  subdomain: string;
  lpt: Awaited<ReturnType<Sandbox["lpt"]["createUser"]>>;
}

/** An amoCRM account that has never installed the widget, and an LPTracker user with one project. */
async function fresh(prefix: string): Promise<Fresh> {
  seq += 1;
  const account = await sb.amo.createAccount({ subdomain: `${prefix}${seq}${Date.now().toString(36)}` });
  return { accountId: account.id, subdomain: account.subdomain, lpt: await sb.lpt.createUser({ projects: 1 }) };
}

function hostUrl(f: Pick<Fresh, "accountId" | "subdomain">, params: Record<string, string>, hash = "#/settings/widgets"): string {
  const q = new URLSearchParams({ account_id: String(f.accountId), subdomain: f.subdomain, ...params });
  return `${sb.hostUrl}/dev/amocrm?${q}${hash}`;
}

async function callbackLog(page: Page): Promise<string[]> {
  return ((await page.getAttribute("body", "data-callback-log")) ?? "").split(",").filter(Boolean);
}

async function devEvents(accountId: number): Promise<{ id: number; status: string; externalId: string | null }[]> {
  return ((await (await fetch(`${sb.workerUrl}/dev/events?account_id=${accountId}`)).json()) as { events: { id: number; status: string; externalId: string | null }[] }).events;
}

async function amoLeadNames(accountId: number): Promise<string[]> {
  const state = await sb.amo.state(accountId);
  return [...state.leads].sort((a, b) => a.id - b.id).map((l) => l.name);
}

/** Consent, LPTracker login and project in the modal of a widget that is not installed yet. */
async function fillConnection(page: Page, f: Fresh): Promise<void> {
  await page.getByTestId("lptw-consent").check();
  await page.getByTestId("lptw-login").fill(f.lpt.login);
  await page.getByTestId("lptw-password").fill(f.lpt.password);
  await page.getByTestId("lptw-check").click();
  await page.getByTestId(`lptw-project-${f.lpt.projects[0]!.id}`).check({ timeout: 40_000 });
  // A person takes a moment before pressing «Установить» (LPTracker allows 3 requests a second).
  await page.waitForTimeout(1100);
}

const installState = (page: Page) => page.getByTestId("lptw-install").locator("[data-state]").first().getAttribute("data-state");

beforeAll(async () => {
  stateDir = mkdtempSync(path.join(os.tmpdir(), "widget-install-"));
  sb = await startSandbox({ workerPort: 18827, amoPort: 18828, lptPort: 18829, hostPort: 18830, persistTo: stateDir, fresh: true, log: () => {}, vars: { INSTALL_WAIT_SECONDS: String(INSTALL_WAIT_SECONDS) } });
  chromium = await launchChromium();
}, 240_000);

afterAll(async () => {
  await chromium?.close();
  await sb?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

describe("install on the amoCRM host page", () => {
  it("saves before amoCRM's code arrives: the modal waits for access, then says it works, without a reload", async () => {
    const f = await fresh("later");
    const w = await watchedPage(chromium.browser);
    try {
      const page = w.page;
      await page.goto(hostUrl(f, { installed: "0", consent: "0", code: "after", code_delay: "3000" }));
      await page.waitForSelector("body[data-host-ready='1']");
      // Before the install: amoCRM's status is 'install' and params.active is not 'Y'.
      const before = await page.evaluate(() => {
        const host = (window as unknown as { amoHost: { widget(): { get_install_status(): string; params: { active?: string } } } }).amoHost;
        return { status: host.widget().get_install_status(), active: host.widget().params.active ?? null };
      });
      expect(before.status).toBe("install");
      expect(before.active).not.toBe("Y");
      // amoCRM renders the widget before it opens the settings.
      expect(await callbackLog(page)).toEqual(["render", "init", "bind_actions", "settings"]);

      await fillConnection(page, f);
      await page.getByTestId("host-install").click();
      await page.waitForSelector("body[data-settings-saved='1']", { timeout: 40_000 });
      // onSave ran first; the code is on its way (amoCRM's server sends it a few seconds later).
      // The host page logs the scheduling once the simulator has taken it: wait for that, not a moment.
      await page.waitForSelector("body[data-code]", { timeout: 40_000 });
      const log = await callbackLog(page);
      expect(log.indexOf("onSave:Y")).toBeGreaterThan(-1);
      expect(log.indexOf("onSave:Y")).toBeLessThan(log.indexOf("code:scheduled"));
      const waiting = page.getByTestId("lptw-access");
      await waiting.waitFor({ timeout: 40_000 });
      await expect(waiting.textContent()).resolves.toMatch(/Ждём подтверждения доступа от amoCRM|amoCRM подтвердил доступ/);
      await screenshot(page, "widget-install-waiting");
      // The modal polls: it turns to «works» by itself once the code was exchanged.
      await waitUntil(async () => (await installState(page)) === "active", "the modal to show the install as active", 45_000);
      await expect(page.getByTestId("host-disable").count()).resolves.toBe(1);
      expect(await page.evaluate(() => (window as unknown as { amoHost: { installStatus(): string } }).amoHost.installStatus())).toBe("installed");
      await screenshot(page, "widget-install-active");
      expect(w.errors).toEqual([]);

      // Every widget request went to the Worker's origin, not the page's: real CORS, with preflights.
      const api = w.requests.filter((r) => new URL(r.url).pathname.startsWith("/api/widget/"));
      expect(api.length).toBeGreaterThan(0);
      expect(api.every((r) => new URL(r.url).origin === sb.workerUrl)).toBe(true);
      expect(new URL(page.url()).origin).toBe(sb.hostUrl);
      const { preflights } = (await (await fetch(`${sb.workerUrl}/dev/preflights`)).json()) as { preflights: { origin: string | null; requestHeaders: string | null; allowed: boolean; path: string }[] };
      const ours = preflights.filter((p) => p.origin === sb.hostUrl);
      expect(ours.length).toBeGreaterThan(0);
      expect(ours.every((p) => p.allowed)).toBe(true);
      expect(ours.some((p) => (p.requestHeaders ?? "").toLowerCase().includes("x-auth-token"))).toBe(true);
    } finally {
      await w.close();
    }
  }, 240_000);

  it("takes the code before onSave: the install is active and the connection saved", async () => {
    const f = await fresh("first");
    const w = await watchedPage(chromium.browser);
    try {
      const page = w.page;
      await page.goto(hostUrl(f, { installed: "0", consent: "0", code: "first", code_delay: "2500" }));
      await page.waitForSelector("body[data-host-ready='1']");
      await fillConnection(page, f);
      await page.getByTestId("host-install").click();
      await page.waitForSelector("body[data-settings-saved='1']", { timeout: 40_000 });
      const log = await callbackLog(page);
      expect(log.indexOf("code:delivered")).toBeGreaterThan(-1);
      expect(log.indexOf("code:delivered")).toBeLessThan(log.indexOf("onSave:Y"));
      await waitUntil(async () => (await installState(page)) === "active", "the modal to show the install as active", 45_000);
      const token = await sb.widgetToken({ accountId: f.accountId, subdomain: f.subdomain });
      const conn = (await (await fetch(`${sb.workerUrl}/api/widget/lptracker`, { headers: { "x-auth-token": token } })).json()) as { connected: boolean; projects: { id: number; selected: boolean }[] };
      expect(conn.connected).toBe(true);
      expect(conn.projects.filter((p) => p.selected).map((p) => p.id)).toEqual([f.lpt.projects[0]!.id]);
      expect(w.errors).toEqual([]);
    } finally {
      await w.close();
    }
  }, 240_000);

  it("says when amoCRM's code never came and offers to connect again", async () => {
    const f = await fresh("lost");
    const w = await watchedPage(chromium.browser);
    try {
      const page = w.page;
      await page.goto(hostUrl(f, { installed: "0", consent: "0", code: "lost" }));
      await page.waitForSelector("body[data-host-ready='1']");
      await fillConnection(page, f);
      await page.getByTestId("host-install").click();
      await page.waitForSelector("body[data-settings-saved='1']", { timeout: 40_000 });
      await waitUntil(async () => (await page.getByTestId("lptw-access").getAttribute("data-state").catch(() => null)) === "lost", "the modal to call the code lost", (INSTALL_WAIT_SECONDS + 40) * 1000);
      await expect(page.getByTestId("lptw-install").textContent()).resolves.toContain("amoCRM не передал доступ");
      const reconnect = page.getByTestId("lptw-reconnect");
      await expect(reconnect.getAttribute("href")).resolves.toBe(`${sb.workerUrl}/oauth/amocrm/start`);
      await screenshot(page, "widget-install-code-lost");
      expect(w.errors).toEqual([]);
    } finally {
      await w.close();
    }
  }, 240_000);
});

describe("switching the widget off and on", () => {
  it("switches off with LPTracker down and an empty password, keeps events paused, and resumes them in order on switch-on", async () => {
    const f = await fresh("toggle");
    // Installed and connected the usual way first.
    const setup = await watchedPage(chromium.browser);
    try {
      await setup.page.goto(hostUrl(f, { installed: "0", consent: "0", code: "after", code_delay: "500" }));
      await setup.page.waitForSelector("body[data-host-ready='1']");
      await fillConnection(setup.page, f);
      await setup.page.getByTestId("host-install").click();
      await waitUntil(async () => (await installState(setup.page)) === "active", "the install", 45_000);
    } finally {
      await setup.close();
    }

    const w = await watchedPage(chromium.browser);
    try {
      const page = w.page;
      // A new visit to the installed widget: amoCRM keeps the state, the password field is empty.
      await page.goto(hostUrl(f, { installed: "1", consent: "1" }));
      await page.waitForSelector("body[data-host-ready='1']");
      await waitUntil(async () => (await installState(page)) === "active", "the modal to load", 30_000);
      await expect(page.getByTestId("lptw-password").inputValue()).resolves.toBe("");
      await sb.lpt.setFaults(f.lpt.login, { rate: 1, kinds: ["503"], seed: 7 });
      await page.getByTestId("host-disable").click();
      await page.waitForSelector("body[data-switched-off='1']", { timeout: 40_000 });
      await sb.lpt.setFaults(f.lpt.login, null);
      const log = await callbackLog(page);
      expect(log.slice(log.indexOf("onSave:N"), log.indexOf("onSave:N") + 2)).toEqual(["onSave:N", "destroy"]);
      await expect(page.getAttribute("body", "data-widget-active")).resolves.toBe("N");

      // While off, LPTracker leads are kept as paused events, nothing reaches amoCRM.
      const projectId = f.lpt.projects[0]!.id;
      for (const name of ["Первая", "Вторая", "Третья"]) await sb.lpt.createLead(projectId, { name, phone: `+7995${Math.floor(1e6 + Math.random() * 8e6)}` });
      await waitUntil(async () => {
        const evs = await devEvents(f.accountId);
        return evs.length === 3 && evs.every((e) => e.status === "paused");
      }, "three paused events", 30_000);
      expect(await amoLeadNames(f.accountId)).toEqual([]);

      // The modal of a switched-off widget says so and offers «Включить».
      await page.goto(hostUrl(f, { code: "after", code_delay: "1000" }));
      await page.waitForSelector("body[data-host-ready='1']");
      await waitUntil(async () => (await installState(page)) === "paused", "the modal to say the widget is off", 30_000);
      expect(await page.evaluate(() => (window as unknown as { amoHost: { installStatus(): string } }).amoHost.installStatus())).toBe("install");
      await page.getByTestId("host-enable").click();
      await waitUntil(async () => (await installState(page)) === "active", "the widget to work again", 45_000);
      await waitUntil(async () => {
        const evs = await devEvents(f.accountId);
        return evs.length === 3 && evs.every((e) => e.status === "done");
      }, "the paused events to be processed", 60_000);
      expect(await amoLeadNames(f.accountId)).toEqual(["Первая", "Вторая", "Третья"]);
      expect(w.errors.filter((e) => !e.includes("status of 503"))).toEqual([]);
    } finally {
      await w.close();
    }
  }, 180_000);

  it("without amoCRM's disconnect hook: the admin page shows the paused events, and switching on resumes them with the tokens kept", async () => {
    const f = await fresh("nohook");
    const w = await watchedPage(chromium.browser);
    const admin = await watchedPage(chromium.browser);
    try {
      const page = w.page;
      await page.goto(hostUrl(f, { installed: "0", consent: "0", code: "after", code_delay: "500", disconnect_hook: "0" }));
      await page.waitForSelector("body[data-host-ready='1']");
      await fillConnection(page, f);
      await page.getByTestId("host-install").click();
      await waitUntil(async () => (await installState(page)) === "active", "the install", 45_000);
      // A later visit: the consent is what amoCRM saved with the install.
      await page.goto(hostUrl(f, { disconnect_hook: "0" }));
      await page.waitForSelector("body[data-host-ready='1']");
      await waitUntil(async () => (await installState(page)) === "active", "the modal to load", 30_000);
      await page.getByTestId("host-disable").click();
      await page.waitForSelector("body[data-switched-off='1']", { timeout: 40_000 });

      const projectId = f.lpt.projects[0]!.id;
      for (const name of ["Альфа", "Бета"]) await sb.lpt.createLead(projectId, { name, phone: `+7994${Math.floor(1e6 + Math.random() * 8e6)}` });
      await waitUntil(async () => {
        const evs = await devEvents(f.accountId);
        return evs.length === 2 && evs.every((e) => e.status === "paused");
      }, "two paused events", 30_000);

      // The admin page: the dashboard says the widget is off and the events view shows them paused.
      const token = await sb.widgetToken({ accountId: f.accountId, subdomain: f.subdomain });
      const link = (await (await fetch(`${sb.workerUrl}/api/widget/admin-link`, { method: "POST", headers: { "x-auth-token": token } })).json()) as { url: string };
      await admin.page.goto(link.url);
      await admin.page.getByTestId("install-paused").waitFor({ timeout: 40_000 });
      await expect(admin.page.getByTestId("held-events").textContent()).resolves.toContain("2 события ждут");
      await admin.page.getByTestId("held-events").click();
      const pausedBadges = admin.page.locator("span.badge", { hasText: "Приостановлено" });
      await pausedBadges.first().waitFor({ timeout: 40_000 });
      await expect(pausedBadges.count()).resolves.toBe(2);
      await screenshot(admin.page, "admin-events-paused");

      // On again; amoCRM sent no new code (code=lost) and none is needed: the tokens were kept.
      await page.goto(hostUrl(f, { code: "lost" }));
      await page.waitForSelector("body[data-host-ready='1']");
      await waitUntil(async () => (await installState(page)) === "paused", "the modal to say the widget is off", 30_000);
      await page.getByTestId("host-enable").click();
      await waitUntil(async () => {
        const evs = await devEvents(f.accountId);
        return evs.length === 2 && evs.every((e) => e.status === "done");
      }, "the paused events to be processed", 60_000);
      expect(await amoLeadNames(f.accountId)).toEqual(["Альфа", "Бета"]);
      await waitUntil(async () => (await installState(page)) === "active", "the modal to show the widget working", 30_000);
      expect(w.errors).toEqual([]);
    } finally {
      await w.close();
      await admin.close();
    }
  }, 180_000);
});

describe("CORS for the host page", () => {
  it("allows the sandbox host origin and no other for X-Auth-Token preflights", async () => {
    const ask = (origin: string) =>
      fetch(`${sb.workerUrl}/api/widget/me`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "x-auth-token" } });
    const ours = await ask(sb.hostUrl);
    expect(ours.headers.get("access-control-allow-origin")).toBe(sb.hostUrl);
    expect((ours.headers.get("access-control-allow-headers") ?? "").toLowerCase()).toContain("x-auth-token");
    const other = await ask("http://127.0.0.1:1");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const amo = await ask("https://acme.amocrm.ru");
    expect(amo.headers.get("access-control-allow-origin")).toBe("https://acme.amocrm.ru");
  });
});
