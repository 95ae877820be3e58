// Incoming leads («Неразобранное») in Chromium on the sandbox host page, against the real Worker and
// both simulators: the per-project setting in the widget's mapping editor, an LPTracker lead
// arriving as an incoming lead, and a manager's accept and «attach to a lead» from the host page's
// «Неразобранное» view, after which the amoCRM card shows the LPTracker lead.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox } from "../../scripts/sandbox-lib";
import { startBrowserSuite, type BrowserSuite } from "./browser-suite";
import { screenshot, waitUntil, watchedPage, type BrowserHarness } from "./browser-harness";

let sb: Sandbox;
let chromium: BrowserHarness;
let suite: BrowserSuite | undefined;

function hostUrl(hash: string): string {
  return `${sb.workerUrl}/dev/amocrm?account_id=${sb.demo.accountId}${hash}`;
}

beforeAll(async () => {
  suite = await startBrowserSuite("unsorted-browser", { workerPort: 18977, amoPort: 18978, lptPort: 18979 });
  ({ sb, chromium } = suite);
}, 180_000);

afterAll(() => suite?.stop());

async function pendingFor(name: string) {
  return waitUntil(
    async () => (await sb.amo.unsorted(sb.demo.accountId)).entries.find((e) => e.state === "pending" && e.lead?.name === name),
    `an incoming lead «${name}» in the amoCRM simulator`,
    60_000,
  );
}

describe("incoming leads on the host page", () => {
  it("turns the setting on in the mapping editor, then accepts one entry and attaches another to a lead; the card follows", async () => {
    const w = await watchedPage(chromium.browser);
    try {
      const { page } = w;
      const projectId = sb.demo.projectId!;
      const pipeline = (await sb.amo.state(sb.demo.accountId)).account.pipelines.find((p) => p.is_main)!;

      // The setting, in Russian, in the widget's mapping editor.
      await page.goto(hostUrl("#/settings/widgets/advanced"));
      await page.waitForSelector("body[data-host-ready='1']");
      const select = page.getByTestId("lptw-unsorted-select");
      await select.waitFor({ timeout: 30_000 });
      expect(await page.getByTestId("lptw-unsorted").innerText()).toContain("Куда попадают новые лиды");
      await select.selectOption(String(pipeline.id));
      await page.getByTestId("lptw-unsorted-save").click();
      await page.getByTestId("lptw-unsorted-saved").waitFor();

      // Two LPTracker leads of different people arrive as two incoming leads.
      await sb.lpt.createLead(projectId, { name: "Заявка в неразобранное", contactName: "Вера", phone: "+79161230001", view: { address: "https://site.example/promo", referrer: "https://ya.ru/" } });
      await sb.lpt.createLead(projectId, { name: "Заявка к сделке", contactName: "Глеб", phone: "+79161230002" });
      const first = await pendingFor("Заявка в неразобранное");
      const second = await pendingFor("Заявка к сделке");
      const existing = await sb.amo.createLead(sb.demo.accountId, { name: "Сделка для привязки" });

      await page.goto(hostUrl("#/leads/unsorted"));
      await page.waitForSelector("body[data-host-ready='1']");
      const row = page.locator(`[data-testid='host-unsorted-row'][data-uid='${first.uid}']`);
      await row.waitFor();
      expect(await row.innerText()).toContain("https://site.example/promo");
      await screenshot(page, "host-unsorted", { selector: "[data-testid='host-unsorted']" });
      await row.getByTestId("host-unsorted-accept").click();
      await waitUntil(async () => (await row.getByTestId("host-unsorted-state").innerText()) === "принята", "the entry shown as accepted");

      const other = page.locator(`[data-testid='host-unsorted-row'][data-uid='${second.uid}']`);
      await other.locator("input").fill(String(existing.id));
      await other.getByRole("button", { name: "Привязать к сделке" }).click();
      await waitUntil(async () => (await other.getByTestId("host-unsorted-state").innerText()) === "принята", "the attached entry shown as accepted");

      // The Worker got amoCRM's unsorted webhook: the existing lead's card now shows the LPTracker lead.
      await page.goto(hostUrl(`#/leads/detail/${existing.id}`));
      await page.waitForSelector("body[data-host-ready='1']");
      await waitUntil(
        async () => {
          await page.reload();
          await page.waitForSelector("body[data-host-ready='1']");
          const lead = page.getByTestId("lptw-lead-name");
          try {
            await lead.waitFor({ timeout: 5_000 });
          } catch {
            return false;
          }
          return (await lead.textContent()) === "Заявка к сделке";
        },
        "the existing lead's card showing the attached LPTracker lead",
        60_000,
        1_000,
      );
      // And the accepted entry's own lead opens from the view with its LPTracker lead.
      await page.goto(hostUrl(`#/leads/detail/${first.lead_id}`));
      await page.waitForSelector("body[data-host-ready='1']");
      await page.getByTestId("lptw-lead-name").waitFor({ timeout: 30_000 });
      expect(await page.getByTestId("lptw-lead-name").textContent()).toBe("Заявка в неразобранное");
      expect(w.errors).toEqual([]);
    } finally {
      await w.close();
    }
  }, 240_000);
});
