// The quota warning on the admin dashboard in Chromium, against the sandbox: after the demo
// project's LPTracker webhook URL receives more malformed bodies in an hour than the tenant may
// keep, the dashboard says so in Russian, and in English after the language switch.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../../scripts/sandbox-lib";
import { startBrowserSuite, type BrowserSuite } from "./browser-suite";
import { REJECTED_BODIES_PER_WINDOW } from "../../src/db/quotas";
import { screenshot, waitUntil, watchedPage, type BrowserHarness } from "./browser-harness";

let sb: Sandbox;
let chromium: BrowserHarness;
let suite: BrowserSuite | undefined;
const tid = (id: string) => `[data-testid="${id}"]`;

beforeAll(async () => {
  suite = await startBrowserSuite("quota-browser", { workerPort: 18767, amoPort: 18768, lptPort: 18769 });
  ({ sb, chromium } = suite);
}, 180_000);

afterAll(() => suite?.stop());

describe("quota warning on the dashboard", () => {
  it("warns in Russian and English once malformed webhooks are no longer kept", async () => {
    const state = await sb.lpt.state(sb.demo.lptLogin);
    const hook = state.projects[0]!.callbackUrls[0]!.url;
    // Until one is refused storage (an hour's edge on the way may start the count again once).
    let kept = 0;
    let refused = false;
    for (let i = 0; i < 2 * REJECTED_BODIES_PER_WINDOW + 2 && !refused; i++) {
      const res = await fetch(hook, { method: "POST", body: `not json ${i}`, headers: { "content-type": "application/json" } });
      expect(res.status).toBe(400);
      if (((await res.json()) as { kept: boolean }).kept) kept++;
      else refused = true;
    }
    expect(refused).toBe(true);
    expect(kept).toBeGreaterThanOrEqual(REJECTED_BODIES_PER_WINDOW);

    const link = await fetch(`${sb.workerUrl}/api/widget/admin-link`, { method: "POST", headers: { "x-auth-token": await sb.widgetToken() } });
    const { url } = (await link.json()) as { url: string };
    const w = await watchedPage(chromium.browser, { viewport: { width: 390, height: 844 } });
    try {
      await w.page.goto(url);
      await w.page.waitForSelector(tid("install-status"));
      // The refusal is written after the answer: reload until the dashboard has it.
      await waitUntil(async () => {
        if ((await w.page.locator(tid("quota-warning")).count()) > 0) return true;
        await w.page.click(tid("refresh"));
        await w.page.waitForTimeout(500);
        return false;
      }, "the quota warning", 30_000, 200);
      const ru = (await w.page.locator(tid("quota-rejected_bodies")).textContent()) ?? "";
      expect(ru).toContain("Лимит хранения ошибочных вебхуков за час исчерпан: 1 некорректное тело не сохранено");
      await screenshot(w.page, "admin-quota-warning-390", { fullPage: true });
      await w.page.click(tid("lang-switch"));
      const en = (await w.page.locator(tid("quota-rejected_bodies")).textContent()) ?? "";
      expect(en).toContain("The hourly allowance for keeping malformed webhooks is used up: 1 malformed body was not kept");
      expect(w.errors).toEqual([]);
    } finally {
      await w.close();
    }
  }, 240_000);
});
