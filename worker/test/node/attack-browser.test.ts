// Hostile text from LPTracker (lead and contact names with <script> and <img onerror>) is shown as
// text, never run, in the widget's card and on the admin page — checked in Chromium on the sandbox.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../scripts/sandbox-lib";
import { launchChromium, screenshot, waitUntil, watchedPage, type BrowserHarness } from "./browser-harness";

const LEAD_NAME = `<img src=x onerror="window.__xss='img'">Заявка`;
const CONTACT_NAME = `<script>window.__xss='script'</script>Пётр`;
const RULE_NAME = `<svg onload="window.__xss='svg'">Правило`;

let sb: Sandbox;
let chromium: BrowserHarness;
let amoLeadId: number;
let eventId: number;

beforeAll(async () => {
  sb = await startSandbox({ workerPort: 18937, amoPort: 18938, lptPort: 18939, persistTo: mkdtempSync(path.join(os.tmpdir(), "xss-")), fresh: true, frozen: true, log: () => {} });
  chromium = await launchChromium();
  await sb.lpt.createLead(sb.demo.projectId!, { name: LEAD_NAME, contactName: CONTACT_NAME, phone: "+79261112233" });
  const lead = await waitUntil(async () => (await sb.amo.state(sb.demo.accountId)).leads[0], "the hostile lead to sync", 60_000);
  amoLeadId = lead.id;
}, 240_000);

afterAll(async () => {
  await chromium?.close();
  await sb?.stop();
});

async function adminPage() {
  const res = await fetch(`${sb.workerUrl}/api/widget/admin-link`, { method: "POST", headers: { "x-auth-token": await sb.widgetToken() } });
  const { url } = (await res.json()) as { url: string };
  const w = await watchedPage(chromium.browser, { viewport: { width: 1280, height: 900 } });
  await w.page.goto(url);
  return w;
}

describe("hostile text in Chromium", () => {
  it("shows lead and contact names with markup as text in the widget's card", async () => {
    const w = await watchedPage(chromium.browser, { viewport: { width: 1280, height: 900 } });
    await w.page.goto(`${sb.workerUrl}/dev/amocrm?account_id=${sb.demo.accountId}#/leads/detail/${amoLeadId}`);
    await w.page.waitForSelector("body[data-host-ready='1']");
    const name = w.page.getByTestId("lptw-lead-name");
    await name.waitFor({ timeout: 40_000 });
    expect(await name.textContent()).toBe(LEAD_NAME);
    expect(await w.page.evaluate(() => (window as unknown as { __xss?: string }).__xss)).toBeUndefined();
    expect(await w.page.locator(".lptw-root img[src='x'], .lptw-root script").count()).toBe(0);
    await screenshot(w.page, "attack-widget-card");
    await w.context.close();
  });

  it("shows rule names and event payloads with markup as text on the admin page", async () => {
    const w = await adminPage();
    const create = await w.page.evaluate(async (name) => {
      const res = await fetch("/api/admin/rules", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name, trigger: "lpt.lead.created", conditions: { match: "all", items: [] }, actions: [{ type: "add_tags", tags: ["<b>тег</b>"] }] }),
      });
      return res.status;
    }, RULE_NAME);
    expect(create).toBe(201);
    await w.page.goto(`${sb.workerUrl}/admin/rules`);
    const rule = w.page.getByTestId("rule-name").first();
    await rule.waitFor();
    expect(await rule.textContent()).toContain(RULE_NAME);
    const events = (await w.page.evaluate(async () => (await fetch("/api/admin/events")).json())) as { items: { id: number }[] };
    eventId = events.items[0]!.id;
    await w.page.goto(`${sb.workerUrl}/admin/audit/${eventId}`);
    // The payload sits in a collapsed section: attached is enough to read what it would show.
    const payload = w.page.getByTestId("event-payload");
    await payload.waitFor({ state: "attached" });
    expect(await payload.textContent()).toContain("onerror");
    expect(await w.page.evaluate(() => (window as unknown as { __xss?: string }).__xss)).toBeUndefined();
    expect(await w.page.locator("img[src='x'], svg[onload]").count()).toBe(0);
    await screenshot(w.page, "attack-admin-event");
    await w.context.close();
  }, 240_000);
});
