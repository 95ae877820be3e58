// The chaos suite: bounded in time and requests, loopback only. Every event must land exactly once
// and none may be lost, counted at the simulators. Failures come only from the simulators' fault
// controls, so the production queue consumer runs unchanged.
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { amo, connectLpt, deliverLptHooks, eventsOf, installAccount, lpt, nearlyExpire, ORIGIN, settle, type Connected } from "./harness";
import { vi } from "vitest";

async function leads(a: Connected, n: number, prefix: string, times = 1): Promise<void> {
  for (let i = 0; i < n; i++) {
    await lpt.createLead(a.projectId, { name: `${prefix} ${i}`, contactName: `${prefix} клиент ${i}`, phone: `+7916${String(1_000_000 + Math.floor(Math.random() * 8_999_999))}`, times });
  }
}

/**
 * Events per account in the big scenario (five accounts): `npm test` runs the full 5 × 100 = 500;
 * CHAOS_EVENTS_PER_ACCOUNT=20 gives a quicker local run.
 */
const PER_ACCOUNT = Number((env as unknown as Record<string, string | undefined>).CHAOS_EVENTS_PER_ACCOUNT ?? 100);

/**
 * Waits until no event of these accounts is left to run. On a busy two-core machine the big scenario
 * takes anywhere from a few to many minutes, so there is no deadline for the whole: it fails only
 * when nothing moves at all (no event finished, none retried) for `stallMs`.
 */
async function settleWhileMoving(accountIds: number[], stallMs = 240_000): Promise<void> {
  let last = "";
  let movedAt = Date.now();
  for (;;) {
    const rows = await env.DB.prepare(
      `SELECT SUM(status IN ('received', 'processing')) AS busy, MAX(updated_at) AS touched FROM events WHERE account_id IN (${accountIds.map(() => "?").join(",")})`,
    )
      .bind(...accountIds)
      .first<{ busy: number | null; touched: number | null }>();
    if (!rows?.busy) return;
    const now = `${rows.busy}:${rows.touched}`;
    if (now !== last) {
      last = now;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      throw new Error(`${rows.busy} events still waiting and nothing moved for ${stallMs / 1000} s`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe("chaos", () => {
  it("lands every event exactly once under amoCRM faults and dropped connections, LPTracker 503 bursts and double delivery", async () => {
    const accounts = await Promise.all(Array.from({ length: 5 }, async () => connectLpt(await installAccount())));
    await Promise.all(
      accounts.map(async (a, i) => {
        // The burst drops the first connections outright, mid-way through the first jobs' writes.
        await amo.setFaults(a.accountId, { rate: 0.2, kinds: ["reset", "429", "500", "timeout"], seed: 100 + i, timeoutMs: 3500, paths: ["/api/v4/"], burst: 5 });
        await lpt.setFaults(a.login, { rate: 0.04, kinds: ["503"], seed: 200 + i, burst: 4 });
        await leads(a, PER_ACCOUNT, `Хаос${i}`, 2);
      }),
    );
    // Storing a thousand hooks competes with the sync jobs for the CPU: a generous wait, not a deadline.
    const answers = (await Promise.all(accounts.map((a) => deliverLptHooks(a.login, 600_000)))).flat();
    expect(answers).toHaveLength(accounts.length * PER_ACCOUNT * 2);
    expect(answers.every((r) => r.status === 200)).toBe(true);
    await settleWhileMoving(accounts.map((a) => a.accountId));
    for (const [i, a] of accounts.entries()) {
      const state = await amo.state(a.accountId);
      await amo.setFaults(a.accountId, null);
      await lpt.setFaults(a.login, null);
      const names = state.leads.map((l) => l.name);
      expect(names, `account ${i}`).toHaveLength(PER_ACCOUNT);
      expect(new Set(names).size).toBe(PER_ACCOUNT);
      expect(state.contacts).toHaveLength(PER_ACCOUNT);
      expect(state.rate.peak).toBeLessThanOrEqual(7);
      const events = await eventsOf(a.accountId);
      expect(events).toHaveLength(PER_ACCOUNT);
      expect(events.every((e) => e.status === "done")).toBe(true);
      expect((await lpt.state(a.login)).ratePeak).toBeLessThanOrEqual(3);
    }
    // No deadline of its own (see settleWhileMoving): this outer bound only stops a run that hangs.
  }, 3_600_000);

  it("lets 50 concurrent jobs against an expiring token cause one refresh", async () => {
    const a = await connectLpt(await installAccount());
    await leads(a, 50, "Токен");
    await nearlyExpire(a.accountId);
    const before = (await amo.state(a.accountId)).oauth.refresh_calls;
    await deliverLptHooks(a.login);
    await settleWhileMoving([a.accountId]);
    const state = await amo.state(a.accountId);
    expect(state.leads).toHaveLength(50);
    expect(state.oauth.refresh_calls - before).toBe(1);
  }, 1_200_000);

  it("parks events while the refresh token is revoked, loses none, and completes them after a reinstall", async () => {
    const a = await connectLpt(await installAccount());
    await amo.revoke(a.accountId);
    await nearlyExpire(a.accountId);
    await leads(a, 10, "Парковка");
    await deliverLptHooks(a.login);
    await settle(a.accountId);
    let events = await eventsOf(a.accountId);
    expect(events).toHaveLength(10);
    expect(events.every((e) => e.status === "parked")).toBe(true);
    expect((await amo.state(a.accountId)).leads).toHaveLength(0);
    const { code } = await amo.issueCode(a.accountId);
    const res = await SELF.fetch(`${ORIGIN}/oauth/amocrm/callback?code=${code}&referer=${a.subdomain}.amocrm.ru&from_widget=1`);
    expect(res.status).toBe(200);
    await vi.waitUntil(async () => (await eventsOf(a.accountId)).every((e) => e.status === "done"), { timeout: 60_000, interval: 250 });
    events = await eventsOf(a.accountId);
    expect(events.every((e) => e.status === "done")).toBe(true);
    expect((await amo.state(a.accountId)).leads).toHaveLength(10);
  }, 120_000);
});
