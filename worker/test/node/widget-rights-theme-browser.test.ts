// The widget in Chromium on the local amoCRM page, for what depends on who is looking and how:
// managers whose amoCRM rights hide a lead see a clear refusal (RU/EN) and no admin controls, and
// the card, the settings modal and the mapping editor stay readable in amoCRM's light and dark themes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { type Sandbox } from "../../scripts/sandbox-lib";
import type { SimUser } from "../../sim/amocrm/types";
import { startBrowserSuite, type BrowserSuite } from "./browser-suite";
import { screenshot, waitUntil, watchedPage, type BrowserHarness, type WatchedPage } from "./browser-harness";

let sb: Sandbox;
let chromium: BrowserHarness;
let suite: BrowserSuite | undefined;
let amoLeadId: number;
let viewer: SimUser;
let outsider: SimUser;

function hostUrl(hash: string, params: Record<string, string> = {}): string {
  const q = new URLSearchParams({ account_id: String(sb.demo.accountId), ...params });
  return `${sb.workerUrl}/dev/amocrm?${q}${hash}`;
}

async function open(w: WatchedPage, hash: string, params: Record<string, string> = {}): Promise<Page> {
  await w.page.goto(hostUrl(hash, params));
  await w.page.waitForSelector("body[data-host-ready='1']");
  return w.page;
}

interface Contrast {
  color: string;
  background: string;
  ratio: number;
}

/** WCAG contrast of an element's text against the first opaque background behind it. */
async function contrastOf(page: Page, selector: string): Promise<Contrast> {
  return page.locator(selector).first().evaluate((el) => {
    const parse = (c: string) => {
      const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(c);
      return m ? { r: +m[1]!, g: +m[2]!, b: +m[3]!, a: m[4] === undefined ? 1 : +m[4] } : { r: 0, g: 0, b: 0, a: 0 };
    };
    const lum = ({ r, g, b }: { r: number; g: number; b: number }) => {
      const ch = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
    };
    let node: Element | null = el;
    let bg = "rgb(255, 255, 255)";
    while (node) {
      const c = getComputedStyle(node).backgroundColor;
      if (parse(c).a >= 0.99) {
        bg = c;
        break;
      }
      node = node.parentElement;
    }
    const color = getComputedStyle(el).color;
    const [l1, l2] = [lum(parse(color)), lum(parse(bg))].sort((a, b) => b - a);
    return { color, background: bg, ratio: (l1! + 0.05) / (l2! + 0.05) };
  });
}

const isDark = (rgb: string) => {
  const [r, g, b] = (rgb.match(/[\d.]+/g) ?? []).map(Number);
  return (r! + g! + b!) / 3 < 80;
};

beforeAll(async () => {
  suite = await startBrowserSuite("widget-rights-theme", { workerPort: 18917, amoPort: 18918, lptPort: 18919 });
  ({ sb, chromium } = suite);
  const lead = await sb.lpt.createLead(sb.demo.projectId!, { name: "Заявка: двери", contactName: "Олег", phone: "+7 916 555-01-02", source: "google" });
  const state = await waitUntil(async () => {
    const s = await sb.amo.state(sb.demo.accountId);
    return s.leads.find((l) => l.name === lead.name) && s;
  }, "the LPTracker lead to arrive in amoCRM", 40_000);
  amoLeadId = state.leads.find((l) => l.name === lead.name)!.id;
  viewer = await sb.amo.addUser(sb.demo.accountId, { name: "Вера Смотрящая", rights: { leads: { view: "A", edit: "D" }, contacts: { view: "A", edit: "D" } } });
  outsider = await sb.amo.addUser(sb.demo.accountId, { name: "Глеб Посторонний", rights: { leads: { view: "D" }, contacts: { view: "D" } } });
  // The host page's user switch lists the users of the cached metadata.
  const refreshed = await fetch(`${sb.workerUrl}/api/widget/metadata/refresh`, { method: "POST", headers: { "x-auth-token": await sb.widgetToken(), "content-type": "application/json" }, body: "{}" });
  if (!refreshed.ok) throw new Error(`metadata refresh answered ${refreshed.status}`);
}, 240_000);

afterAll(() => suite?.stop());

describe("widget and amoCRM user rights", () => {
  it("tells a manager without access to the lead why nothing is shown, in Russian and in English", async () => {
    const w = await watchedPage(chromium.browser);
    try {
      // Switch users the way the host page offers it: the page reloads as that user.
      let page = await open(w, `#/leads/detail/${amoLeadId}`);
      await page.getByTestId("lptw-lead").waitFor();
      const select = page.getByTestId("host-user-select");
      await waitUntil(async () => (await select.locator("option").count()) >= 5, "the user list");
      await Promise.all([page.waitForURL(/user_id=/), select.selectOption(String(outsider.id))]);
      await page.waitForSelector("body[data-host-ready='1']");
      expect(new URL(page.url()).searchParams.get("is_admin")).toBe("0");
      const denied = page.getByTestId("lptw-denied");
      await denied.waitFor();
      await expect(denied.textContent()).resolves.toMatch(/Нет доступа.*нет прав на просмотр этой сделки в amoCRM/);
      await expect(page.getByTestId("lptw-lead").count()).resolves.toBe(0);
      await expect(page.getByTestId("lptw-sync").count()).resolves.toBe(0);
      await expect(page.locator(".host-widget-block").textContent()).resolves.not.toContain("Заявка: двери");
      await screenshot(page, "widget-card-denied", { selector: ".host-widget-block" });

      page = await open(w, `#/leads/detail/${amoLeadId}`, { user_id: String(outsider.id), is_admin: "0", lang: "en" });
      await expect(page.getByTestId("lptw-denied").textContent()).resolves.toMatch(/No access.*You may not view this lead in amoCRM/);
      expect(w.errors.filter((e) => !/403/.test(e))).toEqual([]);
    } finally {
      await w.close();
    }
  });

  it("shows a view-only manager the lead without «Синхронизировать» or link buttons", async () => {
    const w = await watchedPage(chromium.browser);
    try {
      const page = await open(w, `#/leads/detail/${amoLeadId}`, { user_id: String(viewer.id), is_admin: "0" });
      await page.getByTestId("lptw-lead").waitFor();
      await expect(page.getByTestId("lptw-lead-name").textContent()).resolves.toBe("Заявка: двери");
      await expect(page.getByTestId("lptw-sync").count()).resolves.toBe(0);
      await expect(page.getByTestId("lptw-link").count()).resolves.toBe(0);
      expect(w.errors).toEqual([]);
    } finally {
      await w.close();
    }
  });
});

describe("widget in amoCRM's light and dark themes", () => {
  it("the card follows the theme switch in place and stays readable in both", async () => {
    const w = await watchedPage(chromium.browser);
    try {
      const page = await open(w, `#/leads/detail/${amoLeadId}`, { theme: "light" });
      await page.getByTestId("lptw-lead").waitFor();
      const light = {
        name: await contrastOf(page, ".lptw-lead__name"),
        label: await contrastOf(page, ".lptw-fact dt"),
        stage: await contrastOf(page, ".lptw-stage"),
        button: await contrastOf(page, ".lptw-btn--primary"),
        link: await contrastOf(page, ".lptw-btn--ghost"),
      };
      expect(isDark(light.name.background)).toBe(false);
      await screenshot(page, "widget-card-light", { selector: ".host-widget-block" });

      await page.getByTestId("host-theme-toggle").click();
      await expect(page.getAttribute("html", "data-color-scheme")).resolves.toBe("dark");
      const dark = {
        name: await contrastOf(page, ".lptw-lead__name"),
        label: await contrastOf(page, ".lptw-fact dt"),
        stage: await contrastOf(page, ".lptw-stage"),
        button: await contrastOf(page, ".lptw-btn--primary"),
        link: await contrastOf(page, ".lptw-btn--ghost"),
      };
      expect(isDark(dark.name.background), JSON.stringify(dark.name)).toBe(true);
      expect(dark.name.color).not.toBe(light.name.color);
      for (const [theme, set] of [["light", light], ["dark", dark]] as const) {
        for (const [what, c] of Object.entries(set)) expect(c.ratio, `${theme} ${what}: ${JSON.stringify(c)}`).toBeGreaterThanOrEqual(4.5);
      }
      await screenshot(page, "widget-card-dark", { selector: ".host-widget-block" });
      await screenshot(page, "widget-card-dark-page");
      expect(w.errors).toEqual([]);
    } finally {
      await w.close();
    }
  });

  it("stays readable in the dark theme when amoCRM's --palette-* variables are missing", async () => {
    const w = await watchedPage(chromium.browser);
    try {
      const page = await open(w, `#/leads/detail/${amoLeadId}`, { theme: "dark" });
      await page.getByTestId("lptw-lead").waitFor();
      // `initial` makes a custom property invalid, so every var() falls back to our own value.
      await page.addStyleTag({ content: ":root, :root[data-color-scheme='dark'] { --palette-background-primary: initial; --palette-border-default: initial; --palette-text-secondary-dark: initial; }" });
      for (const sel of [".lptw-lead__name", ".lptw-fact dt", ".lptw-stage", ".lptw-btn--primary"]) {
        const c = await contrastOf(page, sel);
        expect(c.ratio, `${sel}: ${JSON.stringify(c)}`).toBeGreaterThanOrEqual(4.5);
      }
    } finally {
      await w.close();
    }
  });

  it("the settings modal (with its privacy link) and the mapping editor are readable in the dark theme", async () => {
    const w = await watchedPage(chromium.browser);
    try {
      let page = await open(w, "#/settings/widgets", { theme: "dark" });
      await page.getByTestId("lptw-consent-block").waitFor();
      const consent = await contrastOf(page, ".lptw-consent__text");
      expect(isDark(consent.background), JSON.stringify(consent)).toBe(true);
      expect(consent.ratio).toBeGreaterThanOrEqual(4.5);
      const privacy = page.getByTestId("lptw-privacy-link");
      await expect(privacy.getAttribute("href")).resolves.toBe(`${sb.workerUrl}/privacy`);
      expect((await contrastOf(page, "[data-testid='lptw-privacy-link']")).ratio).toBeGreaterThanOrEqual(4.5);
      for (const sel of [".lptw-input", ".lptw-consent__list"]) {
        const c = await contrastOf(page, sel);
        expect(c.ratio, `${sel}: ${JSON.stringify(c)}`).toBeGreaterThanOrEqual(4.5);
      }
      await screenshot(page, "widget-settings-dark", { selector: ".host-modal__window" });
      const res = await fetch(`${sb.workerUrl}/privacy`);
      expect(res.status).toBe(200);

      page = await open(w, "#/settings/widgets/advanced", { theme: "dark" });
      await page.locator(".lptw-maprow").nth(1).waitFor();
      const row = await contrastOf(page, ".lptw-maprow:not(.lptw-maprow--head) .lptw-select");
      expect(isDark(row.background), JSON.stringify(row)).toBe(true);
      expect(row.ratio).toBeGreaterThanOrEqual(4.5);
      const title = await contrastOf(page, ".lptw-title");
      expect(title.ratio).toBeGreaterThanOrEqual(4.5);
      await screenshot(page, "widget-mapping-dark");

      await page.getByTestId("host-theme-toggle").click();
      await expect(page.getAttribute("html", "data-color-scheme")).resolves.toBe("light");
      const lightRow = await contrastOf(page, ".lptw-maprow:not(.lptw-maprow--head) .lptw-select");
      expect(isDark(lightRow.background)).toBe(false);
      expect(lightRow.ratio).toBeGreaterThanOrEqual(4.5);
      await screenshot(page, "widget-mapping-light");
      expect(w.errors).toEqual([]);
    } finally {
      await w.close();
    }
  });
});
