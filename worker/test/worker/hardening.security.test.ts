// The attack suite for issue 14 (Worker side): bounded webhook parsing, per-key and per-IP rate
// limits, the rejected-body quota and its dashboard warning, the install callback's caps and
// housekeeping, configuration checked at start, and recording links that are http(s) only.
import { createExecutionContext, env, SELF } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { and, eq } from "drizzle-orm";
import { createApp } from "../../src/app";
import { accounts, events, installs, lptProjects, quotaHits } from "../../src/db/schema";
import { purgeStaleInstalls, PENDING_INSTALL_TTL_MS } from "../../src/db/installs";
import { REJECTED_BODIES_PER_WINDOW } from "../../src/db/quotas";
import { amo, adminFetch, connectLpt, db, deliverLptHooks, eventsOf, hooksStored, installAccount, lpt, ORIGIN, settle, widgetFetch } from "./harness";
import type { DashboardResponse } from "../../src/api-types";

async function lptHookKey(accountId: number): Promise<string> {
  const rows = await db().select().from(lptProjects).where(eq(lptProjects.accountId, accountId));
  return rows[0]!.hookKey;
}

async function amoHookKey(accountId: number): Promise<string> {
  const [row] = await db().select().from(accounts).where(eq(accounts.accountId, accountId));
  return row!.amoHookKey;
}

const form = (body: string, key: string) => SELF.fetch(`${ORIGIN}/hooks/amocrm/${key}`, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } });

interface ProblemJson {
  type: string;
  status: number;
  detail: string;
  [k: string]: unknown;
}

describe.concurrent("hardening (issue 14)", () => {
  it("parses amoCRM's deep custom-field keys and refuses too many fields, too deep keys and too many leads", async () => {
    const a = await installAccount();
    const key = await amoHookKey(a.accountId);
    const deep = `leads[update][0][id]=5&leads[update][0][updated_at]=1&leads[update][0][custom_fields][0][values][0][value]=x&account[id]=${a.accountId}`;
    const ok = await form(deep, key);
    expect(ok.status).toBe(200);
    expect(await ok.clone().json()).toMatchObject({ queued: 1 });
    // Queued first, like LPTracker's: the hook consumer stores it.
    await hooksStored([ok]);

    // 300 KB of `a[]` keys: quadratic before; now one pass, and under the key cap it is just ignored.
    const flat = await form(`${"a[]=1&".repeat(9_000)}account[id]=${a.accountId}`, key);
    expect(flat.status).toBe(200);

    const many = await form("a[]=1&".repeat(10_001), key);
    expect(many.status).toBe(413);
    expect(many.headers.get("content-type")).toContain("application/problem+json");
    expect(((await many.json()) as ProblemJson).detail).toMatch(/more than 10000 fields/);

    const tooDeep = await form(`a${"[x]".repeat(12)}=1`, key);
    expect(tooDeep.status).toBe(400);
    expect(((await tooDeep.json()) as ProblemJson).detail).toMatch(/nested 13 levels deep; at most 12/);

    const leads = Array.from({ length: 251 }, (_, i) => `leads[status][${i}][id]=${i + 1}&leads[status][${i}][status_id]=2`).join("&");
    const crowd = await form(leads, key);
    expect(crowd.status).toBe(413);
    expect(((await crowd.json()) as ProblemJson).detail).toMatch(/251 leads; at most 250/);
    // Only the one legitimate event was stored.
    expect((await eventsOf(a.accountId)).length).toBe(1);
  });

  it("answers 429 with Retry-After on an amoCRM hook key over its rate, per key, and the dashboard warns", async () => {
    const [a, b] = await Promise.all([installAccount(), installAccount()]);
    const keyA = await amoHookKey(a.accountId);
    // The real binding runs in miniflare (the install test below drives it over its limit); here the
    // limiter answers "over" for A's key only, to see what the route does with that.
    const limited = { ...env, AMO_HOOK_LIMITER: { limit: async ({ key }: { key: string }) => ({ success: key !== `amo:${keyA}` }) } };
    const app = createApp();
    const send = (key: string, accountId: number) =>
      app.fetch(new Request(`${ORIGIN}/hooks/amocrm/${key}`, { method: "POST", body: `leads[status][0][id]=1&account[id]=${accountId}`, headers: { "content-type": "application/x-www-form-urlencoded" } }), limited, createExecutionContext());
    const res = await send(keyA, a.accountId);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("60");
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(await res.json()).toMatchObject({ type: "/problems/rate-limited", status: 429, retryAfterSeconds: 60 });
    expect(await eventsOf(a.accountId)).toHaveLength(0);
    expect((await send(await amoHookKey(b.accountId), b.accountId)).status).toBe(200);

    await vi.waitUntil(async () => (await db().select().from(quotaHits).where(eq(quotaHits.accountId, a.accountId))).length > 0, { timeout: 20_000, interval: 100 });
    const dash = (await (await adminFetch(a, "/api/admin/dashboard")).json()) as DashboardResponse;
    expect(dash.quotas).toEqual([expect.objectContaining({ kind: "hook_rate", refused: 1 })]);
    const quiet = (await (await adminFetch(b, "/api/admin/dashboard")).json()) as DashboardResponse;
    expect(quiet.quotas).toEqual([]);
  });

  it("answers 429 on an LPTracker hook key when its limiter says so, before reading the body", async () => {
    const a = await connectLpt(await installAccount());
    const key = await lptHookKey(a.accountId);
    const app = createApp();
    const limited = { ...env, LPT_HOOK_LIMITER: { limit: async () => ({ success: false }) } };
    const res = await app.fetch(new Request(`${ORIGIN}/hooks/lptracker/${key}`, { method: "POST", body: "{", headers: { "content-type": "application/json" } }), limited, createExecutionContext());
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("10");
    expect(await res.json()).toMatchObject({ type: "/problems/rate-limited", retryAfterSeconds: 10 });
    expect(await eventsOf(a.accountId)).toHaveLength(0);
  });

  it("refuses LPTracker JSON nested too deep with a 400 kept for inspection, not a crash", async () => {
    const a = await connectLpt(await installAccount());
    const body = `{"id":1,"project_id":${a.projectId},"x":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const res = await SELF.fetch(`${ORIGIN}/hooks/lptracker/${await lptHookKey(a.accountId)}`, { method: "POST", body, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ProblemJson).detail).toMatch(/deeper than 64 levels/);
    expect((await eventsOf(a.accountId)).map((e) => e.status)).toEqual(["rejected"]);
  });

  it("refuses deeply nested JSON on the widget and admin APIs with a 400 problem, not a crash", async () => {
    const a = await connectLpt(await installAccount());
    const deep = `{"rows":${"[".repeat(50_000)}${"]".repeat(50_000)}}`;
    const widget = await widgetFetch(a, `/api/widget/mapping/${a.projectId}`, { method: "PUT", body: deep, headers: { "content-type": "application/json" } });
    expect(widget.status).toBe(400);
    expect(widget.headers.get("content-type")).toContain("application/problem+json");
    expect(((await widget.json()) as ProblemJson).detail).toMatch(/deeper than 64 levels/);
    const admin = await adminFetch(a, "/api/admin/rules", { method: "POST", body: deep, headers: { "content-type": "application/json" } });
    expect(admin.status).toBe(400);
  });

  it("keeps at most the hourly quota of malformed bodies per tenant, still answers 400, and the dashboard warns", async () => {
    const a = await connectLpt(await installAccount());
    const now = Date.now();
    const seeds = Array.from({ length: REJECTED_BODIES_PER_WINDOW }, (_, i) => ({
      accountId: a.accountId,
      source: "lptracker" as const,
      action: "rejected",
      dedupeKey: `rejected:seed-${i}`,
      status: "rejected" as const,
      payload: "{}",
      receivedAt: now,
    }));
    for (let i = 0; i < seeds.length; i += 10) await db().insert(events).values(seeds.slice(i, i + 10));
    const res = await SELF.fetch(`${ORIGIN}/hooks/lptracker/${await lptHookKey(a.accountId)}`, { method: "POST", body: "not json", headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ kept: false });
    expect((await eventsOf(a.accountId)).length).toBe(REJECTED_BODIES_PER_WINDOW);
    await vi.waitUntil(async () => (await db().select().from(quotaHits).where(and(eq(quotaHits.accountId, a.accountId), eq(quotaHits.kind, "rejected_bodies")))).length > 0, {
      timeout: 20_000,
      interval: 100,
    });
    const dash = (await (await adminFetch(a, "/api/admin/dashboard")).json()) as DashboardResponse;
    expect(dash.quotas).toEqual([expect.objectContaining({ kind: "rejected_bodies", refused: 1 })]);
  });

  it("caps the install callback's code, state and referer, and rate-limits it per client IP", async () => {
    const cb = (q: string, ip?: string) => SELF.fetch(`${ORIGIN}/oauth/amocrm/callback?${q}`, { headers: ip ? { "cf-connecting-ip": ip } : {} });
    const long = await cb(`code=${"c".repeat(5000)}&referer=x.amocrm.ru&from_widget=1`);
    expect(long.status).toBe(400);
    expect(((await long.json()) as ProblemJson).detail).toMatch(/`code` is longer than 4096/);
    const state = await cb(`code=abc&referer=x.amocrm.ru&state=${"s".repeat(2000)}`);
    expect(state.status).toBe(400);
    expect(((await state.json()) as ProblemJson).detail).toMatch(/`state` is longer than 1024/);
    // 10 a minute per address; 21 always cross it, even over a window's edge. These refer to no
    // amoCRM host, so the ones let through are refused too and nothing is written.
    const ip = `203.0.113.${Math.floor(Math.random() * 200) + 1}`;
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      const res = await cb(`code=abc&referer=evil.example&from_widget=1`, ip);
      statuses.push(res.status);
      if (res.status === 429) expect(res.headers.get("retry-after")).toBe("60");
      await res.arrayBuffer();
    }
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 400).length).toBeGreaterThanOrEqual(10);
    // Another address is not affected.
    const other = await cb(`code=abc&referer=evil.example&from_widget=1`, "198.51.100.7");
    expect(other.status).toBe(400);
    expect(await db().select().from(installs).where(eq(installs.referer, "evil.example"))).toEqual([]);
  });

  it("purges pending installs that can no longer complete and keeps the rest", async () => {
    const now = Date.now();
    const id = () => crypto.randomUUID();
    const [stale, fresh, done] = [id(), id(), id()];
    await db()
      .insert(installs)
      .values([
        { id: stale, referer: "x.amocrm.ru", flow: "marketplace", sealedCode: "s", status: "pending", createdAt: now - PENDING_INSTALL_TTL_MS - 1000 },
        { id: fresh, referer: "x.amocrm.ru", flow: "marketplace", sealedCode: "s", status: "pending", createdAt: now - 60_000 },
        { id: done, referer: "x.amocrm.ru", flow: "marketplace", sealedCode: "s", status: "done", createdAt: now - 30 * 86_400_000 },
      ]);
    expect(await purgeStaleInstalls(db(), now)).toBeGreaterThanOrEqual(1);
    const left = new Set((await db().select({ id: installs.id }).from(installs)).map((r) => r.id));
    expect(left.has(stale)).toBe(false);
    expect(left.has(fresh)).toBe(true);
    expect(left.has(done)).toBe(true);
  });

  it("sends amoCRM only http(s) recording links and notes the dropped one in the event's steps", async () => {
    const a = await connectLpt(await installAccount());
    await lpt.createLead(a.projectId, {
      name: "Ссылки",
      phone: "+79170005544",
      calls: [
        { record: "javascript:alert(document.cookie)", duration: 30 },
        { record: "https://records.example.ru/ok.mp3", duration: 40 },
      ],
    });
    await deliverLptHooks(a.login);
    await settle(a.accountId);
    const state = await amo.state(a.accountId);
    const sent = [...state.calls.map((c) => (c as { link?: string }).link), ...state.notes.map((n) => (n as { params?: { link?: string } }).params?.link)].filter(Boolean);
    expect(sent).toContain("https://records.example.ru/ok.mp3");
    expect(JSON.stringify(state)).not.toContain("javascript:");
    const [event] = await eventsOf(a.accountId);
    const detail = (await (await adminFetch(a, `/api/admin/events/${event!.id}`)).json()) as { steps: { action: string; message: string }[] };
    const note = detail.steps.find((s) => s.action === "calls.link_dropped");
    expect(note?.message).toMatch(/only http\(s\) links are sent to amoCRM/);
  });
});

describe("configuration checked at start (issue 14)", () => {
  const app = createApp();
  const healthz = (over: Record<string, unknown>) => app.fetch(new Request(`${ORIGIN}/healthz`), { ...env, ...over }, createExecutionContext());

  it("answers every request, /healthz included, with a problem naming a malformed ENCRYPTION_KEY and the fix", async () => {
    const res = await healthz({ ENCRYPTION_KEY: "v1:REPLACE_WITH_32_BYTES_BASE64" });
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const body = (await res.json()) as ProblemJson & { invalid: { name: string; reason: string }[] };
    expect(body.type).toBe("/problems/invalid-config");
    expect(body.invalid.map((v) => v.name)).toEqual(["ENCRYPTION_KEY"]);
    expect(body.detail).toMatch(/ENCRYPTION_KEY is still the placeholder.*openssl rand -base64 32/);
    const install = await app.fetch(new Request(`${ORIGIN}/oauth/amocrm/callback?code=a&referer=x.amocrm.ru&from_widget=1`), { ...env, ENCRYPTION_KEY: "v1:AAAA" }, createExecutionContext());
    expect(install.status).toBe(500);
    expect(((await install.json()) as ProblemJson).detail).toMatch(/ENCRYPTION_KEY key "v1" decodes to 3 bytes, not 32/);
  });

  it("checks the format of every variable and names each one that is wrong", async () => {
    const res = await healthz({
      PUBLIC_ORIGIN: "sync.example.com/path",
      AMOCRM_CLIENT_ID: "not-a-uuid",
      AMOCRM_CLIENT_SECRET: "replace-with-the-integration-secret",
      AMOCRM_REDIRECT_URI: "ftp://x/cb",
      ENCRYPTION_KEY: "v1:q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=,v1:q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=",
      SESSION_SECRET: "short",
      LPTRACKER_API_ORIGIN: "https://direct.lptracker.ru/api",
      AMOCRM_RATE_PER_SECOND: "fast",
      MAX_BODY_BYTES: "1.5",
    });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { invalid: { name: string; reason: string }[] };
    expect(body.invalid.map((v) => v.name)).toEqual([
      "PUBLIC_ORIGIN",
      "AMOCRM_CLIENT_ID",
      "AMOCRM_CLIENT_SECRET",
      "AMOCRM_REDIRECT_URI",
      "ENCRYPTION_KEY",
      "SESSION_SECRET",
      "LPTRACKER_API_ORIGIN",
      "AMOCRM_RATE_PER_SECOND",
      "MAX_BODY_BYTES",
    ]);
    for (const v of body.invalid) expect(v.reason.length, v.name).toBeGreaterThan(20);
  });

  it("accepts the test configuration and a rotated key list", async () => {
    expect((await healthz({})).status).toBe(200);
    const rotated = await healthz({ ENCRYPTION_KEY: "v2:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,v1:q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=" });
    expect(rotated.status).toBe(200);
  });
});
