// Specification: a burst of LPTracker leads shares amoCRM requests (one lookup, one `leads/complex`
// for many leads) and keeps every guarantee of a single sync: people found whatever way their
// phone is written, a contact a manager made seconds before still matched, a number in another
// field never taken for a phone, nobody created twice, every event finished with its audit trail;
// echoes of our own writes cost nothing, and a forged amoCRM status moves nothing.
import { runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { and, eq, inArray } from "drizzle-orm";
import { env } from "cloudflare:test";
import { adminFetch, amo, connectLpt, db, deliverAmoHooks, deliverLptHooks, eventsOf, hooksStored, installAccount, lpt, ORIGIN, settle, widgetFetch } from "./harness";
import { accounts as accountsTable, auditLog, events as eventsTable } from "../../src/db/schema";
import { makeDb } from "../../src/db/client";
import { tenant } from "../../src/db/tenant";
import { saveMapping } from "../../src/db/mapping";
import { createRule } from "../../src/db/rules";
import { amoGate } from "../../src/amocrm/gate";
import { startDrain } from "../../src/sync/run/hold";

type CF = { field_code?: string | null; values: { value?: unknown }[] }[] | null | undefined;

const digits10 = (v: string) => v.replace(/\D/g, "").slice(-10);
const phonesOf = (c: { custom_fields_values?: CF }) => (c.custom_fields_values ?? []).filter((f) => f.field_code === "PHONE").flatMap((f) => f.values.map((v) => digits10(String(v.value))));
const emailsOf = (c: { custom_fields_values?: CF }) => (c.custom_fields_values ?? []).filter((f) => f.field_code === "EMAIL").flatMap((f) => f.values.map((v) => String(v.value).toLowerCase()));

function sum(requests: Record<string, number>, prefix = ""): number {
  return Object.entries(requests)
    .filter(([k]) => k.startsWith(prefix))
    .reduce((n, [, v]) => n + v, 0);
}

/** Five ways people write one Russian mobile number. */
function written(d: string, i: number): string {
  return [`+7 (${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6, 8)}-${d.slice(8)}`, `8${d}`, `7${d}`, `+7 ${d.slice(0, 3)} ${d.slice(3)}`, `8 (${d.slice(0, 3)}) ${d.slice(3)}`][i % 5]!;
}

describe.concurrent("LPTracker → amoCRM sync under a burst", () => {
  it("lands a burst with shared requests and the single-lead guarantees", async () => {
    const a = await connectLpt(await installAccount());
    // A first lead fills the contact index, so the burst below runs on it.
    await lpt.createLead(a.projectId, { name: "Первая", contactName: "Первый", phone: "+79160000100" });
    await deliverLptHooks(a.login);
    await settle(a.accountId);

    // Seconds before the burst a manager adds a contact by hand, another contact carries a
    // contract number made of a burst lead's digits, a third is known by e-mail only.
    const manual = await amo.createContact(a.accountId, { name: "Создан менеджером", custom_fields_values: [{ field_code: "PHONE", values: [{ value: "8 (916) 555-00-01", enum_code: "MOB" }] }] });
    const trap = await amo.createContact(a.accountId, {
      name: "Договор 9165550002",
      custom_fields_values: [
        { field_code: "POSITION", values: [{ value: "Договор №9165550002" }] },
        { field_code: "PHONE", values: [{ value: "+79160000999", enum_code: "WORK" }] },
      ],
    });
    const byMail = await amo.createContact(a.accountId, { name: "Известен по почте", custom_fields_values: [{ field_code: "EMAIL", values: [{ value: "known@example.ru", enum_code: "WORK" }] }] });
    const before = await amo.state(a.accountId);
    const lptBefore = await lpt.state(a.login);

    const fresh = 36;
    for (let i = 0; i < fresh; i++) {
      const d = `917${String(3_000_000 + i * 37).padStart(7, "0")}`;
      await lpt.createLead(a.projectId, { name: `Всплеск ${i}`, contactName: `Новый ${i}`, phone: written(d, i), ...(i % 2 ? {} : { email: `new${i}@example.ru` }) });
    }
    await lpt.createLead(a.projectId, { name: "К менеджерскому", contactName: "Тот же человек", phone: "+7 916 555 00 01" });
    await lpt.createLead(a.projectId, { name: "Ловушка договора", contactName: "Другой человек", phone: "9165550002" });
    await lpt.createLead(a.projectId, { name: "Дважды 1", contactName: "Повторный", phone: "+79165550003" });
    await lpt.createLead(a.projectId, { name: "Дважды 2", contactName: "Повторный", phone: "8 916 555-00-03", email: "twice@example.ru" });
    await lpt.createLead(a.projectId, { name: "По почте", contactName: "Почтовый", email: "KNOWN@example.ru" });
    const delivered = await deliverLptHooks(a.login);
    expect(delivered.every((r) => r.status === 200)).toBe(true);
    await settle(a.accountId, 180_000);

    const after = await amo.state(a.accountId);
    const leads = after.leads.filter((l) => !before.leads.some((b) => b.id === l.id));
    expect(leads).toHaveLength(fresh + 5);
    expect(new Set(leads.map((l) => l.name)).size).toBe(leads.length);
    const contact = (id: number | undefined) => after.contacts.find((c) => c.id === id)!;
    const leadNamed = (name: string) => leads.find((l) => l.name === name)!;

    // The manager's contact matched across formats; the contract number did not count as a phone.
    expect(leadNamed("К менеджерскому").contact_ids).toEqual([manual.id]);
    const trapLead = leadNamed("Ловушка договора");
    expect(trapLead.contact_ids).not.toContain(trap.id);
    expect(phonesOf(contact(trapLead.contact_ids[0]))).toEqual(["9165550002"]);
    // One person, two leads, one contact; a person known only by e-mail found by it.
    expect(leadNamed("Дважды 1").contact_ids).toEqual(leadNamed("Дважды 2").contact_ids);
    expect(leadNamed("По почте").contact_ids).toEqual([byMail.id]);
    // Never an unrelated contact: each burst lead's contact holds that lead's own number or address.
    for (let i = 0; i < fresh; i++) {
      const l = leadNamed(`Всплеск ${i}`);
      const c = contact(l.contact_ids[0]);
      expect(phonesOf(c)).toEqual([`917${String(3_000_000 + i * 37).padStart(7, "0")}`]);
      if (i % 2 === 0) expect(emailsOf(c)).toEqual([`new${i}@example.ru`]);
    }
    // Nobody twice: every phone in amoCRM belongs to one contact.
    const allPhones = after.contacts.flatMap((c) => phonesOf(c));
    expect(new Set(allPhones).size).toBe(allPhones.length);

    // Every event finished, each with its audit trail.
    const evs = (await eventsOf(a.accountId)).filter((e) => e.source === "lptracker");
    expect(evs.every((e) => e.status === "done")).toBe(true);
    const finished = await db()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.accountId, a.accountId), eq(auditLog.action, "event.done"), inArray(auditLog.eventId, evs.map((e) => e.id))));
    expect(new Set(finished.map((r) => r.eventId)).size).toBe(evs.length);

    // Shared requests: far fewer `leads/complex` calls and lookups than leads, no LPTracker re-reads,
    // and the budget held.
    const burst = fresh + 5;
    const complexCalls = (after.requests["POST /api/v4/leads/complex"] ?? 0) - (before.requests["POST /api/v4/leads/complex"] ?? 0);
    expect(complexCalls).toBeLessThanOrEqual(burst / 2);
    const contactReads = sum(after.requests, "GET /api/v4/contacts") - sum(before.requests, "GET /api/v4/contacts");
    expect(contactReads).toBeLessThan(burst / 2);
    const lptAfter = await lpt.state(a.login);
    expect((lptAfter.requests["GET /lead/:id"] ?? 0) - (lptBefore.requests["GET /lead/:id"] ?? 0)).toBe(0);
    expect(after.rate.peak).toBeLessThanOrEqual(7);
    expect(after.rate.too_many_requests).toBe(0);
  });

  it("never takes a stale index entry on trust: a contact gone or without the number is not used", async () => {
    const a = await connectLpt(await installAccount());
    await lpt.createLead(a.projectId, { name: "Заполняет индекс", phone: "+79170009900" });
    await deliverLptHooks(a.login);
    await settle(a.accountId);
    const other = await amo.createContact(a.accountId, { name: "Чужой", custom_fields_values: [{ field_code: "PHONE", values: [{ value: "+79170009911", enum_code: "WORK" }] }] });
    // The index says +79170009922 is that contact's and +79170009933 belongs to a contact that is
    // gone; its watermark says nothing changed since, so only the read-back can tell.
    await runInDurableObject(amoGate(env, a.accountId), async (gate, state) => {
      state.storage.sql.exec("INSERT INTO contact_keys (key, contact_id) VALUES (?, ?)", "p:+79170009922", other.id);
      state.storage.sql.exec("INSERT INTO contact_keys (key, contact_id) VALUES (?, ?)", "p:+79170009933", 999_999_999);
      await state.storage.put("contact_index", { watermark: Math.floor(Date.now() / 1000) + 3600, freshAt: 0 });
      (gate as unknown as { index: unknown }).index = null;
    });
    await lpt.createLead(a.projectId, { name: "Не к чужому", contactName: "Первый", phone: "+7 917 000-99-22" });
    await lpt.createLead(a.projectId, { name: "Не к пропавшему", contactName: "Второй", phone: "89170009933" });
    await deliverLptHooks(a.login);
    await settle(a.accountId);
    const state = await amo.state(a.accountId);
    const contactOf = (name: string) => state.contacts.find((c) => c.id === state.leads.find((l) => l.name === name)!.contact_ids[0])!;
    expect(contactOf("Не к чужому").id).not.toBe(other.id);
    expect(phonesOf(contactOf("Не к чужому"))).toEqual(["9170009922"]);
    expect(phonesOf(contactOf("Не к пропавшему"))).toEqual(["9170009933"]);
    expect(phonesOf(state.contacts.find((c) => c.id === other.id)!)).toEqual(["9170009911"]);
    expect((await eventsOf(a.accountId)).every((e) => e.status === "done")).toBe(true);
  });

  it("fails only the lead amoCRM refuses, with its reason, and lands the rest of its shared call", async () => {
    const a = await connectLpt(await installAccount());
    // A rule gives one lead a responsible user amoCRM does not have: amoCRM refuses that lead.
    await createRule(tenant(makeDb(env.DB), a.accountId), {
      name: "Несуществующий ответственный",
      enabled: true,
      trigger: "lpt.lead.created",
      conditions: { match: "all", items: [{ field: "lead.name", op: "contains", value: "Сломанный" }] },
      actions: [{ type: "set_responsible", userId: 987_654_321 }],
    });
    const n = 12;
    for (let i = 0; i < n; i++) await lpt.createLead(a.projectId, { name: i === 5 ? "Сломанный" : `Целый ${i}`, contactName: `Клиент ${i}`, phone: `+7919${String(5_000_000 + i).padStart(7, "0")}` });
    await deliverLptHooks(a.login);
    await settle(a.accountId, 120_000);
    const state = await amo.state(a.accountId);
    expect(state.leads.map((l) => l.name).sort()).toEqual(Array.from({ length: n }, (_, i) => `Целый ${i}`).filter((_, i) => i !== 5).sort());
    const evs = await eventsOf(a.accountId);
    expect(evs.filter((e) => e.status === "done")).toHaveLength(n - 1);
    const failed = evs.filter((e) => e.status === "failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]!.error).toMatch(/responsible_user_id/);
    const audit = await db()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.accountId, a.accountId), eq(auditLog.action, "event.failed"), eq(auditLog.eventId, failed[0]!.id)));
    expect(audit).toHaveLength(1);
  });

  it("updates a burst of linked leads with shared reads and writes", async () => {
    const a = await connectLpt(await installAccount());
    const n = 30;
    const created = [];
    for (let i = 0; i < n; i++) created.push(await lpt.createLead(a.projectId, { name: `До ${i}`, contactName: `Клиент ${i}`, phone: `+7918${String(4_000_000 + i).padStart(7, "0")}` }));
    await deliverLptHooks(a.login);
    await settle(a.accountId, 120_000);
    const before = await amo.state(a.accountId);
    const lptBefore = await lpt.state(a.login);
    for (const [i, l] of created.entries()) await lpt.updateLead(l.id, { name: `После ${i}` });
    await deliverLptHooks(a.login);
    await settle(a.accountId, 120_000);
    const after = await amo.state(a.accountId);
    expect(after.leads.map((l) => l.name).sort()).toEqual(created.map((_, i) => `После ${i}`).sort());
    expect(after.contacts).toHaveLength(n);
    // One list read and one PATCH carry many leads (a read and a PATCH per lead would be 2n); the
    // contacts already hold what is mapped. How many leads share one request depends on how the queue
    // hands out the burst: 3 requests on a quiet machine, 16 once beside a CPU hog, so the bound is n.
    expect(sum(after.requests) - sum(before.requests)).toBeLessThan(n);
    expect((after.requests["PATCH /api/v4/leads/{id}"] ?? 0) - (before.requests["PATCH /api/v4/leads/{id}"] ?? 0)).toBe(0);
    expect((after.requests["PATCH /api/v4/contacts"] ?? 0) - (before.requests["PATCH /api/v4/contacts"] ?? 0)).toBe(0);
    expect(sum((await lpt.state(a.login)).requests)).toBe(sum(lptBefore.requests));
    expect((await eventsOf(a.accountId)).every((e) => e.status === "done")).toBe(true);
  });

  it("re-reads a lead whose callback lacks what we need, and never trusts an older callback over a newer one", async () => {
    const a = await connectLpt(await installAccount());
    const lead = await lpt.createLead(a.projectId, { name: "Исходная", phone: "+79170001122" });
    const [hook] = await lpt.outbox({ take: true, login: a.login });
    const body = JSON.parse(new URLSearchParams(hook!.body!).get("data") ?? hook!.body!) as Record<string, unknown>;
    // Without calls_records the callback is incomplete: the lead is read from LPTracker.
    delete body.calls_records;
    const before = await lpt.state(a.login);
    const res = await SELF.fetch(hook!.url.replace(/^https?:\/\/[^/]+/, ORIGIN), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    await hooksStored([res]);
    await settle(a.accountId);
    const mid = await lpt.state(a.login);
    expect((mid.requests["GET /lead/:id"] ?? 0) - (before.requests["GET /lead/:id"] ?? 0)).toBe(1);

    // A newer complete update is applied as it is; the older one replayed afterwards is re-read.
    await lpt.updateLead(lead.id, { name: "Новее" });
    const [update] = await lpt.outbox({ take: true, login: a.login });
    await hooksStored([await SELF.fetch(update!.url.replace(/^https?:\/\/[^/]+/, ORIGIN), { method: update!.method, headers: update!.headers, body: update!.body })]);
    await settle(a.accountId);
    const stale = { ...body, calls_records: [], name: "Старое имя", action_timestamp: Number(body.action_timestamp) - 1 };
    await hooksStored([await SELF.fetch(hook!.url.replace(/^https?:\/\/[^/]+/, ORIGIN), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(stale) })]);
    await settle(a.accountId);
    const after = await lpt.state(a.login);
    expect((after.requests["GET /lead/:id"] ?? 0) - (mid.requests["GET /lead/:id"] ?? 0)).toBe(1);
    const state = await amo.state(a.accountId);
    expect(state.leads).toHaveLength(1);
    expect(state.leads[0]!.name).toBe("Новее");
  });
});

async function linkedLead() {
  const a = await connectLpt(await installAccount());
  const pipeline = a.info.pipelines[0]!;
  const open = pipeline.statuses.filter((s) => s.id !== 142 && s.id !== 143 && (s as { type?: number }).type !== 1);
  await saveMapping(tenant(makeDb(env.DB), a.accountId), a.projectId, [], [
    { lptStageId: a.stages[0]!.id, amoPipelineId: pipeline.id, amoStatusId: open[0]!.id, direction: "both" },
    { lptStageId: a.stages[1]!.id, amoPipelineId: pipeline.id, amoStatusId: open[1]!.id, direction: "both" },
    { lptStageId: a.stages[2]!.id, amoPipelineId: pipeline.id, amoStatusId: open[2]!.id, direction: "both" },
  ], null);
  const lead = await lpt.createLead(a.projectId, { name: "Связанная", phone: "+79175556677", stageId: a.stages[0]!.id });
  await deliverLptHooks(a.login);
  await settle(a.accountId);
  const amoLead = (await amo.state(a.accountId)).leads[0]!;
  return { a, lead, amoLead, pipeline, open };
}

describe.concurrent("echoes and forged statuses", () => {
  it("spends no request on the echoes of our own writes, on either side", async () => {
    const { a, lead, amoLead, pipeline, open } = await linkedLead();
    // amoCRM's webhooks about the lead we created.
    let amoBefore = await amo.state(a.accountId);
    let lptBefore = await lpt.state(a.login);
    await deliverAmoHooks(a.accountId);
    await settle(a.accountId);
    expect(sum((await amo.state(a.accountId)).requests)).toBe(sum(amoBefore.requests));
    expect(sum((await lpt.state(a.login)).requests)).toBe(sum(lptBefore.requests));

    // A manager moves the lead; we move LPTracker (one read of amoCRM, one stage write).
    await amo.moveLeadStatus(a.accountId, amoLead.id, { status_id: open[1]!.id, pipeline_id: pipeline.id });
    await deliverAmoHooks(a.accountId);
    await settle(a.accountId);
    expect((await lpt.state(a.login)).leads.find((l) => l.id === lead.id)!.stageId).toBe(a.stages[1]!.id);

    // LPTracker's callback about our stage write waits while the widget is switched off: the
    // dry-run of that waiting event predicts the echo skip the sync then makes.
    await db().update(accountsTable).set({ pausedAt: Date.now() }).where(eq(accountsTable.accountId, a.accountId));
    const echoes = await deliverLptHooks(a.login);
    await settle(a.accountId);
    const waiting = (await eventsOf(a.accountId)).filter((e) => e.source === "lptracker" && e.status === "paused");
    expect(waiting).toHaveLength(1);
    const dry = await adminFetch(a, "/api/admin/rules/dry-run", { method: "POST", json: { eventId: waiting[0]!.id } });
    expect(dry.status).toBe(200);
    const predicted = (await dry.json()) as { outcome: { stop: { kind: string; reason: string } | null } };
    expect(predicted.outcome.stop).toMatchObject({ kind: "nothing" });
    expect(predicted.outcome.stop!.reason).toMatch(/echo/);
    // The dry-run reads the lead from LPTracker; the sync that follows must read nothing.
    amoBefore = await amo.state(a.accountId);
    lptBefore = await lpt.state(a.login);
    await db().update(accountsTable).set({ pausedAt: null }).where(eq(accountsTable.accountId, a.accountId));
    await startDrain(env, a.accountId);
    await vi.waitUntil(async () => (await eventsOf(a.accountId)).every((e) => e.status !== "paused"), { timeout: 60_000, interval: 250 });
    expect(echoes.length).toBeGreaterThan(0);
    await settle(a.accountId);
    const amoAfter = await amo.state(a.accountId);
    expect(sum(amoAfter.requests)).toBe(sum(amoBefore.requests));
    expect(sum((await lpt.state(a.login)).requests)).toBe(sum(lptBefore.requests));
    expect(amoAfter.leads[0]!.status_id).toBe(open[1]!.id);
    const evs = await eventsOf(a.accountId);
    expect(evs.at(-1)).toMatchObject({ source: "lptracker", status: "skipped", error: "echo of our own write" });
    // The card still follows the LPTracker stage.
    const card = (await (await widgetFetch(a, `/api/widget/card?entity=leads&id=${amoLead.id}`)).json()) as { leads: { stage: { id: number | null } }[] };
    expect(card.leads[0]!.stage.id).toBe(a.stages[1]!.id);
  });

  it("moves nothing on a forged amoCRM status: the status is read from amoCRM", async () => {
    const { a, lead, amoLead, pipeline, open } = await linkedLead();
    await deliverAmoHooks(a.accountId);
    await settle(a.accountId);
    // A rule on the forged status: amoCRM does not confirm it, so the rule must not run.
    await createRule(tenant(makeDb(env.DB), a.accountId), {
      name: "Заметка о статусе",
      enabled: true,
      trigger: "amo.lead.status_changed",
      conditions: { match: "all", items: [{ field: "amo.status_id", op: "changed_to", value: open[2]!.id }] },
      actions: [{ type: "add_note", text: "статус сменился" }],
    });
    const hookUrl = (await amo.state(a.accountId)).webhooks[0]!.destination;
    const before = await amo.state(a.accountId);
    const form = new URLSearchParams({
      "leads[status][0][id]": String(amoLead.id),
      "leads[status][0][status_id]": String(open[2]!.id),
      "leads[status][0][pipeline_id]": String(pipeline.id),
      "leads[status][0][old_status_id]": String(open[0]!.id),
      "account[id]": String(a.accountId),
    });
    const res = await SELF.fetch(hookUrl.replace(/^https?:\/\/[^/]+/, ORIGIN), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString() });
    expect(res.status).toBe(200);
    await hooksStored([res]);
    await settle(a.accountId);
    expect((await lpt.state(a.login)).leads.find((l) => l.id === lead.id)!.stageId).toBe(a.stages[0]!.id);
    const after = await amo.state(a.accountId);
    expect(sum(after.requests, "GET /api/v4/leads") - sum(before.requests, "GET /api/v4/leads")).toBe(1);
    const forged = (await eventsOf(a.accountId)).filter((e) => e.source === "amocrm").at(-1)!;
    expect(forged.status).toBe("skipped");
    const mismatch = await db()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.accountId, a.accountId), eq(auditLog.action, "webhook.status_mismatch")));
    expect(mismatch).toHaveLength(1);
    expect((await db().select().from(eventsTable).where(eq(eventsTable.id, forged.id)))[0]!.error).toMatch(/status we wrote/);
    expect(after.notes.filter((n) => n.entity_id === amoLead.id && n.note_type === "common")).toHaveLength(0);
    const ruleRuns = await db()
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.accountId, a.accountId), eq(auditLog.eventId, forged.id), inArray(auditLog.action, ["rules.matched", "lead.updated"])));
    expect(ruleRuns).toHaveLength(0);
  });
});
