import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { adminFetch, amo, connectLpt, deliverLptHooks, eventsOf, hooksStored, installAccount, lpt, ORIGIN, settle, widgetFetch } from "./harness";

async function setup() {
  return connectLpt(await installAccount());
}

function phonesOf(contact: { custom_fields_values?: { field_code?: string | null; values: { value?: unknown }[] }[] | null }): string[] {
  return (contact.custom_fields_values ?? []).filter((f) => f.field_code === "PHONE").flatMap((f) => f.values.map((v) => String(v.value)));
}

describe.concurrent("LPTracker → amoCRM sync", () => {
  it("turns a new LPTracker lead into exactly one amoCRM contact and lead with its fields and calls", async () => {
    const a = await setup();
    const lead = await lpt.createLead(a.projectId, { name: "Заявка с сайта", contactName: "Иван Петров", phone: "+7 (999) 111-22-33", email: "Ivan@Example.ru", source: "yandex", calls: 2 });
    const delivered = await deliverLptHooks(a.login);
    expect(delivered.map((r) => r.status)).toEqual([200]);
    await settle(a.accountId);
    const state = await amo.state(a.accountId);
    expect(state.contacts).toHaveLength(1);
    expect(state.leads).toHaveLength(1);
    expect(state.contacts[0]!.name).toBe("Иван Петров");
    expect(phonesOf(state.contacts[0]!)).toEqual(["+79991112233"]);
    expect(state.leads[0]!.name).toBe("Заявка с сайта");
    expect(state.leads[0]!.contact_ids).toEqual([state.contacts[0]!.id]);
    expect(state.calls.length + state.notes.filter((n) => n.note_type === "call_in" || n.note_type === "call_out").length).toBeGreaterThanOrEqual(2);
    const events = await eventsOf(a.accountId);
    expect(events.map((e) => e.status)).toEqual(["done"]);
    const card = await widgetFetch(a, `/api/widget/card?entity=leads&id=${state.leads[0]!.id}`);
    const body = (await card.json()) as { leads: { lptLeadId: number; calls: unknown[]; source: { source: string } }[] };
    expect(body.leads).toHaveLength(1);
    expect(body.leads[0]!.lptLeadId).toBe(lead.id);
    expect(body.leads[0]!.calls).toHaveLength(2);
    expect(body.leads[0]!.source.source).toBe("yandex");
  });

  it("creates one lead when the same webhook arrives five times, also concurrently", async () => {
    const a = await setup();
    await lpt.createLead(a.projectId, { name: "Дубль", phone: "89990001122", times: 5 });
    const hooks = await lpt.outbox({ take: true, login: a.login });
    expect(hooks).toHaveLength(5);
    const answers = await Promise.all(hooks.map((h) => SELF.fetch(h.url.replace(/^https?:\/\/[^/]+/, ORIGIN), { method: h.method, headers: h.headers, body: h.body })));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    await hooksStored(answers);
    await settle(a.accountId);
    const state = await amo.state(a.accountId);
    expect(state.leads).toHaveLength(1);
    expect(state.contacts).toHaveLength(1);
    expect(await eventsOf(a.accountId)).toHaveLength(1);
  });

  it("reuses the contact when a second lead writes the phone another way", async () => {
    const a = await setup();
    await lpt.createLead(a.projectId, { name: "Первая", contactName: "Анна", phone: "+7 999 222-33-44" });
    await deliverLptHooks(a.login);
    await settle(a.accountId);
    await lpt.createLead(a.projectId, { name: "Вторая", contactName: "Анна", phone: "8 (999) 2223344", email: "anna@example.ru" });
    await deliverLptHooks(a.login);
    await settle(a.accountId);
    const state = await amo.state(a.accountId);
    expect(state.contacts).toHaveLength(1);
    expect(state.leads).toHaveLength(2);
    expect(new Set(state.leads.map((l) => l.contact_ids[0]))).toEqual(new Set([state.contacts[0]!.id]));
  });

  it("updates the linked lead on an LPTracker update instead of creating another", async () => {
    const a = await setup();
    const lead = await lpt.createLead(a.projectId, { name: "До", phone: "+79993334455" });
    await deliverLptHooks(a.login);
    await settle(a.accountId);
    await lpt.updateLead(lead.id, { name: "После", addCalls: 1 });
    await deliverLptHooks(a.login);
    await settle(a.accountId);
    const state = await amo.state(a.accountId);
    expect(state.leads).toHaveLength(1);
    expect(state.leads[0]!.name).toBe("После");
    expect((await eventsOf(a.accountId)).map((e) => e.status)).toEqual(["done", "done"]);
  });

  it("refuses a wrong LPTracker password with a clear error and saves nothing", async () => {
    const a = await installAccount();
    const user = await lpt.createUser({ projects: 1 });
    const res = await widgetFetch(a, "/api/widget/lptracker", { method: "PUT", json: { login: user.login, password: "wrong-password", projects: [user.projects[0]!.id], consent: true } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { detail: string; field: string; code: string };
    expect(body.code).toBe("lpt_login_failed");
    expect(body.detail).toMatch(/login or password/);
    expect(body.field).toBe("password");
    const view = (await (await widgetFetch(a, "/api/widget/lptracker")).json()) as { connected: boolean };
    expect(view.connected).toBe(false);
  });

  it("marks an event failed with a reason and replays it to success", async () => {
    const a = await setup();
    // The LPTracker password changes and the old token dies: the job cannot log in, a permanent error.
    await lpt.setPassword(a.login, "changed-password-1");
    await lpt.revokeTokens(a.login);
    await lpt.createLead(a.projectId, { name: "Сломается", phone: "+79994445566" });
    await deliverLptHooks(a.login);
    await settle(a.accountId, 60_000);
    let events = await eventsOf(a.accountId);
    expect(events[0]!.status).toBe("failed");
    expect(events[0]!.error).toMatch(/password/);
    // The admin saves the new password in the widget settings, then replays.
    const fixed = await widgetFetch(a, "/api/widget/lptracker", { method: "PUT", json: { login: a.login, password: "changed-password-1", projects: [a.projectId], consent: true } });
    expect(fixed.status).toBe(200);
    const replay = await adminFetch(a, `/api/admin/events/${events[0]!.id}/replay`, { method: "POST" });
    expect(replay.status).toBe(200);
    await settle(a.accountId);
    events = await eventsOf(a.accountId);
    expect(events[0]!.status).toBe("done");
    expect((await amo.state(a.accountId)).leads).toHaveLength(1);
    const detail = (await (await adminFetch(a, `/api/admin/events/${events[0]!.id}`)).json()) as { steps: { action: string }[] };
    expect(detail.steps.map((s) => s.action)).toContain("event.failed");
    expect(detail.steps.map((s) => s.action)).toContain("lead.created");
  });

  it("answers 404 with no detail for an unknown hook key, and 400 for a malformed body while keeping it", async () => {
    const a = await setup();
    const unknown = await SELF.fetch(`${ORIGIN}/hooks/lptracker/${"x".repeat(43)}`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { detail?: string }).detail).toBeUndefined();
    const state = await lpt.state(a.login);
    const hookUrl = state.projects[0]!.callbackUrls[0]!.url.replace(/^https?:\/\/[^/]+/, ORIGIN);
    const bad = await SELF.fetch(hookUrl, { method: "POST", body: "data=%7Bnot-json", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(bad.status).toBe(400);
    const events = await eventsOf(a.accountId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ status: "rejected", payload: "data=%7Bnot-json" });
  });
});
