// A sync job that fails after its amoCRM writes and before its final D1 batch: the failed attempt
// records nothing, and the retry leaves exactly one of everything (lead, contact, calls, audit).
import { env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { amo, connectLpt, db, deliverLptHooks, installAccount, lpt, settle, widgetFetch } from "./harness";
import { auditLog, callResults, events, links } from "../../src/db/schema";
import { insertEvent } from "../../src/db/events";
import { tenant } from "../../src/db/tenant";
import { runEventJob } from "../../src/sync/run/run-event";

/** env with a D1 whose next `batch` fails once, as a lost connection would. */
function failingBatchOnce(): { env: typeof env; failed: () => boolean } {
  let failed = false;
  const DB = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "batch" && !failed) {
        return async () => {
          failed = true;
          throw new Error("D1_ERROR: Network connection lost.");
        };
      }
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { env: { ...env, DB }, failed: () => failed };
}

describe("LPTracker → amoCRM: a failure between the amoCRM writes and the final D1 batch", () => {
  it("records nothing of the failed attempt, and the retry leaves exactly one lead, contact, call each and audit entry", async () => {
    const a = await connectLpt(await installAccount());
    const lead = await lpt.createLead(a.projectId, { name: "Повтор после сбоя", contactName: "Олег", phone: "+79990030001", calls: 2 });
    const t = tenant(db(), a.accountId);
    const eventId = (await insertEvent(t, { source: "lptracker", action: "create", dedupeKey: `retry-test:${lead.id}`, projectId: a.projectId, externalId: String(lead.id), payload: "{}" }))!;

    const broken = failingBatchOnce();
    await expect(runEventJob(broken.env, a.accountId, eventId)).rejects.toThrow(/Network connection lost/);
    expect(broken.failed()).toBe(true);
    // amoCRM got its writes; D1 holds none of the event's final records, only the journal.
    const mid = await amo.state(a.accountId);
    expect(mid.leads).toHaveLength(1);
    const [event] = await db().select().from(events).where(eq(events.id, eventId));
    expect(event!.status).toBe("processing");
    expect(event!.progress).toMatchObject({ amo: { result: { amoLeadId: String(mid.leads[0]!.id) } }, calls: expect.any(Object) });
    expect(await db().select().from(links).where(eq(links.accountId, a.accountId))).toEqual([]);
    expect(await db().select().from(callResults).where(eq(callResults.accountId, a.accountId))).toEqual([]);
    const midAudit = (await db().select().from(auditLog).where(and(eq(auditLog.accountId, a.accountId), eq(auditLog.eventId, eventId)))).map((r) => r.action);
    expect(midAudit.filter((x) => x !== "event.received")).toEqual([]);

    // The retry (the queue's redelivery) with a healthy D1.
    await runEventJob(env, a.accountId, eventId);
    const state = await amo.state(a.accountId);
    expect(state.leads).toHaveLength(1);
    expect(state.contacts).toHaveLength(1);
    expect(state.calls).toHaveLength(2);
    expect(state.notes.filter((n) => n.note_type === "call_in" || n.note_type === "call_out")).toHaveLength(2);
    expect(state.requests["POST /api/v4/leads/complex"]).toBe(1);
    expect(state.requests["POST /api/v4/calls"]).toBe(1);
    const [done] = await db().select().from(events).where(eq(events.id, eventId));
    expect(done!.status).toBe("done");
    // The journal goes with the final batch: a later replay syncs afresh.
    expect(done!.progress).toBeNull();
    const leadLinks = await db().select().from(links).where(and(eq(links.accountId, a.accountId), eq(links.kind, "lead")));
    expect(leadLinks.map((l) => l.amoId)).toEqual([String(state.leads[0]!.id)]);
    const calls = await db().select().from(callResults).where(eq(callResults.accountId, a.accountId));
    expect(calls.map((c) => c.syncStatus)).toEqual(["posted", "posted"]);
    expect(calls.every((c) => c.amoCallId)).toBe(true);
    const audit = (await db().select().from(auditLog).where(and(eq(auditLog.accountId, a.accountId), eq(auditLog.eventId, eventId)))).map((r) => r.action);
    for (const action of ["lead.created", "contact.created", "calls.posted", "event.done"]) expect(audit.filter((x) => x === action)).toHaveLength(1);

    // A replay of the finished event changes nothing.
    await runEventJob(env, a.accountId, eventId);
    expect((await amo.state(a.accountId)).requests["POST /api/v4/leads/complex"]).toBe(1);
    expect((await db().select().from(auditLog).where(and(eq(auditLog.accountId, a.accountId), eq(auditLog.eventId, eventId)))).length).toBe(audit.length);
  });

  it("adds a repeat request's note and task to the open lead once, however often the job is retried", async () => {
    const a = await connectLpt(await installAccount());
    const policy = { repeatMode: "attach", repeatPipelines: [], assignMode: "none", fixedUserId: null, rrUsers: [], staffMap: [], fallbackUserId: null, contactOwnerWins: false };
    expect((await widgetFetch(a, `/api/widget/lead-policy/${a.projectId}`, { method: "PUT", json: policy })).status).toBe(200);
    await lpt.createLead(a.projectId, { name: "Первая", contactName: "Рита", phone: "+79990030002" });
    await deliverLptHooks(a.login);
    await settle(a.accountId);
    const second = await lpt.createLead(a.projectId, { name: "Вторая", contactName: "Рита", phone: "+79990030002" });
    const t = tenant(db(), a.accountId);
    const eventId = (await insertEvent(t, { source: "lptracker", action: "create", dedupeKey: `retry-test:${second.id}`, projectId: a.projectId, externalId: String(second.id), payload: "{}" }))!;

    await expect(runEventJob(failingBatchOnce().env, a.accountId, eventId)).rejects.toThrow(/Network connection lost/);
    await runEventJob(env, a.accountId, eventId);
    const state = await amo.state(a.accountId);
    expect(state.leads).toHaveLength(1);
    expect(state.notes.filter((n) => n.note_type === "common" && String(n.params.text).includes("Повторная заявка"))).toHaveLength(1);
    expect(state.tasks).toHaveLength(1);
    const [link] = await db().select().from(links).where(and(eq(links.accountId, a.accountId), eq(links.lptId, String(second.id))));
    expect(link?.amoId).toBe(String(state.leads[0]!.id));
    const audit = (await db().select().from(auditLog).where(and(eq(auditLog.accountId, a.accountId), eq(auditLog.eventId, eventId)))).map((r) => r.action);
    expect(audit.filter((x) => x === "lead.repeat_noted")).toHaveLength(1);
  });
});
