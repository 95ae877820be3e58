// Incoming leads («Неразобранное») end to end against both simulators: the per-project setting, a
// new LPTracker lead posted as a forms entry with its metadata, the manager's accept (also into an
// existing lead) and decline arriving as amoCRM's unsorted webhooks, repeat requests added to the
// waiting entry, and replays of those webhooks changing nothing.
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { auditLog, links } from "../../src/db/schema";
import { AmoClient } from "../../src/amocrm/client";
import { adminFetch, amo, connectLpt, db, deliverAmoHooks, deliverLptHooks, eventsOf, hooksStored, installAccount, lpt, ORIGIN, settle, widgetFetch, type Connected } from "./harness";

async function setup(): Promise<Connected & { pipelineId: number; unsortedStatus: number }> {
  const a = await connectLpt(await installAccount());
  const pipeline = a.info.pipelines[0]!;
  const res = await widgetFetch(a, `/api/widget/unsorted/${a.projectId}`, { method: "PUT", json: { pipelineId: pipeline.id } });
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ projectId: a.projectId, pipelineId: pipeline.id });
  return { ...a, pipelineId: pipeline.id, unsortedStatus: pipeline.statuses.find((s) => (s as { type?: number }).type === 1)!.id };
}

async function leadLink(accountId: number, lptLeadId: number) {
  const rows = await db().select().from(links).where(and(eq(links.accountId, accountId), eq(links.kind, "lead"), eq(links.lptId, String(lptLeadId))));
  return rows[0] ?? null;
}

async function auditActions(accountId: number): Promise<string[]> {
  return (await db().select().from(auditLog).where(eq(auditLog.accountId, accountId)).orderBy(auditLog.id)).map((r) => r.action);
}

async function newLead(a: Connected, body: Parameters<typeof lpt.createLead>[1]) {
  const lead = await lpt.createLead(a.projectId, body);
  await deliverLptHooks(a.login);
  await settle(a.accountId);
  return lead;
}

async function pendingEntries(accountId: number) {
  return (await amo.unsorted(accountId)).entries.filter((e) => e.state === "pending");
}

/** A new LPTracker lead waiting as an entry, with amoCRM's outbox emptied: what follows is the manager's decision. */
async function waitingEntry(body: Parameters<typeof lpt.createLead>[1]) {
  const a = await setup();
  const lead = await newLead(a, body);
  const [entry] = await pendingEntries(a.accountId);
  await amo.takeOutbox({ accountId: a.accountId, take: true });
  return { a, lead, entry: entry! };
}

/** A later change of the LPTracker lead, delivered and synced. */
async function updateInLpt(a: Connected, lptLeadId: number, change: Parameters<typeof lpt.updateLead>[1]) {
  await lpt.updateLead(lptLeadId, change);
  await deliverLptHooks(a.login);
  await settle(a.accountId);
}

describe.concurrent("incoming leads («Неразобранное»)", () => {
  it("keeps the setting per project: admins only, a known pipeline, and off again", async () => {
    const a = await connectLpt(await installAccount());
    expect(await (await widgetFetch(a, `/api/widget/unsorted/${a.projectId}`)).json()).toEqual({ projectId: a.projectId, pipelineId: null, updatedAt: null });
    const bad = await widgetFetch(a, `/api/widget/unsorted/${a.projectId}`, { method: "PUT", json: { pipelineId: 123 } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    expect((await widgetFetch(a, `/api/widget/unsorted/${a.projectId}`, { method: "PUT", json: { pipelineId: a.info.pipelines[0]!.id }, admin: false })).status).toBe(403);
    expect((await widgetFetch(a, `/api/widget/unsorted/999999`)).status).toBe(404);
    expect((await widgetFetch(a, `/api/widget/unsorted/${a.projectId}`, { method: "PUT", json: { pipelineId: a.info.pipelines[0]!.id } })).status).toBe(200);
    const off = await widgetFetch(a, `/api/widget/unsorted/${a.projectId}`, { method: "PUT", json: { pipelineId: null } });
    expect(await off.json()).toMatchObject({ pipelineId: null });
    // Off: a new lead goes straight into the pipeline as before.
    await newLead(a, { name: "Прямо в воронку", phone: "+79995550001" });
    expect(await pendingEntries(a.accountId)).toEqual([]);
    expect((await amo.state(a.accountId)).leads.map((l) => l.name)).toEqual(["Прямо в воронку"]);
    // The install subscribed amoCRM's unsorted webhook next to the lead events.
    const [hook] = (await amo.state(a.accountId)).webhooks;
    expect(hook!.settings).toEqual(expect.arrayContaining(["update_lead", "status_lead", "delete_unsorted"]));
    // An account installed before incoming leads existed is subscribed when the setting is turned on.
    await new AmoClient(env, a.accountId).post("/api/v4/webhooks", { destination: hook!.destination, settings: ["update_lead", "status_lead"] });
    expect((await amo.state(a.accountId)).webhooks[0]!.settings).not.toContain("delete_unsorted");
    await widgetFetch(a, `/api/widget/unsorted/${a.projectId}`, { method: "PUT", json: { pipelineId: a.info.pipelines[0]!.id } });
    expect((await amo.state(a.accountId)).webhooks[0]!.settings).toContain("delete_unsorted");
  });

  it("posts a new LPTracker lead as one forms entry (a bare array) with form metadata, not as a pipeline lead", async () => {
    const a = await setup();
    const lead = await newLead(a, {
      name: "Заявка с лендинга",
      contactName: "Ольга",
      phone: "+79995550002",
      source: "yandex",
      campaign: "spring",
      view: { address: "https://site.example/landing", referrer: "https://ya.ru/search", ip: "203.0.113.7" },
    });
    const [entry] = await pendingEntries(a.accountId);
    expect(entry).toBeDefined();
    expect(entry!.source_uid).toBe(`lptracker-project-${a.projectId}`);
    expect(entry!.pipeline_id).toBe(a.pipelineId);
    expect(entry!.metadata).toMatchObject({ form_page: "https://site.example/landing", referer: "https://ya.ru/search", ip: "203.0.113.7", form_id: `lptracker-${a.projectId}` });
    expect(String(entry!.metadata.form_name)).toContain("LPTracker");
    expect(Number(entry!.metadata.form_sent_at)).toBeGreaterThan(1_600_000_000);
    expect(entry!.lead).toMatchObject({ name: "Заявка с лендинга", status_id: a.unsortedStatus });
    expect(entry!.contacts.map((c) => c.name)).toEqual(["Ольга"]);
    const state = await amo.state(a.accountId);
    expect(state.requests["POST /api/v4/leads/unsorted/forms"]).toBe(1);
    expect(state.requests["POST /api/v4/leads/complex"]).toBeUndefined();
    const note = state.notes.find((n) => n.entity_id === entry!.lead_id);
    expect(String(note?.params.text)).toContain("utm_source: yandex");
    expect(String(note?.params.text)).toContain("utm_campaign: spring");
    const link = await leadLink(a.accountId, lead.id);
    expect(link?.amoId).toBe(String(entry!.lead_id));
    expect(link?.meta.unsorted).toEqual({ uid: entry!.uid, state: "pending", leadId: String(entry!.lead_id) });
  });

  it("after an accept, the link follows the accepted lead and later LPTracker updates update it; a replayed accept changes nothing", async () => {
    const { a, lead, entry } = await waitingEntry({ name: "Принять", phone: "+79995550003" });
    await amo.acceptUnsorted(a.accountId, entry.uid);
    const hooks = await amo.takeOutbox({ accountId: a.accountId, take: true });
    const acceptHook = hooks.find((h) => new URLSearchParams(h.body).get("unsorted[delete][0][action]") === "accept")!;
    expect(new URLSearchParams(acceptHook.body).get("unsorted[delete][0][uid]")).toBe(entry.uid);
    const post = (h: (typeof hooks)[number]) => SELF.fetch(h.url.replace(/^https?:\/\/[^/]+/, ORIGIN), { method: h.method, headers: h.headers, body: h.body });
    const answers = [];
    for (const h of hooks) answers.push(await post(h));
    expect(answers.map((r) => r.status)).toEqual(hooks.map(() => 200));
    await hooksStored(answers);
    await settle(a.accountId);
    const accepted = (await eventsOf(a.accountId)).filter((e) => e.action === "unsorted_accept");
    expect(accepted.map((e) => e.status)).toEqual(["done"]);
    expect((await leadLink(a.accountId, lead.id))?.meta.unsorted).toMatchObject({ state: "accepted", leadId: String(entry.lead_id) });

    await updateInLpt(a, lead.id, { name: "Принять: обновлено" });
    const state = await amo.state(a.accountId);
    expect(state.leads.map((l) => [l.id, l.name])).toEqual([[entry.lead_id, "Принять: обновлено"]]);
    expect(state.requests["POST /api/v4/leads/unsorted/forms"]).toBe(1);

    // The same webhook again is a duplicate; a replay from the admin page finds nothing to change.
    const again = await post(acceptHook);
    await hooksStored([again]);
    expect((await eventsOf(a.accountId)).filter((e) => e.action === "unsorted_accept")).toHaveLength(1);
    const replay = await adminFetch(a, `/api/admin/events/${accepted[0]!.id}/replay`, { method: "POST" });
    expect(replay.status).toBe(200);
    await settle(a.accountId);
    const replayed = (await eventsOf(a.accountId)).find((e) => e.id === accepted[0]!.id)!;
    expect(replayed.status).toBe("skipped");
    expect(replayed.error).toContain("already accepted");
    expect((await leadLink(a.accountId, lead.id))?.amoId).toBe(String(entry.lead_id));
  });

  it("follows an accept into an existing lead: later updates go to that lead", async () => {
    const a = await setup();
    const lead = await newLead(a, { name: "В существующую", phone: "+79995550004" });
    const [entry] = await pendingEntries(a.accountId);
    const existing = await amo.createLead(a.accountId, { name: "Старая сделка" });
    await amo.takeOutbox({ accountId: a.accountId, take: true });
    await amo.acceptUnsorted(a.accountId, entry!.uid, { lead_id: existing.id });
    await deliverAmoHooks(a.accountId);
    await settle(a.accountId);
    expect((await leadLink(a.accountId, lead.id))?.amoId).toBe(String(existing.id));
    await updateInLpt(a, lead.id, { name: "В существующую: обновлено" });
    const state = await amo.state(a.accountId);
    expect(state.leads.map((l) => [l.id, l.name])).toEqual([[existing.id, "В существующую: обновлено"]]);
  });

  it("after a decline, a later update of the same LPTracker lead creates nothing and the audit says why", async () => {
    const { a, lead, entry } = await waitingEntry({ name: "Отклонить", phone: "+79995550005" });
    await amo.declineUnsorted(a.accountId, entry.uid);
    await deliverAmoHooks(a.accountId);
    await settle(a.accountId);
    expect((await leadLink(a.accountId, lead.id))?.meta.unsorted).toMatchObject({ state: "declined" });
    await updateInLpt(a, lead.id, { name: "Отклонить: ещё раз" });
    const state = await amo.state(a.accountId);
    expect(state.leads).toEqual([]);
    expect(state.requests["POST /api/v4/leads/unsorted/forms"]).toBe(1);
    expect(state.requests["POST /api/v4/leads/complex"]).toBeUndefined();
    const actions = await auditActions(a.accountId);
    expect(actions).toContain("unsorted.declined");
    expect(actions).toContain("unsorted.declined_kept");
    const last = (await eventsOf(a.accountId)).filter((e) => e.source === "lptracker").at(-1)!;
    expect(last.status).toBe("skipped");
  });

  it("adds a repeat request of the same person to the waiting entry instead of a second one; the accept moves both links", async () => {
    const a = await setup();
    const first = await newLead(a, { name: "Первая заявка", contactName: "Пётр", phone: "+79995550006" });
    const second = await newLead(a, { name: "Вторая заявка", contactName: "Пётр", phone: "+7 999 555-00-06", source: "google" });
    const entries = await pendingEntries(a.accountId);
    expect(entries).toHaveLength(1);
    const entry = entries[0]!;
    const state = await amo.state(a.accountId);
    expect(state.requests["POST /api/v4/leads/unsorted/forms"]).toBe(1);
    const notes = state.notes.filter((n) => n.entity_id === entry.lead_id).map((n) => String(n.params.text));
    expect(notes.some((t) => t.startsWith("Повторная заявка") && t.includes(`лид ${second.id}`) && t.includes("utm_source: google"))).toBe(true);
    expect((await leadLink(a.accountId, second.id))?.meta.unsorted).toMatchObject({ uid: entry.uid, state: "pending" });
    expect(await auditActions(a.accountId)).toContain("unsorted.repeat_added");

    await amo.takeOutbox({ accountId: a.accountId, take: true });
    await amo.acceptUnsorted(a.accountId, entry.uid);
    await deliverAmoHooks(a.accountId);
    await settle(a.accountId);
    for (const id of [first.id, second.id]) expect((await leadLink(a.accountId, id))?.meta.unsorted).toMatchObject({ state: "accepted", leadId: String(entry.lead_id) });
  });
});
