// The two halves of the LPTracker webhook intake: the edge queues and answers, the hook-intake
// consumer stores each event once and hands it on. Redeliveries, dead letters and projects
// disconnected after the edge remembered their key.
import { env, SELF } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { and, eq } from "drizzle-orm";
import { events, lptProjects } from "../../src/db/schema";
import { insertEvent } from "../../src/db/events";
import { tenant } from "../../src/db/tenant";
import { deadHookJob, storeHooks } from "../../src/sync/intake/hook-job";
import type { HookMessage } from "../../src/queue/messages";
import { adminFetch, amo, connectLpt, db, eventsOf, hooksStored, installAccount, leadHookMessage, lpt, ORIGIN, settle } from "./harness";

function message(body: HookMessage, attempts: number): Message<HookMessage> {
  return { id: crypto.randomUUID(), timestamp: new Date(), body, attempts, ack() {}, retry() {} };
}

describe("webhook intake", () => {
  it("answers with the event's dedupe key before D1 has it, then stores it once with its arrival time", async () => {
    const a = await connectLpt(await installAccount());
    await lpt.createLead(a.projectId, { name: "Очередь", phone: "+79160001234", times: 3 });
    const hooks = await lpt.outbox({ take: true, login: a.login });
    const before = Date.now();
    const answers = await Promise.all(hooks.map((h) => SELF.fetch(h.url.replace(/^https?:\/\/[^/]+/, ORIGIN), { method: h.method, headers: h.headers, body: h.body })));
    const keys = await Promise.all(answers.map(async (r) => ((await r.clone().json()) as { dedupeKey: string }).dedupeKey));
    expect(new Set(keys).size).toBe(1);
    await hooksStored(answers);
    await settle(a.accountId);
    const stored = await eventsOf(a.accountId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ dedupeKey: keys[0], status: "done" });
    expect(stored[0]!.receivedAt).toBeGreaterThanOrEqual(before - 1000);
    expect((await amo.state(a.accountId)).leads).toHaveLength(1);
  });

  it("treats a taken dedupe key as a duplicate on a first delivery, and as its own row on a redelivery", async () => {
    const a = await connectLpt(await installAccount());
    const msg = await leadHookMessage(a, "Повтор");
    // An earlier attempt of this message stored the row and died before handing it on.
    const id = await insertEvent(tenant(db(), a.accountId), { source: "lptracker", action: msg.action, dedupeKey: msg.dedupeKey, projectId: msg.projectId, externalId: msg.externalId, payload: msg.payload });
    expect(id).not.toBeNull();

    await storeHooks(env, [message(msg, 1)]);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await eventsOf(a.accountId))[0]!.status).toBe("received");
    expect((await amo.state(a.accountId)).leads).toHaveLength(0);

    await storeHooks(env, [message(msg, 2)]);
    await vi.waitUntil(async () => (await eventsOf(a.accountId))[0]!.status === "done", { timeout: 30_000, interval: 200 });
    expect(await eventsOf(a.accountId)).toHaveLength(1);
    expect((await amo.state(a.accountId)).leads).toHaveLength(1);
  });

  it("keeps a webhook that could never be stored as a failed event with a reason, and replays it", async () => {
    const a = await connectLpt(await installAccount());
    const msg = await leadHookMessage(a, "Мёртвое письмо");
    await deadHookJob(env, msg, 7);
    const [row] = await eventsOf(a.accountId);
    expect(row).toMatchObject({ status: "failed", dedupeKey: msg.dedupeKey, receivedAt: msg.receivedAt });
    expect(row!.error).toMatch(/Gave up after 7 attempts.*Replay it/);
    // A second dead letter of the same webhook does not add a row.
    await deadHookJob(env, msg, 7);
    expect(await eventsOf(a.accountId)).toHaveLength(1);
    const replay = await adminFetch(a, `/api/admin/events/${row!.id}/replay`, { method: "POST" });
    expect(replay.status).toBe(200);
    await settle(a.accountId);
    expect((await eventsOf(a.accountId))[0]!.status).toBe("done");
    expect((await amo.state(a.accountId)).leads).toHaveLength(1);
  });

  it("stores nothing for a project disconnected after the edge remembered its key", async () => {
    const a = await connectLpt(await installAccount());
    const msg = await leadHookMessage(a, "Отключён");
    await db()
      .update(lptProjects)
      .set({ enabled: false })
      .where(and(eq(lptProjects.accountId, a.accountId), eq(lptProjects.projectId, a.projectId)));
    await storeHooks(env, [message(msg, 1)]);
    expect(await db().select().from(events).where(eq(events.accountId, a.accountId))).toHaveLength(0);
  });
});
