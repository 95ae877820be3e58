// The lead policy in the widget's mapping editor, in Chromium on the sandbox host page against the
// real Worker and both simulators: pickers from the account's pipelines, users and LPTracker staff,
// a refused save explained in Russian, a saved round-robin that the next sync follows, and a repeat
// request that lands as a note on the open lead.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox } from "../../scripts/sandbox-lib";
import type { LeadPolicyResponse } from "../../src/sync/plan/lead-policy";
import { startBrowserSuite, type BrowserSuite } from "./browser-suite";
import { screenshot, waitUntil, watchedPage, type BrowserHarness } from "./browser-harness";

let sb: Sandbox;
let chromium: BrowserHarness;
let suite: BrowserSuite | undefined;
let projectId: number;

async function widgetApi<T>(method: string, route: string): Promise<T> {
  const res = await fetch(`${sb.workerUrl}${route}`, { method, headers: { "x-auth-token": await sb.widgetToken() } });
  if (!res.ok) throw new Error(`${method} ${route} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

beforeAll(async () => {
  suite = await startBrowserSuite("widget-lead-policy", { workerPort: 18877, amoPort: 18878, lptPort: 18879 });
  ({ sb, chromium } = suite);
  projectId = sb.demo.projectId!;
}, 180_000);

afterAll(() => suite?.stop());

describe("widget lead policy (mapping editor)", () => {
  it("sets repeat requests and a round-robin from the account's own data, and the sync follows them", async () => {
    const account = (await sb.amo.state(sb.demo.accountId)).account;
    const main = account.pipelines.find((p) => p.is_main)!;
    const [first, second] = account.users.filter((u) => !u.is_admin);
    const staff = (await sb.lpt.state(sb.demo.lptLogin)).staff;
    const w = await watchedPage(chromium.browser, { viewport: { width: 1360, height: 1000 } });
    try {
      const { page } = w;
      await page.goto(`${sb.workerUrl}/dev/amocrm?account_id=${sb.demo.accountId}#/settings/widgets/advanced`);
      await page.waitForSelector("body[data-host-ready='1']");
      const policy = page.getByTestId("lptw-policy");
      await policy.waitFor();
      await expect(page.getByTestId("lptw-repeat-new").isChecked()).resolves.toBe(true);

      await page.getByTestId("lptw-repeat-attach").check();
      await expect(page.getByTestId("lptw-repeat-pipelines").textContent()).resolves.toContain(main.name);
      await page.getByTestId(`lptw-repeat-pipeline-${main.id}`).check();

      // The LPTracker owner mode lists the project's staff with amoCRM users to pick.
      await page.getByTestId("lptw-assign-mode").selectOption({ label: "Владелец заявки в LPTracker" });
      await expect(page.getByTestId("lptw-staff-line").count()).resolves.toBe(staff.length);
      await expect(page.getByTestId("lptw-staff-map").textContent()).resolves.toContain(staff[0]!.name);

      // Round-robin without users is refused, with the reason in Russian; nothing is stored.
      await page.getByTestId("lptw-assign-mode").selectOption({ label: "По очереди (по кругу)" });
      await page.getByTestId("lptw-policy-save").click();
      await expect(page.getByTestId("lptw-policy-issues").textContent()).resolves.toContain("Отметьте хотя бы одного пользователя");
      expect((await widgetApi<LeadPolicyResponse>("GET", `/api/widget/lead-policy/${projectId}`)).saved).toBe(false);

      await expect(page.getByTestId("lptw-assign-rr").textContent()).resolves.toContain(first!.name);
      await page.getByTestId(`lptw-rr-user-${first!.id}`).check();
      await page.getByTestId(`lptw-rr-user-${second!.id}`).check();
      await page.getByTestId("lptw-contact-owner-wins").check();
      await page.getByTestId("lptw-policy-save").click();
      await page.getByTestId("lptw-policy-saved").waitFor();
      await expect(page.getByTestId("lptw-policy-issues").count()).resolves.toBe(0);
      await policy.scrollIntoViewIfNeeded();
      await screenshot(page, "widget-lead-policy");
      // Chromium logs the refused save's 400 itself; nothing else may fail.
      expect(w.errors).toEqual(["console: Failed to load resource: the server responded with a status of 400 (Bad Request)"]);
    } finally {
      await w.close();
    }

    const saved = await widgetApi<LeadPolicyResponse>("GET", `/api/widget/lead-policy/${projectId}`);
    expect(saved).toMatchObject({ saved: true, repeatMode: "attach", repeatPipelines: [main.id], assignMode: "round_robin", rrUsers: [first!.id, second!.id], contactOwnerWins: true });

    // The next new lead goes to the first user of the round-robin; a repeat from the same phone is a note on it.
    await sb.lpt.createLead(projectId, { name: "Заявка по кругу", contactName: "Мария", phone: "+7 916 700-00-01" });
    const lead = await waitUntil(async () => (await sb.amo.state(sb.demo.accountId)).leads.find((l) => l.name === "Заявка по кругу"), "the lead to reach amoCRM", 40_000);
    expect(lead.responsible_user_id).toBe(first!.id);
    await sb.lpt.createLead(projectId, { name: "Повтор", contactName: "Мария", phone: "+7 916 700-00-01", source: "vk" });
    const note = await waitUntil(async () => (await sb.amo.state(sb.demo.accountId)).notes.find((n) => n.entity_id === lead.id && String(n.params.text).includes("Повторная заявка")), "the repeat note", 40_000);
    expect(String(note.params.text)).toContain("Источник: vk");
    const state = await sb.amo.state(sb.demo.accountId);
    expect(state.leads.filter((l) => l.contact_ids[0] === lead.contact_ids[0])).toHaveLength(1);
    expect(state.tasks.find((x) => x.entity_id === lead.id)?.responsible_user_id).toBe(first!.id);
  });
});
