// The whole rule chain: the dry-run and the real sync run on the same events and must agree
// (stop, skip, OR/AND nesting, disabled rule, deleted field); an unsaved rule's preview and the
// dry-run write nothing; conditions are checked against the catalogue; every change is versioned.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { adminFetch, amo, connectLpt, deliverAmoHooks, deliverLptHooks, eventsOf, installAccount, lpt, settle, type Connected } from "./harness";
import { makeDb } from "../../src/db/client";
import { tenant } from "../../src/db/tenant";
import { saveMapping } from "../../src/db/mapping";
import { TENANT_TABLES } from "../../src/db/purge";
import { adminSessions, auditLog } from "../../src/db/schema";
import { parseNestedForm } from "../../src/lib/php-form";
import type { DryRunResponse, PreviewResponse, RuleHistoryResponse, RuleListResponse } from "../../src/api-types";
import type { Rule } from "../../src/sync/types";

async function createRule(a: Connected, body: unknown): Promise<Rule> {
  const res = await adminFetch(a, "/api/admin/rules", { method: "POST", json: body });
  if (res.status !== 201) throw new Error(`rule create answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Rule;
}

async function dryRun(a: Connected, body: unknown): Promise<DryRunResponse> {
  const res = await adminFetch(a, "/api/admin/rules/dry-run", { method: "POST", json: body });
  if (res.status !== 200) throw new Error(`dry-run answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as DryRunResponse;
}

/** Every row the account has in every tenant table: what "nothing is written" is checked against. */
async function d1Snapshot(accountId: number): Promise<string> {
  const db = makeDb(env.DB);
  const parts: unknown[] = [];
  // Admin sessions are the test's own sign-ins (each adminFetch opens one), not the dry-run's doing.
  for (const { table, accountId: col } of TENANT_TABLES) if (table !== adminSessions) parts.push(await db.select().from(table).where(eq(col, accountId)));
  return JSON.stringify(parts);
}

const writes = (requests: Record<string, number>) => Object.fromEntries(Object.entries(requests).filter(([k]) => !k.startsWith("GET ")));

async function auditOf(accountId: number, eventId: number) {
  return makeDb(env.DB).select().from(auditLog).where(eq(auditLog.eventId, eventId)).then((rows) => rows.filter((r) => r.accountId === accountId));
}

describe.concurrent("rule chain", () => {
  it("predicts exactly what the sync does: stop, skip, OR/AND nesting, a disabled rule, contact found or created", async () => {
    const a = await connectLpt(await installAccount());
    const second = a.info.pipelines[1]!;
    const status = second.statuses.find((s) => s.type !== 1 && s.id !== 142 && s.id !== 143)!;
    const user = a.info.users.find((u) => !u.is_admin)!;
    const taskType = a.info.task_types[0]!;
    const r1 = await createRule(a, {
      name: "Авито или опт",
      trigger: "lpt.lead.created",
      conditions: { match: "any", items: [{ field: "view.source", op: "eq", value: "avito" }, { field: "lead.name", op: "contains", value: "опт" }] },
      actions: [{ type: "add_tags", tags: ["опт"] }, { type: "set_responsible", userId: user.id }, { type: "stop" }],
    });
    const r2 = await createRule(a, { name: "Спам", trigger: "lpt.lead.created", conditions: { match: "all", items: [{ field: "lead.name", op: "contains", value: "спам" }] }, actions: [{ type: "skip" }] });
    const r3 = await createRule(a, { name: "Выключено", enabled: false, trigger: "lpt.lead.created", conditions: { match: "all", items: [] }, actions: [{ type: "add_tags", tags: ["выключено"] }] });
    const r4 = await createRule(a, {
      name: "Яндекс с телефоном",
      trigger: "lpt.lead.created",
      conditions: { match: "all", items: [{ field: "contact.phone", op: "not_empty" }, { match: "any", items: [{ field: "view.source", op: "contains", value: "yandex" }, { field: "view.keyword", op: "contains", value: "окна" }] }] },
      actions: [
        { type: "set_pipeline", pipelineId: second.id, statusId: status.id },
        { type: "add_note", text: "Из Яндекса" },
        { type: "create_task", text: "Перезвонить", taskTypeId: taskType.id, dueInHours: 3 },
      ],
    });
    const r5 = await createRule(a, { name: "Каждая заявка", trigger: "lpt.lead.created", conditions: { match: "all", items: [] }, actions: [{ type: "add_tags", tags: ["все"] }] });

    // A contact that already exists in amoCRM: the sync must find it, and the dry-run must say so.
    const phoneField = a.info.custom_fields.contacts.find((f) => f.code === "PHONE")!;
    const known = await amo.createContact(a.accountId, { name: "Уже есть", custom_fields_values: [{ field_id: phoneField.id, values: [{ value: "+79990005050", enum_code: "WORK" }] }] });

    const leads = [
      await lpt.createLead(a.projectId, { name: "С Авито", phone: "+79990001010", source: "avito" }),
      await lpt.createLead(a.projectId, { name: "Заказ оптом", phone: "+79990002020", source: "google" }),
      await lpt.createLead(a.projectId, { name: "Это спам", phone: "+79990003030", source: "yandex" }),
      await lpt.createLead(a.projectId, { name: "Окна", phone: "+79990004040", source: "direct", keyword: "пластиковые окна" }),
      await lpt.createLead(a.projectId, { name: "Знакомый", phone: "+79990005050", source: "yandex.direct" }),
    ];
    const amoBefore = await amo.state(a.accountId);
    const lptBefore = await lpt.state(a.login);
    const d1Before = await d1Snapshot(a.accountId);
    const predicted = new Map<number, DryRunResponse>();
    for (const l of leads) predicted.set(l.id, await dryRun(a, { lptLeadId: l.id }));
    // Nothing written anywhere by the dry-runs.
    expect(await d1Snapshot(a.accountId)).toBe(d1Before);
    expect(writes((await amo.state(a.accountId)).requests)).toEqual(writes(amoBefore.requests));
    expect(writes((await lpt.state(a.login)).requests)).toEqual(writes(lptBefore.requests));

    // The chain as the dry-run tells it.
    const statuses = (id: number) => predicted.get(id)!.plan.trace.map((x) => [x.ruleId, x.status]);
    expect(statuses(leads[0]!.id)).toEqual([[r1.id, "matched"], [r2.id, "not_reached"], [r3.id, "disabled"], [r4.id, "not_reached"], [r5.id, "not_reached"]]);
    expect(statuses(leads[2]!.id)).toEqual([[r1.id, "not_matched"], [r2.id, "matched"], [r3.id, "disabled"], [r4.id, "not_reached"], [r5.id, "not_reached"]]);
    expect(statuses(leads[3]!.id)).toEqual([[r1.id, "not_matched"], [r2.id, "not_matched"], [r3.id, "disabled"], [r4.id, "matched"], [r5.id, "matched"]]);
    const nested = predicted.get(leads[3]!.id)!.plan.trace.find((x) => x.ruleId === r4.id)!.conditions!;
    expect(nested.items[1]).toMatchObject({ kind: "group", match: "any", matched: true, items: [{ field: "view.source", matched: false, actual: "direct" }, { field: "view.keyword", matched: true }] });
    expect(predicted.get(leads[2]!.id)!.outcome.stop).toMatchObject({ kind: "skip", ruleId: r2.id });
    expect(predicted.get(leads[4]!.id)!.outcome.contact).toMatchObject({ action: "found", id: known.id, by: "phone" });
    expect(predicted.get(leads[0]!.id)!.outcome.contact).toMatchObject({ action: "create" });

    await deliverLptHooks(a.login);
    await settle(a.accountId);
    const state = await amo.state(a.accountId);
    const events = await eventsOf(a.accountId);
    for (const l of leads) {
      const p = predicted.get(l.id)!;
      const made = state.leads.find((x) => x.name === l.name);
      const event = events.find((e) => e.externalId === String(l.id))!;
      if (p.outcome.stop?.kind === "skip") {
        expect(made, l.name).toBeUndefined();
        expect(event.status).toBe("skipped");
        continue;
      }
      expect(made, l.name).toBeDefined();
      const o = p.outcome.amoLead!;
      expect(o.action).toBe("create");
      expect({ pipeline: made!.pipeline_id, status: made!.status_id }, l.name).toEqual({ pipeline: o.pipelineId, status: o.statusId });
      if (o.responsibleUserId) expect(made!.responsible_user_id, l.name).toBe(o.responsibleUserId);
      expect([...made!.tags].sort(), l.name).toEqual([...o.tags].sort());
      expect(state.notes.filter((n) => n.entity_id === made!.id && n.note_type === "common").map((n) => n.params.text), l.name).toEqual(p.outcome.notes.map((n) => n.text));
      expect(state.tasks.filter((t) => t.entity_id === made!.id).map((t) => [t.text, t.task_type_id]), l.name).toEqual(p.outcome.tasks.map((t) => [t.text, t.taskTypeId]));
      const contactId = made!.contact_ids[0];
      if (p.outcome.contact!.action === "found") expect(contactId, l.name).toBe(p.outcome.contact!.id);
      else expect(amoBefore.contacts.some((c) => c.id === contactId), l.name).toBe(false);
      // The event's audit entry names the rules and versions that shaped it, as the dry-run did.
      const matched = (await auditOf(a.accountId, event.id)).find((x) => x.action === "rules.matched");
      expect((matched?.data as { rules: { id: number; version: number }[] }).rules, l.name).toEqual(p.plan.trace.filter((x) => x.status === "matched").map((x) => ({ id: x.ruleId, name: x.name, version: x.version })));
    }
  });

  it("flags a rule whose amoCRM field was deleted: it skips itself with an audit entry, and the dry-run says why", async () => {
    const a = await connectLpt(await installAccount());
    const pipeline = a.info.pipelines[0]!;
    const open = pipeline.statuses.filter((s) => s.id !== 142 && s.id !== 143 && s.type !== 1);
    await saveMapping(tenant(makeDb(env.DB), a.accountId), a.projectId, [], [{ lptStageId: a.stages[1]!.id, amoPipelineId: pipeline.id, amoStatusId: open[1]!.id, direction: "both" }], null);
    await lpt.createLead(a.projectId, { name: "Для статуса", phone: "+79990006060" });
    await deliverLptHooks(a.login);
    await settle(a.accountId);
    await deliverAmoHooks(a.accountId);
    await settle(a.accountId);
    const dealSource = a.info.custom_fields.leads.find((f) => f.name === "Источник сделки")!;
    const rule = await createRule(a, {
      name: "Источник сделки",
      trigger: "amo.lead.status_changed",
      conditions: { match: "all", items: [{ field: `lead.custom:${dealSource.id}`, op: "eq", value: "Сайт" }] },
      actions: [{ type: "add_note", text: "с сайта" }],
    });
    const after = await createRule(a, { name: "Всегда", trigger: "amo.lead.status_changed", conditions: { match: "all", items: [] }, actions: [{ type: "add_note", text: "статус сменился" }] });
    await amo.deleteCustomField(a.accountId, "leads", dealSource.id);
    expect((await adminFetch(a, "/api/admin/metadata/refresh", { method: "POST" })).status).toBe(200);

    const list = (await (await adminFetch(a, "/api/admin/rules")).json()) as RuleListResponse;
    const flagged = list.items.find((x) => x.id === rule.id)!;
    expect(flagged.issues).toEqual([expect.objectContaining({ kind: "deleted", field: `lead.custom:${dealSource.id}` })]);
    expect(list.items.find((x) => x.id === after.id)!.issues).toBeUndefined();

    const amoLead = (await amo.state(a.accountId)).leads[0]!;
    await amo.moveLeadStatus(a.accountId, amoLead.id, { status_id: open[1]!.id, pipeline_id: pipeline.id });
    // Each webhook item of the move, dry-run as pasted before the sync sees it.
    const predictions: DryRunResponse[] = [];
    for (const hook of await amo.takeOutbox({ accountId: a.accountId, take: false })) {
      const leads = (parseNestedForm(new URLSearchParams(hook.body ?? "")).leads ?? {}) as Record<string, unknown>;
      for (const action of ["update", "status"] as const) {
        for (const item of (leads[action] as Record<string, unknown>[] | undefined) ?? []) predictions.push(await dryRun(a, { payload: item, source: "amocrm", action }));
      }
    }
    const byStatus = predictions.find((p) => p.trigger === "amo.lead.status_changed")!;
    expect(byStatus.plan.trace.map((x) => x.status)).toEqual(["invalid", "matched"]);
    expect(byStatus.outcome.notes.map((n) => n.text)).toEqual(["статус сменился"]);
    expect(byStatus.outcome.lptStage).toMatchObject({ stageId: a.stages[1]!.id, from: "stage_map" });
    await deliverAmoHooks(a.accountId);
    await settle(a.accountId);
    // The sync did what the dry-runs said: the notes they listed and the stage they named.
    const written = (await amo.state(a.accountId)).notes.filter((n) => n.entity_id === amoLead.id && n.note_type === "common").map((n) => n.params.text);
    expect(written).toEqual(predictions.flatMap((p) => p.outcome.notes.map((n) => n.text)));
    expect((await lpt.state(a.login)).leads[0]!.stageId).toBe(predictions.find((p) => p.outcome.lptStage)!.outcome.lptStage!.stageId);
    const event = (await eventsOf(a.accountId)).filter((e) => e.source === "amocrm" && e.action === "status").at(-1)!;
    const steps = await auditOf(a.accountId, event.id);
    const invalid = steps.find((s) => s.action === "rule.invalid");
    expect(invalid?.level).toBe("warn");
    expect(invalid?.message).toContain(String(dealSource.id));
    expect(steps.find((s) => s.action === "rules.matched")?.data).toMatchObject({ rules: [{ id: after.id, version: 1 }] });
    const notes = (await amo.state(a.accountId)).notes.filter((n) => n.entity_id === amoLead.id && n.note_type === "common").map((n) => n.params.text);
    expect(notes).toEqual(["статус сменился"]);
    expect((await lpt.state(a.login)).leads[0]!.stageId).toBe(a.stages[1]!.id);

    const dry = await dryRun(a, { eventId: event.id });
    expect(dry.plan.trace.map((x) => x.status)).toEqual(["invalid", "matched"]);
    expect(dry.plan.trace[0]!.problems![0]).toContain(String(dealSource.id));
  });

  it("runs amoCRM rules on a user's move once per webhook item; the rules' own write is not taken for a change", async () => {
    const a = await connectLpt(await installAccount());
    const pipeline = a.info.pipelines[0]!;
    const open = pipeline.statuses.filter((s) => s.id !== 142 && s.id !== 143 && s.type !== 1);
    await saveMapping(tenant(makeDb(env.DB), a.accountId), a.projectId, [], [{ lptStageId: a.stages[1]!.id, amoPipelineId: pipeline.id, amoStatusId: open[1]!.id, direction: "both" }], null);
    await lpt.createLead(a.projectId, { name: "Движение", phone: "+79990008080" });
    await deliverLptHooks(a.login);
    await settle(a.accountId);
    await deliverAmoHooks(a.accountId);
    await settle(a.accountId);
    await createRule(a, { name: "Любое изменение", trigger: "amo.lead.updated", conditions: { match: "all", items: [] }, actions: [{ type: "add_tags", tags: ["изменено"] }, { type: "add_note", text: "изменение" }] });
    await createRule(a, {
      name: "Переговоры",
      trigger: "amo.lead.status_changed",
      conditions: { match: "all", items: [{ field: "amo.status_id", op: "changed_to", value: open[1]!.id }] },
      actions: [{ type: "add_note", text: "этап сменился" }],
    });
    const amoLead = (await amo.state(a.accountId)).leads[0]!;
    await amo.moveLeadStatus(a.accountId, amoLead.id, { status_id: open[1]!.id, pipeline_id: pipeline.id });
    // The move, then the echo of the rules' own PATCH, then nothing more.
    for (let round = 0; round < 3; round++) {
      await deliverAmoHooks(a.accountId);
      await settle(a.accountId);
    }
    const state = await amo.state(a.accountId);
    const notes = state.notes.filter((n) => n.entity_id === amoLead.id && n.note_type === "common").map((n) => n.params.text as string);
    expect(notes.sort()).toEqual(["изменение", "этап сменился"]);
    expect(state.leads[0]!.tags).toContain("изменено");
    expect((await lpt.state(a.login)).leads[0]!.stageId).toBe(a.stages[1]!.id);
    expect((await eventsOf(a.accountId)).filter((e) => e.status === "failed")).toHaveLength(0);
  });

  it("refuses conditions that do not fit the catalogue with a problem naming them", async () => {
    const a = await connectLpt(await installAccount());
    const bad = async (conditions: unknown, trigger = "lpt.lead.created") => {
      const res = await adminFetch(a, "/api/admin/rules", { method: "POST", json: { name: "Плохое", trigger, conditions, actions: [{ type: "add_tags", tags: ["x"] }] } });
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      return (await res.json()) as { detail: string; field: string };
    };
    const unknown = await bad({ match: "all", items: [{ field: "lead.no_such_field", op: "eq", value: "x" }] });
    expect(unknown.detail).toContain("lead.no_such_field");
    expect(unknown.field).toBe("conditions.items.0.field");
    expect((await bad({ match: "all", items: [{ field: "payments.sum", op: "contains", value: "1" }] })).field).toBe("conditions.items.0.op");
    expect((await bad({ match: "any", items: [{ match: "all", items: [{ field: "payments.sum", op: "gt", value: "много" }] }] })).field).toBe("conditions.items.0.items.0.value");
    const status = await bad({ match: "all", items: [{ field: "amo.status_id", op: "eq", value: 999999999 }] }, "amo.lead.status_changed");
    expect(status.detail).toContain("999999999");
    expect((await adminFetch(a, "/api/admin/rules")).status).toBe(200);
    expect(((await (await adminFetch(a, "/api/admin/rules")).json()) as RuleListResponse).items).toHaveLength(0);
  });

  it("keeps every change with who, when, before and after; restores a version and a deleted rule; events name the version", async () => {
    const a = await connectLpt(await installAccount());
    const rule = await createRule(a, { name: "Метка", trigger: "lpt.lead.created", conditions: { match: "all", items: [] }, actions: [{ type: "add_tags", tags: ["v1"] }] });
    expect(rule.version).toBe(1);
    const put = await adminFetch(a, `/api/admin/rules/${rule.id}`, { method: "PUT", json: { actions: [{ type: "add_tags", tags: ["v2"] }] } });
    expect(((await put.json()) as Rule).version).toBe(2);
    // A save over a version the editor did not load is refused instead of lost.
    const stale = await adminFetch(a, `/api/admin/rules/${rule.id}`, { method: "PUT", json: { name: "Устаревшее", version: 1 } });
    expect(stale.status).toBe(409);
    await adminFetch(a, `/api/admin/rules/${rule.id}`, { method: "PUT", json: { enabled: false, version: 2 } });
    await adminFetch(a, `/api/admin/rules/${rule.id}`, { method: "PUT", json: { enabled: true } });
    const history = (await (await adminFetch(a, `/api/admin/rules/${rule.id}/history`)).json()) as RuleHistoryResponse;
    expect(history.items.map((x) => [x.version, x.change])).toEqual([[4, "enabled"], [3, "disabled"], [2, "updated"], [1, "created"]]);
    const v2 = history.items.find((x) => x.version === 2)!;
    expect(v2.actor).toBe(`amo-user:${a.adminUserId}`);
    expect(v2.before!.actions).toEqual([{ type: "add_tags", tags: ["v1"] }]);
    expect(v2.after!.actions).toEqual([{ type: "add_tags", tags: ["v2"] }]);
    expect(v2.at).toBeGreaterThan(0);

    await lpt.createLead(a.projectId, { name: "Версия", phone: "+79990007070" });
    await deliverLptHooks(a.login);
    await settle(a.accountId);
    const [event] = await eventsOf(a.accountId);
    const shaped = (await auditOf(a.accountId, event!.id)).find((x) => x.action === "rules.matched")!;
    expect(shaped.data).toMatchObject({ rules: [{ id: rule.id, version: 4 }] });
    expect(shaped.message).toContain("v4");
    expect((await amo.state(a.accountId)).leads[0]!.tags).toContain("v2");

    const restored = await adminFetch(a, `/api/admin/rules/${rule.id}/restore`, { method: "POST", json: { version: 1 } });
    expect(restored.status).toBe(200);
    expect((await restored.json()) as Rule).toMatchObject({ version: 5, actions: [{ type: "add_tags", tags: ["v1"] }] });
    expect((await adminFetch(a, `/api/admin/rules/${rule.id}/restore`, { method: "POST", json: { version: 99 } })).status).toBe(404);

    expect((await adminFetch(a, `/api/admin/rules/${rule.id}`, { method: "DELETE" })).status).toBe(204);
    const deleted = (await (await adminFetch(a, "/api/admin/rules/deleted")).json()) as RuleHistoryResponse;
    expect(deleted.items.map((x) => [x.ruleId, x.version, x.change])).toEqual([[rule.id, 6, "deleted"]]);
    const back = await adminFetch(a, `/api/admin/rules/${rule.id}/restore`, { method: "POST", json: { version: 6 } });
    expect(back.status).toBe(200);
    expect((await back.json()) as Rule).toMatchObject({ id: rule.id, version: 7, actions: [{ type: "add_tags", tags: ["v1"] }] });
    expect(((await (await adminFetch(a, "/api/admin/rules/deleted")).json()) as RuleHistoryResponse).items).toHaveLength(0);
  });

  it("previews an unsaved rule on recent events: how many match, which, what changes; nothing is written", async () => {
    const a = await connectLpt(await installAccount());
    const saved = await createRule(a, { name: "Авито стоп", trigger: "lpt.lead.created", conditions: { match: "all", items: [{ field: "view.source", op: "eq", value: "avito" }] }, actions: [{ type: "add_tags", tags: ["авито"] }, { type: "stop" }] });
    for (const [name, source] of [["Первая", "avito"], ["Вторая", "google"], ["Третья", "google"]] as const) {
      await lpt.createLead(a.projectId, { name, phone: `+7999000${Math.floor(1000 + Math.random() * 8999)}`, source });
    }
    await deliverLptHooks(a.login);
    await settle(a.accountId);
    const amoBefore = await amo.state(a.accountId);
    const d1Before = await d1Snapshot(a.accountId);
    const res = await adminFetch(a, "/api/admin/rules/preview", {
      method: "POST",
      json: { rule: { name: "", enabled: true, trigger: "lpt.lead.created", conditions: { match: "all", items: [] }, actions: [{ type: "add_tags", tags: ["новая"] }] } },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as PreviewResponse;
    expect(body.writes).toBe(false);
    expect(body.total).toBe(3);
    expect(body.matched).toBe(3);
    // The avito lead is stopped by the saved rule before the new one: it matches but is not reached.
    expect(body.applied).toBe(2);
    expect(body.changed).toBe(2);
    const byStatus = body.items.map((x) => x.status).sort();
    expect(byStatus).toEqual(["matched", "matched", "not_reached"]);
    const changed = body.items.find((x) => x.status === "matched")!;
    expect(changed.changes).toEqual([{ what: "tags", before: null, after: "новая" }]);

    // Changing the saved rule: dropping its stop lets the avito lead through.
    const edit = await adminFetch(a, "/api/admin/rules/preview", { method: "POST", json: { id: saved.id, rule: { name: saved.name, enabled: true, trigger: saved.trigger, conditions: saved.conditions, actions: [{ type: "add_tags", tags: ["авито"] }] } } });
    expect(((await edit.json()) as PreviewResponse).matched).toBe(1);

    const invalid = await adminFetch(a, "/api/admin/rules/preview", { method: "POST", json: { rule: { name: "", trigger: "lpt.lead.created", conditions: { match: "all", items: [{ field: "lead.no_such_field", op: "eq", value: "x" }] }, actions: [{ type: "add_tags", tags: ["x"] }] } } });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { detail: string }).detail).toContain("lead.no_such_field");

    expect(await d1Snapshot(a.accountId)).toBe(d1Before);
    expect(writes((await amo.state(a.accountId)).requests)).toEqual(writes(amoBefore.requests));
  });
});
