import { describe, expect, it } from "vitest";
import { adminFetch, amo, connectLpt, deliverLptHooks, eventsOf, installAccount, lpt, settle, widgetFetch } from "./harness";
import type { Rule } from "../../src/sync/types";

async function setup() {
  const a = await connectLpt(await installAccount());
  const second = a.info.pipelines[1] ?? a.info.pipelines[0]!;
  const status = second.statuses.find((s) => s.type !== 1 && s.id !== 142 && s.id !== 143)!;
  return { a, pipeline: second, status, taskType: a.info.task_types[0]! };
}

async function createRule(a: Parameters<typeof adminFetch>[0], body: unknown): Promise<Rule> {
  const res = await adminFetch(a, "/api/admin/rules", { method: "POST", json: body });
  if (res.status !== 201) throw new Error(`rule create answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Rule;
}

describe.concurrent("rules", () => {
  it("routes leads from one source into a pipeline/status with a tag and a task; other sources are untouched", async () => {
    const { a, pipeline, status, taskType } = await setup();
    await createRule(a, {
      name: "Яндекс → вторая воронка",
      trigger: "lpt.lead.created",
      conditions: { match: "all", items: [{ field: "view.source", op: "contains", value: "YANDEX" }] },
      actions: [
        { type: "set_pipeline", pipelineId: pipeline.id, statusId: status.id },
        { type: "add_tags", tags: ["Яндекс"] },
        { type: "create_task", text: "Перезвонить клиенту", taskTypeId: taskType.id, dueInHours: 2 },
      ],
    });
    await lpt.createLead(a.projectId, { name: "Из Яндекса", phone: "+79990001111", source: "yandex.direct" });
    await lpt.createLead(a.projectId, { name: "Из Google", phone: "+79990002222", source: "google" });
    await deliverLptHooks(a.login);
    await settle(a.accountId);
    const state = await amo.state(a.accountId);
    const ya = state.leads.find((l) => l.name === "Из Яндекса")!;
    const go = state.leads.find((l) => l.name === "Из Google")!;
    expect({ pipeline: ya.pipeline_id, status: ya.status_id }).toEqual({ pipeline: pipeline.id, status: status.id });
    expect(ya.tags).toContain("Яндекс");
    expect(go.tags).not.toContain("Яндекс");
    const tasks = state.tasks.filter((t) => t.entity_id === ya.id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ text: "Перезвонить клиенту", task_type_id: taskType.id, entity_type: "leads" });
    expect(state.tasks.filter((t) => t.entity_id === go.id)).toHaveLength(0);
  });

  it("stops later rules after a rule with «stop»", async () => {
    const { a } = await setup();
    await createRule(a, { name: "Первое", trigger: "lpt.lead.created", conditions: { match: "all", items: [] }, actions: [{ type: "add_tags", tags: ["первое"] }, { type: "stop" }] });
    await createRule(a, { name: "Второе", trigger: "lpt.lead.created", conditions: { match: "all", items: [] }, actions: [{ type: "add_tags", tags: ["второе"] }] });
    await lpt.createLead(a.projectId, { name: "Стоп", phone: "+79990003333" });
    await deliverLptHooks(a.login);
    await settle(a.accountId);
    const lead = (await amo.state(a.accountId)).leads[0]!;
    expect(lead.tags).toContain("первое");
    expect(lead.tags).not.toContain("второе");
  });

  it("dry-runs a rule against a recent event and writes nothing", async () => {
    const { a, pipeline, status } = await setup();
    const rule = await createRule(a, {
      name: "Проверка",
      enabled: false,
      trigger: "lpt.lead.created",
      conditions: { match: "any", items: [{ field: "view.source", op: "eq", value: "vk" }, { field: "lead.name", op: "starts_with", value: "тест" }] },
      actions: [{ type: "set_pipeline", pipelineId: pipeline.id, statusId: status.id }],
    });
    await lpt.createLead(a.projectId, { name: "Тестовая заявка", phone: "+79990004444", source: "google" });
    await deliverLptHooks(a.login);
    await settle(a.accountId);
    const before = await amo.state(a.accountId);
    const [event] = await eventsOf(a.accountId);
    // The whole chain: a switched-off rule is listed as such and does nothing.
    const off = await adminFetch(a, `/api/admin/rules/${rule.id}/dry-run`, { method: "POST", json: { eventId: event!.id } });
    expect(off.status).toBe(200);
    const offBody = (await off.json()) as { plan: { matched: number[]; trace: { ruleId: number; status: string }[] }; writes: boolean };
    expect(offBody.writes).toBe(false);
    expect(offBody.plan.matched).toEqual([]);
    expect(offBody.plan.trace).toMatchObject([{ ruleId: rule.id, status: "disabled" }]);
    await adminFetch(a, `/api/admin/rules/${rule.id}`, { method: "PUT", json: { enabled: true } });
    const res = await adminFetch(a, `/api/admin/rules/${rule.id}/dry-run`, { method: "POST", json: { eventId: event!.id } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { plan: { matched: number[]; actions: { type: string }[] }; writes: boolean };
    expect(body.writes).toBe(false);
    expect(body.plan.matched).toEqual([rule.id]);
    expect(body.plan.actions.map((x) => x.type)).toEqual(["set_pipeline"]);
    const after = await amo.state(a.accountId);
    expect(after.leads).toEqual(before.leads);
    expect(Object.entries(after.requests).filter(([k]) => !k.startsWith("GET "))).toEqual(Object.entries(before.requests).filter(([k]) => !k.startsWith("GET ")));
    const pasted = await adminFetch(a, `/api/admin/rules/${rule.id}/dry-run`, { method: "POST", json: { payload: { id: 1, name: "Другое", view: { source: "vk" } } } });
    expect(((await pasted.json()) as { plan: { matched: number[] } }).plan.matched).toEqual([rule.id]);
  });

  it("lists, reorders, disables and deletes rules, refusing bad input with a message", async () => {
    const { a } = await setup();
    const r1 = await createRule(a, { name: "A", trigger: "lpt.lead.created", conditions: { match: "all", items: [] }, actions: [{ type: "add_tags", tags: ["a"] }] });
    const r2 = await createRule(a, { name: "B", trigger: "lpt.lead.created", conditions: { match: "all", items: [] }, actions: [{ type: "add_tags", tags: ["b"] }] });
    const reordered = (await (await adminFetch(a, "/api/admin/rules/reorder", { method: "POST", json: { ids: [r2.id, r1.id] } })).json()) as { items: Rule[] };
    expect(reordered.items.map((r) => r.name)).toEqual(["B", "A"]);
    const off = (await (await adminFetch(a, `/api/admin/rules/${r1.id}`, { method: "PUT", json: { enabled: false } })).json()) as Rule;
    expect(off.enabled).toBe(false);
    expect((await adminFetch(a, `/api/admin/rules/${r2.id}`, { method: "DELETE" })).status).toBe(204);
    const list = (await (await adminFetch(a, "/api/admin/rules")).json()) as { items: Rule[] };
    expect(list.items.map((r) => r.name)).toEqual(["A"]);
    const bad = await adminFetch(a, "/api/admin/rules", { method: "POST", json: { name: "", trigger: "nope", conditions: {}, actions: [] } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail.length).toBeGreaterThan(5);
  });

  it("shows a mapping row broken when its amoCRM field is deleted, and the sync reports it", async () => {
    const { a } = await setup();
    const city = a.info.custom_fields.contacts.find((f) => f.name === "Город")!;
    const save = await widgetFetch(a, `/api/widget/mapping/${a.projectId}`, {
      method: "PUT",
      json: {
        rows: [
          { id: "name", source: "contact.name", target: { entity: "contact", field: "name" }, transform: { kind: "as_is" } },
          { id: "phones", source: "contact.phones", target: { entity: "contact", field: "phone", enumCode: "WORK" }, transform: { kind: "as_is" } },
          { id: "city", source: "view.source", target: { entity: "contact", field: "custom", fieldId: city.id }, transform: { kind: "as_is" } },
        ],
        stageMap: [],
      },
    });
    expect(save.status).toBe(200);
    await amo.deleteCustomField(a.accountId, "contacts", city.id);
    await widgetFetch(a, "/api/widget/metadata/refresh", { method: "POST" });
    const mapping = (await (await widgetFetch(a, `/api/widget/mapping/${a.projectId}`)).json()) as { rows: { id: string; broken?: string }[]; brokenCount: number };
    expect(mapping.brokenCount).toBe(1);
    expect(mapping.rows.find((r) => r.id === "city")!.broken).toBeTruthy();
    await lpt.createLead(a.projectId, { name: "С битым полем", phone: "+79990005555", source: "avito" });
    await deliverLptHooks(a.login);
    await settle(a.accountId);
    expect((await amo.state(a.accountId)).leads).toHaveLength(1);
    const audit = (await (await adminFetch(a, "/api/admin/events")).json()) as { items: { id: number }[] };
    const detail = (await (await adminFetch(a, `/api/admin/events/${audit.items[0]!.id}`)).json()) as { steps: { action: string; message: string }[] };
    const broken = detail.steps.find((s) => s.action === "mapping.broken");
    expect(broken?.message).toMatch(/city/);
  });
});
