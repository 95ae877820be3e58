// The queue consumer as the Workers runtime drives it: batches built with createMessageBatch, the
// exported queue() handler, and the ack/retry outcome read back with getQueueResult.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { insertEvent } from "../../src/db/events";
import { tenant } from "../../src/db/tenant";
import type { HookMessage, JobMessage } from "../../src/queue/messages";
import { amo, connectLpt, db, eventsOf, installAccount, leadHookMessage } from "./harness";

type Body = JobMessage | HookMessage;

async function deliver(queue: string, bodies: readonly { body: Body; attempts?: number }[]) {
  const messages = bodies.map(({ body, attempts }) => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts: attempts ?? 1, body }));
  const batch = createMessageBatch<Body>(queue, messages);
  // The runtime's queue result says whether a message was retried, not with which delay: watch the calls.
  const retryAll = vi.spyOn(batch, "retryAll");
  const retries = batch.messages.map((m) => vi.spyOn(m, "retry"));
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  const delays = { batch: retryAll.mock.calls[0]?.[0]?.delaySeconds, messages: retries.map((r) => r.mock.calls[0]?.[0]?.delaySeconds) };
  return { ids: messages.map((m) => m.id), result: await getQueueResult(batch, ctx), delays };
}

describe("queue consumer", () => {
  it("acknowledges a hook-intake batch once its events are stored, and stores a repeated webhook once", async () => {
    const a = await connectLpt(await installAccount());
    const first = await leadHookMessage(a, "Пакет 1", "+79161110001");
    const second = await leadHookMessage(a, "Пакет 2", "+79161110002");
    const { result } = await deliver("hook-intake", [{ body: first }, { body: second }, { body: first }]);
    expect(result.ackAll).toBe(true);
    expect(result.retryBatch.retry).toBe(false);
    expect(result.retryMessages).toEqual([]);
    const stored = await eventsOf(a.accountId);
    expect(stored.map((e) => e.dedupeKey).sort()).toEqual([first.dedupeKey, second.dedupeKey].sort());
  });

  it("retries a whole hook-intake batch with a growing delay when D1 refuses it", async () => {
    const a = await connectLpt(await installAccount());
    const good = await leadHookMessage(a, "Годное", "+79161110003");
    // A payload D1 cannot take (NOT NULL) makes the batch write fail as a whole.
    const broken = { ...good, dedupeKey: `${good.dedupeKey}:broken`, payload: null as unknown as string };
    const { result, delays } = await deliver("hook-intake", [{ body: good, attempts: 3 }, { body: broken, attempts: 3 }]);
    expect(result.ackAll).toBe(false);
    expect(result.retryBatch.retry).toBe(true);
    expect(delays.batch).toBe(8);
  });

  it("acknowledges a sync job that finished and retries one it cannot handle with exponential delay", async () => {
    const a = await connectLpt(await installAccount());
    const hook = await leadHookMessage(a, "Синхронизация", "+79161110004");
    const eventId = await insertEvent(tenant(db(), a.accountId), { source: "lptracker", action: hook.action, dedupeKey: hook.dedupeKey, projectId: hook.projectId, externalId: hook.externalId, payload: hook.payload });
    expect(eventId).not.toBeNull();
    const unknown = { kind: "no-such-job", accountId: a.accountId } as unknown as JobMessage;
    const { ids, result, delays } = await deliver("sync-jobs", [{ body: { kind: "event", accountId: a.accountId, eventId: eventId! } }, { body: unknown, attempts: 4 }]);
    expect(result.explicitAcks).toEqual([ids[0]]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual([ids[1]]);
    expect(delays.messages).toEqual([undefined, 16]);
    expect((await eventsOf(a.accountId))[0]!.status).toBe("done");
    expect((await amo.state(a.accountId)).leads).toHaveLength(1);
  });

  it("marks an event that reached the dead-letter queue failed with its reason and acknowledges it", async () => {
    const a = await connectLpt(await installAccount());
    const hook = await leadHookMessage(a, "Мёртвое", "+79161110005");
    const eventId = await insertEvent(tenant(db(), a.accountId), { source: "lptracker", action: hook.action, dedupeKey: hook.dedupeKey, projectId: hook.projectId, externalId: hook.externalId, payload: hook.payload });
    const { ids, result } = await deliver("sync-jobs-dlq", [{ body: { kind: "event", accountId: a.accountId, eventId: eventId! }, attempts: 7 }]);
    expect(result.explicitAcks).toEqual(ids);
    await vi.waitUntil(async () => (await eventsOf(a.accountId))[0]!.status === "failed", { timeout: 10_000, interval: 100 });
    expect((await eventsOf(a.accountId))[0]!.error).toMatch(/Gave up after 7 attempts/);
  });
});
