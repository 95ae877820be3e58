// Repeat requests and who gets the lead, end to end against both simulators: the settings API,
// each repeat mode, each assignment mode (round-robin under concurrency included) and the dry-run.
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { adminFetch, amo, connectLpt, db, deliverLptHooks, eventsOf, installAccount, lpt, settle, widgetFetch, type Connected } from "./harness";
import { auditLog, links } from "../../src/db/schema";
import type { LeadPolicy, LeadPolicyResponse } from "../../src/sync/plan/lead-policy";
import type { DryRunResponse } from "../../src/api-types";

const DEFAULTS: LeadPolicy = { repeatMode: "new", repeatPipelines: [], assignMode: "none", fixedUserId: null, rrUsers: [], staffMap: [], fallbackUserId: null, contactOwnerWins: false };

async function setup() {
  const a = await connectLpt(await installAccount());
  const users = a.info.users.map((u) => u.id);
  const main = a.info.pipelines.find((p) => p.is_main)!;
  const other = a.info.pipelines.find((p) => !p.is_main)!;
  return { ...a, users, main, other };
}

async function savePolicy(a: Connected, policy: Partial<LeadPolicy>): Promise<LeadPolicyResponse> {
  const res = await widgetFetch(a, `/api/widget/lead-policy/${a.projectId}`, { method: "PUT", json: { ...DEFAULTS, ...policy } });
  if (res.status !== 200) throw new Error(`policy save answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as LeadPolicyResponse;
}

async function sync(a: Connected) {
  await deliverLptHooks(a.login);
  await settle(a.accountId);
}

/** LPTracker requests arriving one at a time: each is synced before the next comes. */
async function oneByOne(a: Connected, ...leads: Parameters<typeof lpt.createLead>[1][]): Promise<void> {
  for (const lead of leads) {
    await lpt.createLead(a.projectId, lead);
    await sync(a);
  }
}

/** The responsible user of each named lead, as amoCRM holds it now. */
async function responsibleOf(a: Connected, ...names: string[]): Promise<Record<string, number | undefined>> {
  const state = await amo.state(a.accountId);
  return Object.fromEntries(names.map((name) => [name, state.leads.find((l) => l.name === name)?.responsible_user_id]));
}

async function actions(accountId: number): Promise<string[]> {
  const rows = await db().select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.accountId, accountId)).orderBy(auditLog.id);
  return rows.map((r) => r.action);
}

describe.concurrent("lead policy: settings API", () => {
  it("answers the defaults, saves a policy and refuses ids the account does not have, naming the field", async () => {
    const a = await setup();
    const first = (await (await widgetFetch(a, `/api/widget/lead-policy/${a.projectId}`)).json()) as LeadPolicyResponse;
    expect(first).toMatchObject({ ...DEFAULTS, saved: false, projectId: a.projectId });

    const bad = async (policy: Partial<LeadPolicy> | Record<string, unknown>, field: string) => {
      const res = await widgetFetch(a, `/api/widget/lead-policy/${a.projectId}`, { method: "PUT", json: { ...DEFAULTS, ...policy } });
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(((await res.json()) as { field: string }).field).toBe(field);
    };
    await bad({ assignMode: "fixed", fixedUserId: 999_999 }, "fixedUserId");
    await bad({ repeatMode: "attach", repeatPipelines: [a.main.id, 424242] }, "repeatPipelines.1");
    await bad({ assignMode: "round_robin", rrUsers: [] }, "rrUsers");
    await bad({ repeatMode: "sometimes" }, "repeatMode");
    await bad({ assignMode: "lpt_owner", staffMap: [{ lptStaffId: 1, amoUserId: 999_999 }] }, "staffMap.0.amoUserId");
    // Nothing of the refused saves was stored.
    expect(((await (await widgetFetch(a, `/api/widget/lead-policy/${a.projectId}`)).json()) as LeadPolicyResponse).saved).toBe(false);

    const saved = await savePolicy(a, { repeatMode: "attach", repeatPipelines: [a.main.id], assignMode: "fixed", fixedUserId: a.users[1]! });
    expect(saved).toMatchObject({ saved: true, repeatMode: "attach", repeatPipelines: [a.main.id], fixedUserId: a.users[1] });
    const notAdmin = await widgetFetch(a, `/api/widget/lead-policy/${a.projectId}`, { method: "PUT", json: DEFAULTS, admin: false });
    expect(notAdmin.status).toBe(403);
    expect((await widgetFetch(a, `/api/widget/lead-policy/424242`)).status).toBe(404);
  });
});

describe.concurrent("lead policy: repeat requests", () => {
  it("«attach» beats incoming leads: a repeat request goes to the open lead; a new person still becomes an entry", async () => {
    const a = await setup();
    await lpt.createLead(a.projectId, { name: "Первая заявка", contactName: "Пётр", phone: "+79990020001" });
    await sync(a);
    await savePolicy(a, { repeatMode: "attach" });
    expect((await widgetFetch(a, `/api/widget/unsorted/${a.projectId}`, { method: "PUT", json: { pipelineId: a.main.id } })).status).toBe(200);
    const second = await lpt.createLead(a.projectId, { name: "Вторая заявка", contactName: "Пётр", phone: "+79990020001" });
    await sync(a);
    let state = await amo.state(a.accountId);
    const open = state.leads.find((l) => l.name === "Первая заявка")!;
    expect(state.leads).toHaveLength(1);
    expect((await amo.unsorted(a.accountId)).entries).toEqual([]);
    expect(state.notes.some((n) => n.entity_id === open.id && String(n.params.text).includes("Повторная заявка из LPTracker"))).toBe(true);
    const [link] = await db().select().from(links).where(and(eq(links.accountId, a.accountId), eq(links.kind, "lead"), eq(links.lptId, String(second.id))));
    expect(link?.amoId).toBe(String(open.id));
    expect(await actions(a.accountId)).toContain("lead.repeat_attached");
    expect(await actions(a.accountId)).not.toContain("unsorted.created");

    // The dry-run shows the same decisions, from the same plan step, before anything is synced.
    const dryRun = async (lptLeadId: number) => ((await (await adminFetch(a, "/api/admin/rules/dry-run", { method: "POST", json: { lptLeadId } })).json()) as DryRunResponse).outcome;
    const nina = await lpt.createLead(a.projectId, { name: "Новый человек", contactName: "Нина", phone: "+79990020002" });
    const third = await lpt.createLead(a.projectId, { name: "Третья заявка", contactName: "Пётр", phone: "+79990020001" });
    expect(await dryRun(nina.id)).toMatchObject({ amoLead: { action: "unsorted", pipelineId: a.main.id }, unsorted: { outcome: "entry", pipelineId: a.main.id } });
    expect(await dryRun(third.id)).toMatchObject({ amoLead: { action: "attach", id: open.id }, unsorted: { outcome: "repeat_first", leadId: open.id } });
    await sync(a);
    expect(await dryRun(nina.id)).toMatchObject({ amoLead: { action: "unsorted_note" }, unsorted: { outcome: "joined", why: "linked" } });
    state = await amo.state(a.accountId);
    expect((await amo.unsorted(a.accountId)).entries.filter((e) => e.state === "pending")).toHaveLength(1);
    expect(await actions(a.accountId)).toContain("unsorted.created");
    expect(state.leads.filter((l) => l.name !== "Первая заявка").map((l) => l.name)).not.toContain("Третья заявка");
    expect((await eventsOf(a.accountId)).map((e) => e.status)).toEqual(["done", "done", "done", "done"]);
  });

  it("«attach»: a second request adds a note and a task to the open lead and links to it; nothing new is created", async () => {
    const a = await setup();
    await savePolicy(a, { repeatMode: "attach", assignMode: "fixed", fixedUserId: a.users[2]! });
    await lpt.createLead(a.projectId, { name: "Первая заявка", contactName: "Ольга", phone: "+79990010001" });
    await sync(a);
    const before = (await amo.state(a.accountId)).requests;
    const second = await lpt.createLead(a.projectId, { name: "Вторая заявка", contactName: "Ольга", phone: "8 999 001-00-01", source: "google", campaign: "winter" });
    await sync(a);
    const state = await amo.state(a.accountId);
    // What the repeat request cost amoCRM beyond the contact lookup: one read of the contact's leads, the note and the task.
    const spent = Object.fromEntries(Object.entries(state.requests).map(([k, n]) => [k, n - (before[k] ?? 0)]).filter(([k, n]) => n !== 0 && k !== "GET /api/v4/contacts"));
    expect(spent).toEqual({ "GET /api/v4/leads": 1, "POST /api/v4/leads/notes": 1, "POST /api/v4/tasks": 1 });
    expect(state.leads).toHaveLength(1);
    expect(state.contacts).toHaveLength(1);
    const open = state.leads[0]!;
    expect(open.responsible_user_id).toBe(a.users[2]);
    const note = state.notes.find((n) => n.entity_id === open.id && n.note_type === "common");
    expect(String(note?.params.text)).toContain("Повторная заявка из LPTracker");
    expect(String(note?.params.text)).toContain("Источник: google");
    expect(String(note?.params.text)).toContain("Кампания (utm_campaign): winter");
    expect(String(note?.params.text)).toContain("+79990010001");
    const task = state.tasks.find((x) => x.entity_id === open.id);
    expect(task).toMatchObject({ entity_type: "leads", responsible_user_id: a.users[2], task_type_id: 1 });
    const [link] = await db().select().from(links).where(and(eq(links.accountId, a.accountId), eq(links.kind, "lead"), eq(links.lptId, String(second.id))));
    expect(link?.amoId).toBe(String(open.id));
    expect(await actions(a.accountId)).toContain("lead.repeat_attached");
    expect((await eventsOf(a.accountId)).map((e) => e.status)).toEqual(["done", "done"]);

    // An update of the repeat request leaves the open lead's own fields alone.
    await lpt.updateLead(second.id, { name: "Переименованная вторая" });
    await sync(a);
    const after = await amo.state(a.accountId);
    expect(after.leads).toHaveLength(1);
    expect(after.leads[0]!.name).toBe("Первая заявка");
    expect(await actions(a.accountId)).toContain("lead.repeat_kept");
    const dry = (await (await adminFetch(a, "/api/admin/rules/dry-run", { method: "POST", json: { lptLeadId: second.id } })).json()) as DryRunResponse;
    expect(dry.outcome.amoLead).toMatchObject({ action: "update", id: open.id, placementFrom: "unchanged", customFields: 0 });
    expect(dry.outcome.amoLead?.name).toBeUndefined();
    expect(dry.notes.join(" ")).toContain(`repeat request added to amoCRM lead ${open.id}`);
  });

  it("«attach» only to open leads of the chosen pipelines: elsewhere a new lead", async () => {
    const a = await setup();
    await savePolicy(a, { repeatMode: "attach", repeatPipelines: [a.other.id] });
    await oneByOne(a, { name: "Первая", phone: "+79990020002" }, { name: "Вторая", phone: "+79990020002" });
    const state = await amo.state(a.accountId);
    expect(state.leads).toHaveLength(2);
    expect(state.notes.filter((n) => n.note_type === "common")).toHaveLength(0);
    expect(await actions(a.accountId)).toContain("lead.repeat_new");
  });

  it("«new_if_closed»: a new lead when the last one is closed, otherwise attach to it", async () => {
    const a = await setup();
    await savePolicy(a, { repeatMode: "new_if_closed" });
    await lpt.createLead(a.projectId, { name: "Первая", phone: "+79990030003" });
    await sync(a);
    const [first] = (await amo.state(a.accountId)).leads;
    await amo.moveLeadStatus(a.accountId, first!.id, { status_id: 143, pipeline_id: first!.pipeline_id });
    await lpt.createLead(a.projectId, { name: "Вторая", phone: "+79990030003" });
    await sync(a);
    let state = await amo.state(a.accountId);
    expect(state.leads).toHaveLength(2);
    const secondLead = state.leads.find((l) => l.id !== first!.id)!;
    await lpt.createLead(a.projectId, { name: "Третья", phone: "+79990030003" });
    await sync(a);
    state = await amo.state(a.accountId);
    expect(state.leads).toHaveLength(2);
    expect(state.notes.some((n) => n.entity_id === secondLead.id && String(n.params.text).includes("Повторная заявка"))).toBe(true);
  });

  it("«new» (the default) makes a new lead every time for the same contact", async () => {
    const a = await setup();
    await oneByOne(a, { name: "Первая", phone: "+79990040004" }, { name: "Вторая", phone: "+79990040004" });
    const state = await amo.state(a.accountId);
    expect(state.leads).toHaveLength(2);
    expect(state.contacts).toHaveLength(1);
    expect(state.tasks).toHaveLength(0);
  });
});

describe.concurrent("lead policy: who gets the lead", () => {
  it("round-robin is exactly even over many leads arriving together", async () => {
    const a = await setup();
    const rr = [a.users[0]!, a.users[1]!, a.users[2]!];
    await savePolicy(a, { assignMode: "round_robin", rrUsers: rr });
    for (let i = 0; i < 24; i++) await lpt.createLead(a.projectId, { name: `Заявка ${i}`, phone: `+7999005${String(i).padStart(4, "0")}` });
    await sync(a);
    const state = await amo.state(a.accountId);
    expect(state.leads).toHaveLength(24);
    const per = new Map<number, number>();
    for (const l of state.leads) per.set(l.responsible_user_id, (per.get(l.responsible_user_id) ?? 0) + 1);
    expect(Object.fromEntries(per)).toEqual(Object.fromEntries(rr.map((u) => [u, 8])));
    // A new contact belongs to its lead's manager.
    for (const l of state.leads) expect(state.contacts.find((c) => c.id === l.contact_ids[0])?.responsible_user_id).toBe(l.responsible_user_id);
  });

  it("a rule's responsible user wins over the round-robin, and takes no slot", async () => {
    const a = await setup();
    await savePolicy(a, { assignMode: "round_robin", rrUsers: [a.users[1]!, a.users[2]!] });
    const rule = await adminFetch(a, "/api/admin/rules", {
      method: "POST",
      json: { name: "Опт — администратору", trigger: "lpt.lead.created", conditions: { match: "all", items: [{ field: "lead.name", op: "contains", value: "опт" }] }, actions: [{ type: "set_responsible", userId: a.users[0]! }] },
    });
    expect(rule.status).toBe(201);
    await oneByOne(a, { name: "Заказ опт", phone: "+79990090001" }, { name: "Розница", phone: "+79990090002" });
    // The rule's lead took no turn: the first round-robin lead goes to the first user.
    expect(await responsibleOf(a, "Заказ опт", "Розница")).toEqual({ "Заказ опт": a.users[0], Розница: a.users[1] });
  });

  it("the LPTracker owner through the staff map, the fallback when unmapped", async () => {
    const a = await setup();
    const schema = (await (await widgetFetch(a, `/api/widget/lptracker/projects/${a.projectId}/schema`)).json()) as { staff: { id: number }[] };
    expect(schema.staff.length).toBeGreaterThanOrEqual(2);
    const [mapped, unmapped] = schema.staff;
    await savePolicy(a, { assignMode: "lpt_owner", staffMap: [{ lptStaffId: mapped!.id, amoUserId: a.users[1]! }], fallbackUserId: a.users[2]! });
    await lpt.createLead(a.projectId, { name: "Своя", phone: "+79990060001", ownerId: mapped!.id });
    await lpt.createLead(a.projectId, { name: "Чужая", phone: "+79990060002", ownerId: unmapped!.id });
    await sync(a);
    expect(await responsibleOf(a, "Своя", "Чужая")).toEqual({ Своя: a.users[1], Чужая: a.users[2] });
  });

  it("the contact's own responsible user wins when the project asks for it", async () => {
    const a = await setup();
    const known = await amo.createContact(a.accountId, { name: "Постоянный клиент", responsible_user_id: a.users[2]!, custom_fields_values: [{ field_code: "PHONE", values: [{ value: "+79990070007", enum_code: "WORK" }] }] });
    await savePolicy(a, { assignMode: "fixed", fixedUserId: a.users[1]!, contactOwnerWins: true });
    await lpt.createLead(a.projectId, { name: "От постоянного", phone: "+79990070007" });
    await lpt.createLead(a.projectId, { name: "От нового", phone: "+79990070008" });
    await sync(a);
    expect(await responsibleOf(a, "От постоянного", "От нового")).toEqual({ "От постоянного": a.users[2], "От нового": a.users[1] });
    const state = await amo.state(a.accountId);
    // The found contact keeps its own responsible user.
    expect(state.leads.find((l) => l.name === "От постоянного")?.contact_ids).toEqual([known.id]);
    expect(state.contacts.find((c) => c.id === known.id)?.responsible_user_id).toBe(a.users[2]);
  });
});

describe.concurrent("lead policy: the dry-run shows the decision", () => {
  it("names the open lead a repeat request would go to, and the next round-robin user, writing nothing", async () => {
    const a = await setup();
    await savePolicy(a, { repeatMode: "attach", assignMode: "round_robin", rrUsers: [a.users[1]!, a.users[2]!] });
    await lpt.createLead(a.projectId, { name: "Первая", phone: "+79990080008" });
    await sync(a);
    const [open] = (await amo.state(a.accountId)).leads;
    expect(open?.responsible_user_id).toBe(a.users[1]);
    const repeat = await lpt.createLead(a.projectId, { name: "Повтор", phone: "+79990080008", webhook: false });
    const fresh = await lpt.createLead(a.projectId, { name: "Новая", phone: "+79990080009", webhook: false });
    const dry = async (lptLeadId: number) => {
      const res = await adminFetch(a, "/api/admin/rules/dry-run", { method: "POST", json: { lptLeadId } });
      expect(res.status).toBe(200);
      return ((await res.json()) as DryRunResponse).outcome;
    };
    const attach = await dry(repeat.id);
    expect(attach.amoLead).toMatchObject({ action: "attach", id: open!.id });
    expect(attach.repeat).toMatchObject({ mode: "attach", outcome: "attached", leadId: open!.id, code: "open_lead" });
    expect(attach.notes[0]?.text).toContain("Повторная заявка");
    const create = await dry(fresh.id);
    expect(create.amoLead).toMatchObject({ action: "create", responsibleUserId: a.users[2] });
    expect(create.assignment).toMatchObject({ from: "round_robin", userId: a.users[2] });
    expect(create.repeat).toMatchObject({ outcome: "not_repeat", code: "no_contact" });
    // The dry-run took no slot: the next real lead still goes to the second user.
    const again = await dry(fresh.id);
    expect(again.assignment).toMatchObject({ userId: a.users[2] });
    const state = await amo.state(a.accountId);
    expect(state.leads).toHaveLength(1);
    expect(state.notes.filter((n) => n.note_type === "common")).toHaveLength(0);
  });
});
