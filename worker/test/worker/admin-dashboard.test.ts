import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addEvent, asAdmin, db, newAdmin } from "./admin-app";
import { connectLpt, installAccount } from "./harness";
import { metadataCache } from "../../src/db/schema";
import { DAY_MS, HOUR_MS, startOfDay, startOfHour } from "../../src/db/stats";
import type { DashboardResponse, AmoMetadata } from "../../src/api-types";
import type { AdminLptResponse } from "../../src/api-types";
import type { AdminLptResponse as PageLptResponse } from "../../../admin/src/api-extra";

// The admin page declares this answer on its side until api-types.ts names it: keep both equal.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameLpt: Same<AdminLptResponse, PageLptResponse> = true;
void sameLpt;

const TZ = "Europe/Moscow";

async function dashboard(a: Parameters<typeof asAdmin>[0], tz = TZ) {
  const res = await asAdmin(a, `/api/admin/dashboard?tz=${encodeURIComponent(tz)}`);
  expect(res.status).toBe(200);
  return (await res.json()) as DashboardResponse;
}

describe("admin dashboard (GET /api/admin/dashboard)", () => {
  it("counts today's and the week's events by outcome on the admin's calendar", async () => {
    const a = await newAdmin();
    const now = Date.now();
    const today = startOfDay(TZ, now);
    // Today (inside the current hour, so never in the future): one of each outcome, two received.
    await addEvent(a, { receivedAt: now - 1000, status: "done" });
    await addEvent(a, { receivedAt: Math.max(today, now - 2000), status: "failed", error: "boom" });
    await addEvent(a, { receivedAt: Math.max(today, now - 3000), status: "skipped" });
    await addEvent(a, { receivedAt: Math.max(today, now - 4000), status: "received" });
    // Yesterday a minute before midnight, three days ago, ten days ago (outside the week), a month ago.
    await addEvent(a, { receivedAt: today - 60_000, status: "done" });
    await addEvent(a, { receivedAt: today - 3 * DAY_MS + HOUR_MS, status: "failed" });
    await addEvent(a, { receivedAt: today - 10 * DAY_MS + HOUR_MS, status: "done" });
    await addEvent(a, { receivedAt: today - 30 * DAY_MS, status: "done" });

    const body = await dashboard(a);
    expect(body.counts.today).toEqual({ received: 4, synced: 1, failed: 1, skipped: 1 });
    expect(body.counts.week).toEqual({ received: 6, synced: 2, failed: 2, skipped: 1 });
    expect(body.lastEventAt).toBe(now - 1000);
  });

  it("puts events into 24 hourly and 14 daily buckets aggregated in D1", async () => {
    const a = await newAdmin();
    const now = Date.now();
    const hour = startOfHour(TZ, now);
    const today = startOfDay(TZ, now);
    await addEvent(a, { receivedAt: hour, status: "done" });
    await addEvent(a, { receivedAt: hour - 1, status: "failed" });
    await addEvent(a, { receivedAt: hour - 5 * HOUR_MS + 10, status: "skipped" });
    await addEvent(a, { receivedAt: hour - 30 * HOUR_MS, status: "done" });
    await addEvent(a, { receivedAt: today - 13 * DAY_MS + 5, status: "failed" });
    await addEvent(a, { receivedAt: today - 20 * DAY_MS, status: "done" });

    const { activity } = await dashboard(a);
    expect(activity.hourly).toHaveLength(24);
    expect(activity.daily).toHaveLength(14);
    expect(activity.hourly[23]).toEqual({ start: hour, synced: 1, failed: 0, skipped: 0 });
    expect(activity.hourly[22]).toMatchObject({ start: hour - HOUR_MS, failed: 1 });
    expect(activity.hourly[18]).toMatchObject({ start: hour - 5 * HOUR_MS, skipped: 1 });
    const hourlyTotal = activity.hourly.reduce((n, b) => n + b.synced + b.failed + b.skipped, 0);
    expect(hourlyTotal).toBe(3);
    expect(activity.daily[13]!.start).toBe(today);
    expect(activity.daily[0]).toMatchObject({ start: startOfDay(TZ, today - 13 * DAY_MS + HOUR_MS * 12), failed: 1 });
    const dailyTotal = activity.daily.reduce((n, b) => n + b.synced + b.failed + b.skipped, 0);
    expect(dailyTotal).toBe(5);
  });

  it("lists the ten latest failures, newest first, with their errors", async () => {
    const a = await newAdmin();
    const now = Date.now();
    for (let i = 0; i < 12; i++) await addEvent(a, { receivedAt: now - i * 1000, status: "failed", error: `failure ${i}` });
    await addEvent(a, { receivedAt: now, status: "done" });
    const body = await dashboard(a);
    expect(body.latestFailures).toHaveLength(10);
    expect(body.latestFailures.map((e) => e.error)).toEqual(Array.from({ length: 10 }, (_, i) => `failure ${i}`));
    expect(body.latestFailures[0]).toMatchObject({ status: "failed", source: "lptracker", receivedAt: now });
  });

  it("shows the install card and an unconnected LPTracker for a fresh account", async () => {
    const a = await newAdmin("fresh");
    const body = await dashboard(a);
    expect(body.install).toEqual({ status: "active", subdomain: "fresh", domain: "fresh.amocrm.ru", reason: null });
    expect(body.lptracker).toMatchObject({ connected: false, projects: [] });
    expect(body.lastEventAt).toBeNull();
    expect(body.latestFailures).toEqual([]);
    expect(body.counts.week).toEqual({ received: 0, synced: 0, failed: 0, skipped: 0 });
  });

  it("says what to do when amoCRM revoked the install", async () => {
    const a = await newAdmin();
    await env.DB.prepare("update accounts set status = 'reauth_required', status_reason = 'token revoked' where account_id = ?").bind(a.accountId).run();
    const body = await dashboard(a);
    expect(body.install).toMatchObject({ status: "reauth_required", reason: "token revoked" });
  });

  it("never counts or shows another account's events", async () => {
    const a = await newAdmin();
    const b = await newAdmin();
    const now = Date.now();
    await addEvent(b, { receivedAt: now, status: "failed", error: "B's failure" });
    await addEvent(b, { receivedAt: now, status: "done" });
    await addEvent(a, { receivedAt: now - 500, status: "done" });
    const body = await dashboard(a);
    expect(body.counts.today).toEqual({ received: 1, synced: 1, failed: 0, skipped: 0 });
    expect(body.latestFailures).toEqual([]);
    expect(body.lastEventAt).toBe(now - 500);
    expect(body.activity.hourly.reduce((n, x) => n + x.failed, 0)).toBe(0);
  });

  it("refuses an unknown time zone with a 400 that names it", async () => {
    const res = await asAdmin(await newAdmin(), "/api/admin/dashboard?tz=Mars/Olympus");
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/time zone/);
  });

  it("refuses a visitor without a session", async () => {
    expect((await asAdmin(null, "/api/admin/dashboard")).status).toBe(401);
  });
});

describe("admin metadata and LPTracker pickers", () => {
  it("answers the cached amoCRM metadata of the signed-in account only", async () => {
    const a = await newAdmin();
    const b = await newAdmin();
    const pipelines = [{ id: 10, name: "Воронка", sort: 1, is_main: true, statuses: [{ id: 100, name: "Первичный контакт", sort: 10 }] }];
    await db()
      .insert(metadataCache)
      .values([
        { accountId: a.accountId, kind: "pipelines", data: pipelines },
        { accountId: a.accountId, kind: "users", data: [{ id: 501, name: "Ирина" }] },
        { accountId: a.accountId, kind: "lead_fields", data: [] },
        { accountId: a.accountId, kind: "contact_fields", data: [] },
        { accountId: a.accountId, kind: "task_types", data: [{ id: 1, name: "Связаться" }] },
        { accountId: b.accountId, kind: "users", data: [{ id: 999, name: "Чужой" }] },
      ]);
    const res = await asAdmin(a, "/api/admin/metadata");
    expect(res.status).toBe(200);
    const meta = (await res.json()) as AmoMetadata;
    expect(meta.pipelines).toEqual(pipelines);
    expect(meta.users).toEqual([{ id: 501, name: "Ирина" }]);
    expect(meta.taskTypes).toEqual([{ id: 1, name: "Связаться" }]);
    expect(meta.fetchedAt).toEqual(expect.any(Number));
  });

  it("says to reinstall (a code the admin page words) when amoCRM cannot be reached with the account's tokens", async () => {
    const a = await newAdmin();
    for (const res of [await asAdmin(a, "/api/admin/metadata"), await asAdmin(a, "/api/admin/metadata/refresh", { method: "POST" })]) {
      expect(res.status).toBe(409);
      const body = (await res.json()) as { type: string; detail: string; code: string };
      expect(body.type).toBe("/problems/reauth-required");
      expect(body.code).toBe("amo_reauth_required");
      expect(body.detail).toMatch(/reinstall/);
    }
  });

  it("answers the LPTracker projects with each selected project's stages", async () => {
    const a = await connectLpt(await installAccount());
    const res = await asAdmin({ accountId: a.accountId, userId: a.adminUserId }, "/api/admin/lptracker");
    expect(res.status).toBe(200);
    const body = (await res.json()) as AdminLptResponse;
    expect(body.connected).toBe(true);
    expect(body.projects.find((p) => p.id === a.projectId)).toMatchObject({ selected: true, hookStatus: "registered" });
    const schema = body.schemas.find((s) => s.projectId === a.projectId);
    expect(schema?.stages.map((s) => s.id)).toEqual(a.stages.map((s) => s.id));
    expect(body.schemaErrors).toEqual([]);

    const other = await newAdmin();
    const otherBody = (await (await asAdmin(other, "/api/admin/lptracker")).json()) as AdminLptResponse;
    expect(otherBody).toMatchObject({ connected: false, projects: [], schemas: [] });
  });
});
