// The widget's amoCRM-native actions in Chromium on the sandbox host page, against the real Worker and
// both simulators: the Digital Pipeline action set up through dpSettings (pickers filled from the
// account's LPTracker data, hidden key) and run by moving a lead; the list action on checked leads
// and contacts with progress and a result per entity, and amoCRM's partial "select all".
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox } from "../../scripts/sandbox-lib";
import { startBrowserSuite, type BrowserSuite } from "./browser-suite";
import { screenshot, waitUntil, watchedPage, type BrowserHarness } from "./browser-harness";

let sb: Sandbox;
let chromium: BrowserHarness;
let suite: BrowserSuite | undefined;
let projectId: number;
let stages: { id: number; name: string }[];
const leadIds: number[] = [];
let contactWithLeads: number;

function hostUrl(hash: string): string {
  return `${sb.workerUrl}/dev/amocrm?account_id=${sb.demo.accountId}${hash}`;
}

beforeAll(async () => {
  suite = await startBrowserSuite("widget-dp-list", { workerPort: 18947, amoPort: 18948, lptPort: 18949 });
  ({ sb, chromium } = suite);
  projectId = sb.demo.projectId!;
  stages = (await sb.lpt.state(sb.demo.lptLogin)).projects.find((p) => p.id === projectId)!.funnel.map((s) => ({ id: s.id, name: s.name }));
  // Twelve leads, so that the list has a second page (amoCRM's "select all" hands over one page).
  for (let i = 1; i <= 12; i++) {
    const contact = await sb.amo.createContact(sb.demo.accountId, { name: `Покупатель ${i}`, custom_fields_values: [{ field_code: "PHONE", values: [{ value: `+7916555${String(1000 + i)}`, enum_code: "WORK" }] }] });
    const lead = await sb.amo.createLead(sb.demo.accountId, { name: `Сделка списка ${i}`, _embedded: { contacts: [{ id: contact.id }] } } as never);
    leadIds.push(lead.id);
    if (i === 4) contactWithLeads = contact.id;
  }
}, 180_000);

afterAll(() => suite?.stop());

describe("Digital Pipeline action (dpSettings)", () => {
  it("sets the action up from the account's own LPTracker data and runs it when a lead enters the stage", async () => {
    const w = await watchedPage(chromium.browser);
    try {
      const { page } = w;
      await page.goto(hostUrl("#/leads/pipeline"));
      await page.waitForSelector("body[data-host-ready='1']");
      const state = await sb.amo.state(sb.demo.accountId);
      const lead = state.leads.find((l) => l.id === leadIds[0])!;
      const pipeline = state.account.pipelines.find((p) => p.id === lead.pipeline_id)!;
      const target = pipeline.statuses.find((s) => s.id !== 142 && s.id !== 143 && s.id !== lead.status_id && (s as { type?: number }).type !== 1)!;
      await page.locator(`.host-dp__status[data-status-id="${target.id}"] [data-testid="host-dp-add"]`).click();
      await page.waitForSelector("[data-testid='lptw-dp-action']");
      // The project and stage come from LPTracker, never typed.
      const projectOptions = await page.locator("[data-testid='lptw-dp-project'] option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      expect(projectOptions).toEqual([String(projectId)]);
      await page.selectOption("[data-testid='lptw-dp-action']", "comment");
      await page.waitForSelector("[data-testid='lptw-dp-comment']");
      expect(await page.locator(".lptw-dp").innerText()).toContain("{{lead.name}}");
      await page.selectOption("[data-testid='lptw-dp-action']", "set_stage");
      const stageOptions = await page.locator("[data-testid='lptw-dp-stage'] option").evaluateAll((os) => os.map((o) => o.textContent));
      expect(stageOptions.slice(1)).toEqual(stages.map((s) => s.name));
      // stage_id is optional for amoCRM (only «move to stage» needs it), so the widget itself asks for it.
      expect(await page.locator(".lptw-dp__invalid").innerText()).toContain("Выберите этап");
      await page.selectOption("[data-testid='lptw-dp-stage']", String(stages[2]!.id));
      // amoCRM's own inputs are hidden and carry the values it saves, the key included.
      const values = await page.locator("form input[name]").evaluateAll((is) => Object.fromEntries(is.map((i) => [(i as HTMLInputElement).name, (i as HTMLInputElement).value])));
      expect(values).toMatchObject({ action: "set_stage", project_id: String(projectId), stage_id: String(stages[2]!.id), comment: "" });
      expect(values.key).toMatch(/^[A-Za-z0-9_-]{24,}$/);
      expect(await page.locator("input[name='action']").isVisible()).toBe(false);
      await screenshot(page, "widget-dp-settings", { selector: ".host-modal__window" });
      await page.click("[data-testid='host-dp-save']");
      await page.waitForSelector("body[data-dp-saved='1']");
      const saved = (await sb.amo.dpActions(sb.demo.accountId)).actions;
      expect(saved).toHaveLength(1);
      expect(saved[0]!.webhook_url).toBe(`${sb.workerUrl}/hooks/amocrm/dp`);
      await page.waitForSelector("[data-testid='host-dp-action']");

      // A user drags a lead into the stage: amoCRM posts the DP hook, the Worker moves the LPTracker lead there.
      const leadId = leadIds[0]!;
      await page.selectOption(`[data-testid='host-dp-move-${leadId}']`, String(target.id));
      await page.waitForFunction(() => /HTTP 200/.test(document.querySelector("[data-testid='host-dp-log']")?.textContent ?? ""), undefined, { timeout: 40_000 });
      const lptLead = await waitUntil(async () => (await sb.lpt.state(sb.demo.lptLogin)).leads.find((l) => l.name === "Сделка списка 1"), "the LPTracker lead created by the DP action", 40_000);
      expect(lptLead.stageId).toBe(stages[2]!.id);
      expect(w.errors).toEqual([]);
    } finally {
      await w.close();
    }
  });
});

describe("list action «Синхронизировать с LPTracker»", () => {
  it("syncs the checked leads in the background and shows a result per lead", async () => {
    const w = await watchedPage(chromium.browser);
    try {
      const { page } = w;
      await page.goto(hostUrl("#/leads/list"));
      await page.waitForSelector("[data-testid='host-list-check']");
      // The widget is offered only once rows are checked.
      expect(await page.locator("[data-testid='host-list-more']").isDisabled()).toBe(true);
      await page.locator(`[data-testid='host-list-check'][data-id='${leadIds[1]}']`).check();
      await page.locator(`[data-testid='host-list-check'][data-id='${leadIds[2]}']`).check();
      await page.click("[data-testid='host-list-more']");
      await page.click("[data-testid='host-list-widget']");
      await page.waitForSelector("[data-testid='lptw-list-start']");
      expect(await page.locator("[data-testid='lptw-list-summary']").innerText()).toBe("Выбрано сделок: 2");
      expect(await page.locator("[data-testid='lptw-list-partial']").count()).toBe(0);
      await page.click("[data-testid='lptw-list-start']");
      await page.waitForSelector("[data-testid='lptw-list-job'][data-status='done']", { timeout: 60_000 });
      const items = await page.locator("[data-testid='lptw-list-item']").evaluateAll((els) => els.map((e) => ({ id: e.getAttribute("data-id"), status: e.getAttribute("data-status"), text: e.textContent })));
      expect(items.map((i) => [i.id, i.status])).toEqual([
        [String(leadIds[1]), "created"],
        [String(leadIds[2]), "created"],
      ]);
      expect(items[0]!.text).toContain("Создана заявка LPTracker №");
      // list_selected() has no names; the result shows the lead's name as amoCRM has it.
      expect(items[0]!.text).toContain("Сделка списка 2");
      expect(await page.locator("[data-testid='lptw-list-progress']").innerText()).toBe("Готово: 2 из 2");
      expect(await page.locator("[data-testid='lptw-list-counts']").innerText()).toContain("Создано: 2");
      await screenshot(page, "widget-list-action", { selector: "#host-widgets" });
      const names = (await sb.lpt.state(sb.demo.lptLogin)).leads.map((l) => l.name);
      expect(names).toEqual(expect.arrayContaining(["Сделка списка 2", "Сделка списка 3"]));
      expect(w.errors).toEqual([]);
    } finally {
      await w.close();
    }
  });

  it("tells the user when amoCRM hands over fewer rows than were selected, and syncs a contact's leads", async () => {
    const w = await watchedPage(chromium.browser);
    try {
      const { page } = w;
      await page.goto(hostUrl("#/leads/list"));
      await page.waitForSelector("[data-testid='host-list-select-all']");
      await page.click("[data-testid='host-list-select-all']");
      await page.click("[data-testid='host-list-more']");
      await page.click("[data-testid='host-list-widget']");
      await page.waitForSelector("[data-testid='lptw-list-partial']");
      const note = await page.locator("[data-testid='lptw-list-partial']").innerText();
      expect(note).toContain("выбрано 12");
      expect(note).toContain("только 10");

      await page.goto(hostUrl("#/contacts/list"));
      await page.waitForSelector(`[data-testid='host-list-check'][data-id='${contactWithLeads}']`);
      await page.locator(`[data-testid='host-list-check'][data-id='${contactWithLeads}']`).check();
      await page.click("[data-testid='host-list-more']");
      await page.click("[data-testid='host-list-widget']");
      await page.waitForSelector("[data-testid='lptw-list-start']");
      expect(await page.locator("[data-testid='lptw-list-summary']").innerText()).toBe("Выбрано контактов: 1");
      await page.click("[data-testid='lptw-list-start']");
      await page.waitForSelector("[data-testid='lptw-list-job'][data-status='done']", { timeout: 60_000 });
      const item = page.locator("[data-testid='lptw-list-item']");
      expect(await item.getAttribute("data-status")).toBe("created");
      expect(await item.innerText()).toContain("Созданы заявки LPTracker");
      expect((await sb.lpt.state(sb.demo.lptLogin)).leads.map((l) => l.name)).toContain("Сделка списка 4");
      expect(w.errors).toEqual([]);
    } finally {
      await w.close();
    }
  });
});
