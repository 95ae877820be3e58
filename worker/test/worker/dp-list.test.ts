// The widget's Digital Pipeline action and list action end to end against both simulators: the DP
// hook as amoCRM posts it (form and JSON), forged and duplicate hooks, replay, each action; the list
// job with its progress and a result per entity.
import { env, SELF } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { and, eq } from "drizzle-orm";
import { makeDb } from "../../src/db/client";
import { tenant } from "../../src/db/tenant";
import { saveMapping } from "../../src/db/mapping";
import { auditLog, dpKeys, events } from "../../src/db/schema";
import { adminFetch, amo, connectLpt, db, deliverLptHooks, eventsOf, installAccount, lpt, ORIGIN, settle, widgetFetch, type Connected } from "./harness";

const DP_URL = `${ORIGIN}/hooks/amocrm/dp`;
const CODE = "lptracker_sync";

async function setup(): Promise<Connected & { key: string; pipelineId: number; statuses: number[] }> {
  const a = await connectLpt(await installAccount());
  const res = await widgetFetch(a, "/api/widget/actions/options?dp=1");
  expect(res.status).toBe(200);
  const options = (await res.json()) as { dpKey: string; dpWebhookUrl: string; projects: { id: number; stages: { id: number }[] }[] };
  expect(options.dpWebhookUrl).toBe(DP_URL);
  expect(options.projects.map((p) => p.id)).toEqual([a.projectId]);
  expect(options.projects[0]!.stages.map((s) => s.id)).toEqual(a.stages.map((s) => s.id));
  const pipeline = a.info.pipelines[0]!;
  const statuses = pipeline.statuses.filter((s) => s.id !== 142 && s.id !== 143 && (s as { type?: number }).type !== 1).map((s) => s.id);
  return { ...a, key: options.dpKey, pipelineId: pipeline.id, statuses };
}

async function leadWithContact(accountId: number, name: string, phone: string): Promise<number> {
  const contact = await amo.createContact(accountId, { name: `Контакт ${name}`, custom_fields_values: [{ field_code: "PHONE", values: [{ value: phone, enum_code: "WORK" }] }] });
  const lead = await amo.createLead(accountId, { name, _embedded: { contacts: [{ id: contact.id }] } } as never);
  return lead.id;
}

/** Moves the lead into the status in the simulator and delivers only the DP hooks it posted. */
async function moveAndDeliver(a: { accountId: number; pipelineId: number }, leadId: number, statusId: number, format: "form" | "json" = "form"): Promise<{ responses: Response[]; hooks: { body: string; headers: Record<string, string> }[] }> {
  const moved = await amo.moveLeadWithDp(a.accountId, { lead_id: leadId, status_id: statusId, pipeline_id: a.pipelineId, format });
  await amo.takeOutbox({ accountId: a.accountId, take: true });
  const responses = [];
  for (const h of moved.dp_hooks) responses.push(await SELF.fetch(DP_URL, { method: "POST", headers: h.headers, body: h.body }));
  return { responses, hooks: moved.dp_hooks };
}

async function saveAction(a: { accountId: number; pipelineId: number; key: string }, statusId: number, settings: Record<string, string | number>) {
  return amo.saveDpAction(a.accountId, { pipeline_id: a.pipelineId, status_id: statusId, widget_code: CODE, webhook_url: DP_URL, settings: { key: a.key, ...settings } });
}

describe.concurrent("Digital Pipeline action", () => {
  it("creates the LPTracker lead from a form-encoded hook, once, reading the lead from amoCRM", async () => {
    const a = await setup();
    await saveAction(a, a.statuses[1]!, { action: "create_update", project_id: a.projectId });
    const leadId = await leadWithContact(a.accountId, "Сделка из воронки", "+79991112233");
    const { responses, hooks } = await moveAndDeliver(a, leadId, a.statuses[1]!);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]!.headers["content-type"]).toContain("application/x-www-form-urlencoded");
    expect(hooks[0]!.body).toContain(encodeURIComponent("event[data][id]"));
    expect(responses.map((r) => r.status)).toEqual([200]);
    await settle(a.accountId);
    const state = await lpt.state(a.login);
    const created = state.leads.filter((l) => l.name === "Сделка из воронки");
    expect(created).toHaveLength(1);
    expect(created[0]!.view).toMatchObject({ source: "amoCRM" });
    const dp = (await eventsOf(a.accountId)).filter((e) => e.action === "dp");
    expect(dp.map((e) => e.status)).toEqual(["done"]);
    expect(dp[0]!.payload).not.toContain(a.key);
    // LPTracker announces the lead we created: that webhook finds the link and creates no amoCRM twin.
    await deliverLptHooks(a.login);
    await settle(a.accountId);
    expect((await amo.state(a.accountId)).leads.map((l) => l.id)).toEqual([leadId]);

    // The same hook again (amoCRM retries): acknowledged, not run again.
    const again = await SELF.fetch(DP_URL, { method: "POST", headers: hooks[0]!.headers, body: hooks[0]!.body });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { duplicate?: boolean }).duplicate).toBe(true);
    await settle(a.accountId);
    expect((await lpt.state(a.login)).leads.filter((l) => l.name === "Сделка из воронки")).toHaveLength(1);

    // Renamed in amoCRM, entering the stage again: the linked LPTracker lead is updated, not duplicated.
    await amo.updateLead(a.accountId, leadId, { name: "Сделка переименована" } as never);
    await amo.moveLeadWithDp(a.accountId, { lead_id: leadId, status_id: a.statuses[0]!, pipeline_id: a.pipelineId });
    await moveAndDeliver(a, leadId, a.statuses[1]!);
    await settle(a.accountId);
    const after = await lpt.state(a.login);
    expect(after.leads.filter((l) => l.name === "Сделка переименована")).toHaveLength(1);
    expect(after.leads.filter((l) => l.name === "Сделка из воронки")).toHaveLength(0);
  });

  it("accepts the JSON shape too, and moves the LPTracker lead to the chosen stage", async () => {
    const a = await setup();
    const target = a.stages[2]!.id;
    await saveAction(a, a.statuses[1]!, { action: "set_stage", project_id: a.projectId, stage_id: target });
    const leadId = await leadWithContact(a.accountId, "JSON-хук", "+79992223344");
    const { responses, hooks } = await moveAndDeliver(a, leadId, a.statuses[1]!, "json");
    expect(hooks[0]!.headers["content-type"]).toBe("application/json");
    expect(responses.map((r) => r.status)).toEqual([200]);
    await settle(a.accountId);
    const lead = (await lpt.state(a.login)).leads.find((l) => l.name === "JSON-хук");
    expect(lead?.stageId).toBe(target);

    // Linked now: the next stage's action only moves it (one PUT /funnel, no second lead).
    const next = a.stages[3]!.id;
    await saveAction(a, a.statuses[2]!, { action: "set_stage", project_id: a.projectId, stage_id: next });
    const before = (await lpt.state(a.login)).requests;
    await moveAndDeliver(a, leadId, a.statuses[2]!);
    await settle(a.accountId);
    const after = await lpt.state(a.login);
    expect(after.leads.filter((l) => l.name === "JSON-хук").map((l) => l.stageId)).toEqual([next]);
    const funnelCalls = (r: Record<string, number>) => Object.entries(r).filter(([k]) => k.startsWith("PUT /lead/:id/funnel")).reduce((n, [, v]) => n + v, 0);
    expect(funnelCalls(after.requests as Record<string, number>) - funnelCalls(before as Record<string, number>)).toBe(1);
    expect((await eventsOf(a.accountId)).filter((e) => e.action === "dp").map((e) => e.status)).toEqual(["done", "done"]);
  });

  it("adds a comment from the template, once per hook, and replays a skipped one", async () => {
    const a = await setup();
    await saveAction(a, a.statuses[1]!, { action: "comment", project_id: a.projectId, comment: "Сделка {{lead.name}} (№{{lead.id}}) на этапе «{{status}}»" });
    const leadId = await leadWithContact(a.accountId, "С комментарием", "+79993334455");
    // Not linked yet: the comment has nowhere to go, and says so.
    await moveAndDeliver(a, leadId, a.statuses[1]!);
    await settle(a.accountId);
    const [skipped] = (await eventsOf(a.accountId)).filter((e) => e.action === "dp");
    expect(skipped!.status).toBe("skipped");
    expect(skipped!.error).toContain("not linked");

    // Linked by a list action, then the skipped event is replayed from the admin page.
    const start = await widgetFetch(a, "/api/widget/list-sync", { method: "POST", json: { entity: "leads", projectId: a.projectId, countSelected: 1, selected: [{ id: leadId }] } });
    expect(start.status).toBe(202);
    const { jobId } = (await start.json()) as { jobId: number };
    await vi.waitUntil(async () => ((await (await widgetFetch(a, `/api/widget/list-sync/${jobId}`)).json()) as { status: string }).status === "done", { timeout: 60_000, interval: 200 });
    const replay = await adminFetch(a, `/api/admin/events/${skipped!.id}/replay`, { method: "POST" });
    expect(replay.status).toBe(200);
    await settle(a.accountId);
    const lead = (await lpt.state(a.login)).leads.find((l) => l.name === "С комментарием")!;
    const texts = (lead.comments as { text: string }[]).map((c) => c.text);
    expect(texts.filter((t) => t.startsWith("Сделка С комментарием"))).toHaveLength(1);
    const statusName = a.info.pipelines[0]!.statuses.find((s) => s.id === a.statuses[1])!.name;
    expect(texts).toContain(`Сделка С комментарием (№${leadId}) на этапе «${statusName}»`);
    const [done] = (await eventsOf(a.accountId)).filter((e) => e.action === "dp");
    expect(done!.status).toBe("done");
    // Replaying a done comment event does not comment twice.
    await adminFetch(a, `/api/admin/events/${skipped!.id}/replay`, { method: "POST" });
    await settle(a.accountId);
    const again = (await lpt.state(a.login)).leads.find((l) => l.name === "С комментарием")!;
    expect((again.comments as { text: string }[]).filter((c) => c.text.startsWith("Сделка С комментарием"))).toHaveLength(1);
    const audit = await db().select().from(auditLog).where(and(eq(auditLog.accountId, a.accountId), eq(auditLog.action, "lpt.comment_added")));
    expect(audit).toHaveLength(1);
  });

  it("refuses forged hooks: unknown account, wrong or missing key, bad settings; stores nothing to run", async () => {
    const a = await setup();
    const leadId = await leadWithContact(a.accountId, "Подделка", "+79994445566");
    const form = (over: Record<string, string>) =>
      new URLSearchParams({
        "event[type]": "14",
        "event[data][id]": String(leadId),
        "event[data][element_type]": "2",
        "event[data][status_id]": String(a.statuses[1]),
        "event[data][pipeline_id]": String(a.pipelineId),
        "event[time]": "1700000000",
        "action[settings][widget][settings][action]": "create_update",
        "action[settings][widget][settings][project_id]": String(a.projectId),
        "action[settings][widget][settings][key]": a.key,
        account_id: String(a.accountId),
        subdomain: a.subdomain,
        ...over,
      }).toString();
    const post = (body: string, type = "application/x-www-form-urlencoded") => SELF.fetch(DP_URL, { method: "POST", headers: { "content-type": type }, body });
    const other = await installAccount();
    const forged = [
      await post(form({ account_id: "999999999" })),
      await post(form({ "action[settings][widget][settings][key]": "guessed-key" })),
      await post(form({ "action[settings][widget][settings][key]": "" })),
      // Another installed tenant's id with this tenant's key.
      await post(form({ account_id: String(other.accountId) })),
    ];
    expect(forged.map((r) => r.status)).toEqual([404, 403, 403, 403]);
    for (const r of forged) expect(r.headers.get("content-type")).toContain("application/problem+json");
    const bad = await post(form({ "action[settings][widget][settings][action]": "drop_table" }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toContain("drop_table");
    expect((await post("{not json", "application/json")).status).toBe(400);
    expect((await post(`${form({})}&pad=${"x".repeat(1_100_000)}`)).status).toBe(413);
    const rows = await db().select().from(events).where(eq(events.accountId, a.accountId));
    expect(rows.filter((e) => e.action === "dp")).toHaveLength(0);
    const rejected = rows.filter((e) => e.status === "rejected");
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.payload).not.toContain(a.key);
    // The key is sealed at rest, like the other secrets.
    const [stored] = await db().select().from(dpKeys).where(eq(dpKeys.accountId, a.accountId));
    expect(stored!.key).not.toContain(a.key);
    // The genuine one passes.
    expect((await post(form({}))).status).toBe(200);
    await settle(a.accountId);
    expect((await lpt.state(a.login)).leads.some((l) => l.name === "Подделка")).toBe(true);
  });

  it("does not trust the hook's lead: a lead the account does not have is skipped with the reason", async () => {
    const a = await setup();
    const body = {
      event: { type: 14, data: { id: 987654321, element_type: 2, status_id: a.statuses[1], pipeline_id: a.pipelineId }, time: 1700000001 },
      action: { settings: { widget: { settings: { action: "create_update", project_id: a.projectId, key: a.key } } } },
      account_id: a.accountId,
    };
    const res = await SELF.fetch(DP_URL, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    await settle(a.accountId);
    const [ev] = (await eventsOf(a.accountId)).filter((e) => e.action === "dp");
    expect(ev!.status).toBe("skipped");
    expect(ev!.error).toContain("not found");
    expect((await lpt.state(a.login)).leads).toHaveLength(0);
  });
});

interface JobView {
  status: string;
  total: number;
  done: number;
  countSelected: number;
  counts: Record<string, number>;
  items: { type: string; id: number; status: string; reason: string | null; lptLeadIds: number[] }[];
}

describe.concurrent("list action «Синхронизировать с LPTracker»", () => {
  it("syncs selected leads in the background with progress and a result per lead", async () => {
    const a = await setup();
    await saveMapping(tenant(makeDb(env.DB), a.accountId), a.projectId, [], [{ lptStageId: a.stages[1]!.id, amoPipelineId: a.pipelineId, amoStatusId: a.statuses[0]!, direction: "both" }], null);
    const fresh = await leadWithContact(a.accountId, "Новая из списка", "+79995556601");
    const second = await leadWithContact(a.accountId, "Вторая из списка", "+79995556602");
    const noContact = (await amo.createLead(a.accountId, { name: "Без контакта" } as never)).id;
    // Already linked: pushed first, then updated by the list action.
    await leadWithContact(a.accountId, "Уже связана", "+79995556603").then(async (id) => {
      const r = await widgetFetch(a, "/api/widget/list-sync", { method: "POST", json: { entity: "leads", projectId: a.projectId, countSelected: 1, selected: [{ id }] } });
      const { jobId } = (await r.json()) as { jobId: number };
      await vi.waitUntil(async () => ((await (await widgetFetch(a, `/api/widget/list-sync/${jobId}`)).json()) as JobView).status === "done", { timeout: 60_000, interval: 200 });
      return id;
    });
    const linked = (await amo.state(a.accountId)).leads.find((l) => l.name === "Уже связана")!.id;

    const selected = [fresh, second, noContact, linked, 999999991, fresh].map((id) => ({ id }));
    const start = await widgetFetch(a, "/api/widget/list-sync", { method: "POST", json: { entity: "leads", projectId: a.projectId, countSelected: 40, selected } });
    expect(start.status).toBe(202);
    const started = (await start.json()) as { jobId: number; total: number; countSelected: number };
    expect(started.total).toBe(5);
    expect(started.countSelected).toBe(40);
    const seen: number[] = [];
    let view: JobView | null = null;
    await vi.waitUntil(
      async () => {
        view = (await (await widgetFetch(a, `/api/widget/list-sync/${started.jobId}`)).json()) as JobView;
        seen.push(view.done);
        return view.status === "done";
      },
      { timeout: 90_000, interval: 100 },
    );
    const v = view! as JobView;
    expect(v.done).toBe(5);
    expect(seen.every((d, i) => i === 0 || d >= seen[i - 1]!)).toBe(true);
    const by = Object.fromEntries(v.items.map((i) => [i.id, i]));
    expect(by[fresh]!.status).toBe("created");
    expect(by[second]!.status).toBe("created");
    expect(by[noContact]!.status).toBe("skipped");
    expect(by[noContact]!.reason).toContain("no contact");
    expect(by[linked]!.status).toBe("updated");
    expect(by[999999991]!.status).toBe("failed");
    expect(by[999999991]!.reason).toContain("no lead");
    expect(v.counts).toMatchObject({ created: 2, updated: 1, skipped: 1, failed: 1, pending: 0 });
    const lptLeads = (await lpt.state(a.login)).leads;
    const created = lptLeads.find((l) => l.id === by[fresh]!.lptLeadIds[0]);
    expect(created?.name).toBe("Новая из списка");
    // The stage map pairs the lead's amoCRM status with LPTracker stage 1.
    expect(created?.stageId).toBe(a.stages[1]!.id);
    expect(lptLeads.filter((l) => l.name === "Новая из списка")).toHaveLength(1);
  });

  it("syncs a contact's leads and reports per contact; managers and bad input are refused", async () => {
    const a = await setup();
    const contact = await amo.createContact(a.accountId, { name: "Контакт с двумя", custom_fields_values: [{ field_code: "EMAIL", values: [{ value: "two@example.org", enum_code: "WORK" }] }] });
    await amo.createLead(a.accountId, { name: "Первая контакта", _embedded: { contacts: [{ id: contact.id }] } } as never);
    await amo.createLead(a.accountId, { name: "Вторая контакта", _embedded: { contacts: [{ id: contact.id }] } } as never);
    const lonely = await amo.createContact(a.accountId, { name: "Без сделок" });
    const start = await widgetFetch(a, "/api/widget/list-sync", { method: "POST", json: { entity: "contacts", projectId: a.projectId, countSelected: 3, selected: [{ id: contact.id, type: "contact" }, { id: lonely.id, type: "contact" }, { id: 77, type: "company" }] } });
    expect(start.status).toBe(202);
    const { jobId } = (await start.json()) as { jobId: number };
    let view: JobView | null = null;
    await vi.waitUntil(async () => (view = (await (await widgetFetch(a, `/api/widget/list-sync/${jobId}`)).json()) as JobView).status === "done", { timeout: 60_000, interval: 200 });
    const v = view! as JobView;
    expect(v.items.map((i) => [i.type, i.status])).toEqual([
      ["contact", "created"],
      ["contact", "skipped"],
      ["company", "skipped"],
    ]);
    expect(v.items[0]!.lptLeadIds).toHaveLength(2);
    const names = (await lpt.state(a.login)).leads.map((l) => l.name).sort();
    expect(names).toEqual(["Вторая контакта", "Первая контакта"]);

    const manager = await widgetFetch(a, "/api/widget/list-sync", { method: "POST", admin: false, json: { entity: "leads", projectId: a.projectId, countSelected: 1, selected: [{ id: 1 }] } });
    expect(manager.status).toBe(403);
    // The DP key and the list action are for administrators only.
    expect((await widgetFetch(a, "/api/widget/actions/options?dp=1", { admin: false })).status).toBe(403);
    expect((await widgetFetch(a, `/api/widget/list-sync/${jobId}`, { admin: false })).status).toBe(403);
    const empty = await widgetFetch(a, "/api/widget/list-sync", { method: "POST", json: { entity: "leads", projectId: a.projectId, countSelected: 0, selected: [] } });
    expect(empty.status).toBe(400);
    expect(empty.headers.get("content-type")).toContain("application/problem+json");
    const tooMany = await widgetFetch(a, "/api/widget/list-sync", { method: "POST", json: { entity: "leads", projectId: a.projectId, countSelected: 501, selected: Array.from({ length: 501 }, (_, i) => ({ id: i + 1 })) } });
    expect(tooMany.status).toBe(400);
    const wrongProject = await widgetFetch(a, "/api/widget/list-sync", { method: "POST", json: { entity: "leads", projectId: 1, countSelected: 1, selected: [{ id: 1 }] } });
    expect(wrongProject.status).toBe(400);
    const other = await installAccount();
    const foreign = await widgetFetch(other, `/api/widget/list-sync/${jobId}`);
    expect(foreign.status).toBe(404);
  });
});
