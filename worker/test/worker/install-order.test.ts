// amoCRM's real install order and the widget switch (issue 13): the settings are saved before the
// OAuth code arrives (or it never arrives), events wait without being lost, switching the widget off
// pauses processing and switching it on resumes the held events in the order they arrived.
import { env, SELF } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { adminFetch, amo, connectLpt, db, deliverLptHooks, eventsOf, installAccount, lpt, ORIGIN, uniqueSubdomain, widgetFetch, type Installed } from "./harness";
import { accounts, auditLog, installs } from "../../src/db/schema";
import { accessWait } from "../../src/amocrm/install-wait";
import { config } from "../../src/env";
import { restartDrains } from "../../src/queue/cron";
import type { CardResponse, DashboardResponse, EventListResponse, LptConnectionResponse, MeResponse } from "../../src/api-types";


/** An amoCRM account that exists at amoCRM but whose code has not reached us yet. */
async function notYetInstalled(): Promise<Installed> {
  const info = await amo.createAccount({ subdomain: uniqueSubdomain("io") });
  return { accountId: info.id, subdomain: info.subdomain, adminUserId: info.admin_user_id, info };
}

async function deliverCode(a: Installed): Promise<void> {
  const { code } = await amo.issueCode(a.accountId);
  const res = await SELF.fetch(`${ORIGIN}/oauth/amocrm/callback?code=${encodeURIComponent(code)}&referer=${a.info.domain}&from_widget=1`);
  expect(res.status).toBe(200);
}

async function me(a: Installed): Promise<MeResponse> {
  return (await (await widgetFetch(a, "/api/widget/me")).json()) as MeResponse;
}

async function statuses(accountId: number): Promise<string[]> {
  return (await eventsOf(accountId)).map((e) => e.status);
}

async function waitStatuses(accountId: number, want: (s: string[]) => boolean, timeout = 45_000): Promise<string[]> {
  let last: string[] = [];
  await vi.waitUntil(
    async () => {
      last = await statuses(accountId);
      return want(last);
    },
    { timeout, interval: 200 },
  );
  return last;
}

const allAre = (n: number, status: string) => (s: string[]) => s.length === n && s.every((x) => x === status);

/** The amoCRM lead names in the order amoCRM created them. */
async function amoLeadNames(accountId: number): Promise<string[]> {
  const state = await amo.state(accountId);
  return [...state.leads].sort((x, y) => x.id - y.id).map((l) => l.name);
}

describe.concurrent("install order: onSave before amoCRM's code", () => {
  it("accepts the LPTracker connection before the install, registers the hooks and waits for amoCRM", async () => {
    const a = await notYetInstalled();
    const user = await lpt.createUser({ projects: 1 });
    const project = user.projects[0]!;
    const res = await widgetFetch(a, "/api/widget/lptracker", { method: "PUT", json: { login: user.login, password: user.password, projects: [project.id], consent: true, active: true } });
    expect(res.status).toBe(200);
    const conn = (await res.json()) as LptConnectionResponse;
    expect(conn.connected).toBe(true);
    expect(conn.projects.find((p) => p.id === project.id)).toMatchObject({ selected: true, hookStatus: "registered" });
    const lptState = await lpt.state(user.login);
    expect(lptState.projects[0]!.callbackUrls.some((h) => h.url.startsWith(`${ORIGIN}/hooks/lptracker/`))).toBe(true);

    const row = (await db().select().from(accounts).where(eq(accounts.accountId, a.accountId)))[0]!;
    expect(row).toMatchObject({ status: "pending", domain: a.info.domain, installedAt: null, pausedAt: null });
    const waiting = await me(a);
    expect(waiting.install_status).toBe("pending");
    expect(waiting.access).toMatchObject({ state: "waiting", reconnect_url: `${ORIGIN}/oauth/amocrm/start` });

    // The code arrives later: the same row becomes the installed account, counted as a first install.
    await deliverCode(a);
    await vi.waitUntil(async () => (await me(a)).install_status === "active", { timeout: 30_000, interval: 200 });
    expect((await me(a)).access).toBeUndefined();
    const audit = await db().select().from(auditLog).where(eq(auditLog.accountId, a.accountId));
    expect(audit.map((r) => r.action)).toContain("account.installed");
  });

  it("parks LPTracker events that arrive before the tokens and syncs them, in order, once the code is exchanged", async () => {
    const a = await notYetInstalled();
    const user = await lpt.createUser({ projects: 1 });
    const project = user.projects[0]!;
    const put = await widgetFetch(a, "/api/widget/lptracker", { method: "PUT", json: { login: user.login, password: user.password, projects: [project.id], consent: true } });
    expect(put.status).toBe(200);
    for (const name of ["Первая", "Вторая", "Третья"]) {
      await lpt.createLead(project.id, { name, phone: `+7999${Math.floor(1e6 + Math.random() * 8e6)}` });
      await deliverLptHooks(user.login);
    }
    expect(await waitStatuses(a.accountId, allAre(3, "parked"))).toEqual(["parked", "parked", "parked"]);
    expect((await eventsOf(a.accountId))[0]!.error).toMatch(/amoCRM/);
    expect((await eventsOf(a.accountId)).map((e) => e.errorText?.code)).toEqual(["event_install_pending", "event_install_pending", "event_install_pending"]);
    expect(await amoLeadNames(a.accountId)).toEqual([]);

    await deliverCode(a);
    await waitStatuses(a.accountId, allAre(3, "done"));
    expect(await amoLeadNames(a.accountId)).toEqual(["Первая", "Вторая", "Третья"]);
    const done = await eventsOf(a.accountId);
    const processed = done.map((e) => e.processedAt!);
    expect([...processed].sort((x, y) => x - y)).toEqual(processed);
  });

  it("starts waiting for amoCRM only when the widget is installed, not when the login is merely checked", async () => {
    const a = await notYetInstalled();
    const user = await lpt.createUser({ projects: 1 });
    const check = await widgetFetch(a, "/api/widget/lptracker", { method: "PUT", json: { login: user.login, password: user.password, projects: [], consent: true } });
    expect(check.status).toBe(200);
    const before = await me(a);
    expect(before.install_status).toBe("pending");
    expect(before.access).toBeUndefined();
    const install = await widgetFetch(a, "/api/widget/lptracker", { method: "PUT", json: { login: user.login, projects: [user.projects[0]!.id], consent: true, active: true } });
    expect(install.status).toBe(200);
    expect((await me(a)).access?.state).toBe("waiting");
  });

  it("says the code was lost once the wait is over, and that the code is being exchanged or was refused", async () => {
    const a = await notYetInstalled();
    const put = await widgetFetch(a, "/api/widget/state", { method: "PUT", json: { active: true } });
    expect(put.status).toBe(200);
    expect(((await put.json()) as MeResponse).access?.state).toBe("waiting");
    const row = (await db().select().from(accounts).where(eq(accounts.accountId, a.accountId)))[0]!;
    const cfg = config(env);
    const later = row.awaitingAccessSince! + cfg.installWaitMs + 1000;
    expect((await accessWait(db(), cfg, row, later))?.state).toBe("lost");
    expect((await accessWait(db(), cfg, row, row.awaitingAccessSince! + 1000))?.state).toBe("waiting");

    await db().insert(installs).values({ id: crypto.randomUUID(), referer: a.info.domain, flow: "marketplace", sealedCode: "x", status: "failed", lastError: "amoCRM refused the code: Authorization code has expired" });
    const failed = await accessWait(db(), cfg, row, later);
    expect(failed).toMatchObject({ state: "failed", detail: expect.stringMatching(/expired/) });
  });
});

describe("install job retries", () => {
  it("exchanges amoCRM's single-use code once, even when a later step of the install fails and is retried", async () => {
    const a = await notYetInstalled();
    // amoCRM answers the account read with 500s for a while, after the code was exchanged.
    await amo.setFaults(a.accountId, { rate: 0, kinds: ["500"], seed: 3, paths: ["/api/v4/account"], burst: 6 });
    await deliverCode(a);
    await vi.waitUntil(async () => (await db().select().from(installs).where(eq(installs.referer, a.info.domain))).some((r) => r.status !== "pending"), { timeout: 90_000, interval: 300 });
    expect((await amo.state(a.accountId)).faults.injected["500"]).toBeGreaterThanOrEqual(3);
    await amo.setFaults(a.accountId, null);
    const rows = await db().select().from(installs).where(eq(installs.referer, a.info.domain));
    expect(rows.map((r) => [r.status, r.sealedTokens])).toEqual([["done", null]]);
    expect((await amo.state(a.accountId)).oauth.code_exchanges).toBe(1);
  }, 120_000);
});

describe.concurrent("switching the widget off and on", () => {
  it("pauses incoming events while off and resumes them in order when switched on", async () => {
    const a = await connectLpt(await installAccount());
    const off = await widgetFetch(a, "/api/widget/state", { method: "PUT", json: { active: false } });
    expect(off.status).toBe(200);
    expect(((await off.json()) as MeResponse).paused).toBe(true);
    for (const name of ["Раз", "Два", "Три"]) {
      await lpt.createLead(a.projectId, { name, phone: `+7998${Math.floor(1e6 + Math.random() * 8e6)}` });
      await deliverLptHooks(a.login);
    }
    expect(await waitStatuses(a.accountId, allAre(3, "paused"))).toHaveLength(3);
    expect((await eventsOf(a.accountId))[0]!.error).toMatch(/switched off/);
    expect(await amoLeadNames(a.accountId)).toEqual([]);
    // An open card says so (a tab opened before the switch-off) and offers no «Синхронизировать».
    const card = (await (await widgetFetch(a, "/api/widget/card?entity=leads&id=1")).json()) as CardResponse;
    expect(card.paused).toBe(true);
    // The admin page sees them as paused: the dashboard and the events filter.
    const dash = (await (await adminFetch(a, "/api/admin/dashboard")).json()) as DashboardResponse;
    expect(dash.held).toEqual({ widgetOff: true, paused: 3, parked: 0 });
    const list = (await (await adminFetch(a, "/api/admin/events?status=paused")).json()) as EventListResponse;
    expect(list.total).toBe(3);
    // The reason in English for logs, and its code for the admin page to word in its language.
    expect(list.items[0]).toMatchObject({ error: "The widget is switched off in amoCRM: the event waits until it is switched on.", errorText: { code: "event_widget_off", params: {} } });

    // amoCRM's onSave with active 'Y' and the form as it is: login kept, password empty.
    const on = await widgetFetch(a, "/api/widget/lptracker", { method: "PUT", json: { login: a.login, projects: [a.projectId], consent: true, active: true } });
    expect(on.status).toBe(200);
    await waitStatuses(a.accountId, allAre(3, "done"));
    expect(await amoLeadNames(a.accountId)).toEqual(["Раз", "Два", "Три"]);
    const actions = (await db().select().from(auditLog).where(eq(auditLog.accountId, a.accountId))).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(["widget.switched_off", "widget.switched_on", "events.resumed"]));
    expect((await me(a)).paused).toBeUndefined();
    expect(((await (await widgetFetch(a, "/api/widget/card?entity=leads&id=1")).json()) as CardResponse).paused).toBeUndefined();
  });

  it("switches off while LPTracker is down, and the event kept meanwhile runs after switching on", async () => {
    const a = await connectLpt(await installAccount());
    await lpt.setFaults(a.login, { rate: 1, kinds: ["503"], seed: 1 });
    const off = await widgetFetch(a, "/api/widget/state", { method: "PUT", json: { active: false } });
    expect(off.status).toBe(200);
    await lpt.setFaults(a.login, null);
    await lpt.createLead(a.projectId, { name: "Пока выключен", phone: `+7997${Math.floor(1e6 + Math.random() * 8e6)}` });
    await deliverLptHooks(a.login);
    await waitStatuses(a.accountId, allAre(1, "paused"));
    const on = await widgetFetch(a, "/api/widget/state", { method: "PUT", json: { active: true } });
    expect(on.status).toBe(200);
    await waitStatuses(a.accountId, allAre(1, "done"));
  });

  it("keeps the stored password on a save with an empty one, without asking LPTracker to log in again", async () => {
    const a = await connectLpt(await installAccount());
    const before = await lpt.state(a.login);
    const res = await widgetFetch(a, "/api/widget/lptracker", { method: "PUT", json: { login: a.login, password: "", projects: [a.projectId], consent: true } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as LptConnectionResponse).connected).toBe(true);
    const after = await lpt.state(a.login);
    expect(after.loginCount).toBe(before.loginCount);
    // The stored password still works: a changed project list logs in with it.
    await lpt.setPassword(a.login, a.password);
    const other = await widgetFetch(a, "/api/widget/lptracker", { method: "PUT", json: { login: a.login, projects: [], consent: true } });
    expect(other.status).toBe(200);
    // A different login without a password is refused with the field named.
    const bad = await widgetFetch(a, "/api/widget/lptracker", { method: "PUT", json: { login: `x${a.login}`, projects: [], consent: true } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { field?: string }).field).toBe("password");
  });

  it("queues a new event behind an older held one, so they still run in arrival order", async () => {
    const a = await connectLpt(await installAccount());
    await widgetFetch(a, "/api/widget/state", { method: "PUT", json: { active: false } });
    await lpt.createLead(a.projectId, { name: "Старшая", phone: `+7992${Math.floor(1e6 + Math.random() * 8e6)}` });
    await deliverLptHooks(a.login);
    await waitStatuses(a.accountId, allAre(1, "paused"));
    // The account can sync again but the older event has not run yet when a newer one arrives.
    await db().update(accounts).set({ pausedAt: null }).where(eq(accounts.accountId, a.accountId));
    await lpt.createLead(a.projectId, { name: "Младшая", phone: `+7992${Math.floor(1e6 + Math.random() * 8e6)}` });
    await deliverLptHooks(a.login);
    await waitStatuses(a.accountId, allAre(2, "done"));
    expect(await amoLeadNames(a.accountId)).toEqual(["Старшая", "Младшая"]);
    const parkedBehind = await db().select().from(auditLog).where(eq(auditLog.accountId, a.accountId));
    expect(parkedBehind.filter((r) => r.action === "event.received").map((r) => r.eventId)).toEqual((await eventsOf(a.accountId)).map((e) => e.id));
  });

  it("restarts the drain from the cron when held events outlived their drain message", async () => {
    const a = await connectLpt(await installAccount());
    await widgetFetch(a, "/api/widget/state", { method: "PUT", json: { active: false } });
    await lpt.createLead(a.projectId, { name: "Забытое", phone: `+7993${Math.floor(1e6 + Math.random() * 8e6)}` });
    await deliverLptHooks(a.login);
    await waitStatuses(a.accountId, allAre(1, "paused"));
    // The account can sync again, but no drain was sent (as if its message was lost).
    await db().update(accounts).set({ pausedAt: null }).where(eq(accounts.accountId, a.accountId));
    expect(await restartDrains(env)).toBeGreaterThanOrEqual(1);
    await waitStatuses(a.accountId, allAre(1, "done"));
  });

  it("keeps events paused after the disconnect hook and runs them after the reinstall", async () => {
    const a = await connectLpt(await installAccount());
    await widgetFetch(a, "/api/widget/state", { method: "PUT", json: { active: false } });
    const hook = await amo.disconnect(a.accountId, `${ORIGIN}/oauth/amocrm/disconnect`, "query");
    const res = await SELF.fetch(hook.url.replace(/^https?:\/\/[^/]+/, ORIGIN));
    expect(res.status).toBe(200);
    await lpt.createLead(a.projectId, { name: "После отключения", phone: `+7996${Math.floor(1e6 + Math.random() * 8e6)}` });
    await deliverLptHooks(a.login);
    await waitStatuses(a.accountId, allAre(1, "paused"));
    // Switching on asks amoCRM for access again; until its fresh code arrives the event stays held.
    const on = (await (await widgetFetch(a, "/api/widget/state", { method: "PUT", json: { active: true } })).json()) as MeResponse;
    expect(on.install_status).toBe("uninstalled");
    expect(on.access?.state).toBe("waiting");
    expect(await statuses(a.accountId)).toEqual(["paused"]);
    await deliverCode(a);
    await waitStatuses(a.accountId, allAre(1, "done"));
    expect(await amoLeadNames(a.accountId)).toEqual(["После отключения"]);
  });
});

describe("CORS for the sandbox host page", () => {
  it("never allows DEV_HOST_ORIGIN in the production entry, whatever SANDBOX says (only sandbox.ts sets it)", async () => {
    const hostOrigin = "http://127.0.0.1:8790";
    expect(config({ ...env, SANDBOX: "", DEV_HOST_ORIGIN: hostOrigin } as typeof env).devHostOrigin).toBeNull();
    expect(config({ ...env, SANDBOX: "1", DEV_HOST_ORIGIN: hostOrigin } as typeof env)).toMatchObject({ devHostOrigin: null, sandbox: false });
    // The test Worker is not a sandbox: a preflight from that origin gets no allow headers.
    const res = await SELF.fetch(`${ORIGIN}/api/widget/me`, { method: "OPTIONS", headers: { origin: hostOrigin, "access-control-request-method": "GET", "access-control-request-headers": "x-auth-token" } });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});
