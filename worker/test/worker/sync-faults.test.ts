import { describe, expect, it } from "vitest";
import { amo, connectLpt, deliverLptHooks, eventsOf, installAccount, lpt, settle } from "./harness";

describe("LPTracker → amoCRM under amoCRM faults", () => {
  // A burst of 200 now costs a few dozen amoCRM calls (shared lookups and `leads/complex`), so the
  // fault rate is higher than it used to be for the faults to hit often enough.
  it("delivers 200 leads exactly once with half of amoCRM calls failing, staying at or under 7 req/s", async () => {
    const a = await connectLpt(await installAccount());
    await amo.setFaults(a.accountId, { rate: 0.5, kinds: ["429", "500", "502", "503", "timeout", "reset"], seed: 42, timeoutMs: 3500, paths: ["/api/v4/"] });
    const N = 200;
    for (let i = 0; i < N; i++) {
      await lpt.createLead(a.projectId, { name: `Лид ${i}`, contactName: `Клиент ${i}`, phone: `+7999${String(1000000 + i).slice(-7)}` });
    }
    const answers = await deliverLptHooks(a.login);
    expect(answers).toHaveLength(N);
    expect(answers.every((r) => r.status === 200)).toBe(true);
    await settle(a.accountId, 400_000);
    const state = await amo.state(a.accountId);
    await amo.setFaults(a.accountId, null);
    const names = state.leads.map((l) => l.name);
    expect(new Set(names).size).toBe(N);
    expect(names).toHaveLength(N);
    expect(state.contacts).toHaveLength(N);
    expect(state.rate.peak).toBeLessThanOrEqual(7);
    const injected = Object.values(state.faults.injected).reduce((x, y) => x + y, 0);
    expect(injected).toBeGreaterThanOrEqual(3);
    const events = await eventsOf(a.accountId);
    expect(events.filter((e) => e.status === "done")).toHaveLength(N);
  }, 480_000);
});
