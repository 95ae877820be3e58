import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { amoGate } from "../../src/amocrm/gate";
import { AmoClient } from "../../src/amocrm/client";
import { amoAccountInfoSchema } from "../../src/contracts/amocrm";
import { accounts, auditLog } from "../../src/db/schema";
import { keepTokensAlive } from "../../src/queue/cron";
import { tenant } from "../../src/db/tenant";
import { lptProjectSchema } from "../../src/lptracker/project-schema";
import { lptGate, LptConnectionGate } from "../../src/lptracker/gate";
import { amo, connectLpt, db, installAccount, lpt, nearlyExpire, widgetFetch } from "./harness";

describe.concurrent("amoCRM token gate", () => {
  it("lets 50 concurrent callers with an expiring token cause exactly one refresh", async () => {
    const a = await installAccount();
    const before = (await amo.state(a.accountId)).oauth.refresh_calls;
    await nearlyExpire(a.accountId);
    const gate = amoGate(env, a.accountId);
    const results = await Promise.all(Array.from({ length: 50 }, () => gate.accessToken()));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(new Set(results.map((r) => (r.ok ? r.token : ""))).size).toBe(1);
    expect((await amo.state(a.accountId)).oauth.refresh_calls - before).toBe(1);
  });

  it("recovers an account whose subdomain changed through api_domain", async () => {
    const a = await installAccount();
    const moved = await amo.move(a.accountId, `${a.subdomain}moved`);
    await nearlyExpire(a.accountId);
    const r = await amoGate(env, a.accountId).refresh();
    expect(r.ok).toBe(true);
    const row = (await db().select().from(accounts).where(eq(accounts.accountId, a.accountId)))[0]!;
    expect(row.domain).toBe(moved.domain);
    expect(row.status).toBe("active");
    const account = await new AmoClient(env, a.accountId).read(amoAccountInfoSchema, "/api/v4/account");
    expect(account?.subdomain).toBe(moved.subdomain);
  });

  it("marks the install reauth_required when amoCRM revoked the refresh token, visible in /api/widget/me", async () => {
    const a = await installAccount();
    await amo.revoke(a.accountId);
    await nearlyExpire(a.accountId);
    const r = await amoGate(env, a.accountId).accessToken();
    expect(r).toMatchObject({ ok: false, error: "reauth_required" });
    const me = (await (await widgetFetch(a, "/api/widget/me")).json()) as { install_status: string; action?: string };
    expect(me.install_status).toBe("reauth_required");
    expect(me.action).toMatch(/переустанов|reinstall/i);
  });

  it("keeps every account's calls at or under 7 per second at the simulator, and retries a 429", async () => {
    const a = await installAccount();
    await amo.setFaults(a.accountId, { rate: 0, kinds: ["429"], seed: 7, burst: 3 });
    const client = new AmoClient(env, a.accountId);
    const answers = await Promise.all(Array.from({ length: 30 }, () => client.get("/api/v4/leads/pipelines")));
    expect(answers.every((x) => x !== undefined)).toBe(true);
    const state = await amo.state(a.accountId);
    expect(state.faults.injected["429"]).toBe(3);
    expect(state.rate.peak).toBeLessThanOrEqual(7);
    expect(state.rate.too_many_requests).toBe(0);
  });

  it("pauses an account's calls after a 403 block and records why", async () => {
    const a = await installAccount();
    await amo.setFaults(a.accountId, { rate: 0, kinds: ["403"], seed: 1, burst: 1 });
    const client = new AmoClient(env, a.accountId);
    await expect(client.get("/api/v4/leads/pipelines")).rejects.toMatchObject({ kind: "blocked" });
    const before = (await amo.state(a.accountId)).requests;
    await expect(client.get("/api/v4/account")).rejects.toMatchObject({ kind: "blocked" });
    expect((await amo.state(a.accountId)).requests).toEqual(before);
    const status = await amoGate(env, a.accountId).status();
    expect(status.blockedUntil).toBeGreaterThan(Date.now() + 60_000);
    const rows = await db().select().from(auditLog).where(eq(auditLog.accountId, a.accountId));
    expect(rows.some((r) => r.action === "account.blocked")).toBe(true);
  });

  it("keeps an idle install alive: the cron refreshes tokens not refreshed for 30 days", async () => {
    const a = await installAccount();
    const before = (await amo.state(a.accountId)).oauth.refresh_calls;
    await db().update(accounts).set({ tokenRefreshedAt: Date.now() - 31 * 24 * 3600 * 1000 }).where(eq(accounts.accountId, a.accountId));
    await keepTokensAlive(env, Date.now());
    expect((await amo.state(a.accountId)).oauth.refresh_calls).toBe(before + 1);
    const row = (await db().select().from(accounts).where(eq(accounts.accountId, a.accountId)))[0]!;
    expect(row.tokenRefreshedAt!).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe("LPTracker connection gate", () => {
  it("joins identical GETs already on their way: twenty jobs asking together read each route once", async () => {
    const a = await connectLpt(await installAccount());
    const before = (await lpt.state(a.login)).requests;
    const routes = [`/project/${a.projectId}/funnel`, `/project/${a.projectId}/customs`, `/project/${a.projectId}/fields`, "/staff"];
    // Inside the gate, all eighty calls are made before any answer can come back, however slowly a
    // busy machine runs them: joining is decided the moment a call is made, not by a race.
    const answers = await runInDurableObject(lptGate(env, a.accountId), (gate) => {
      if (!(gate instanceof LptConnectionGate)) throw new Error("not the LPTracker gate");
      return Promise.all(routes.flatMap((path) => Array.from({ length: 20 }, () => gate.request(a.accountId, { method: "GET", path }))));
    });
    expect(answers.every((r) => r.ok)).toBe(true);
    for (let r = 0; r < routes.length; r++) expect(new Set(answers.slice(r * 20, r * 20 + 20).map((x) => JSON.stringify(x))).size, routes[r]).toBe(1);
    const after = (await lpt.state(a.login)).requests;
    for (const route of ["GET /project/:id/funnel", "GET /project/:id/customs", "GET /project/:id/fields", "GET /staff"]) {
      expect((after[route] ?? 0) - (before[route] ?? 0), route).toBe(1);
    }
    // Once answered, the next call goes out again (joining is not caching); jobs read through it.
    const t = tenant(db(), a.accountId);
    await lptProjectSchema(env, t, a.projectId, { fresh: true });
    expect(((await lpt.state(a.login)).requests["GET /project/:id/funnel"] ?? 0) - (before["GET /project/:id/funnel"] ?? 0)).toBe(2);
  });
});
