// The attack suite (Worker side): forged webhooks, replayed admin links, cross-origin writes,
// oversized bodies. Token attacks live in auth-widget.test.ts; browser XSS checks in the browser suites.
import { env, SELF } from "cloudflare:test";
import { config } from "../../src/env";
import { issueSession, sessionCookieName } from "../../src/auth/admin-session";
import { describe, expect, it } from "vitest";
import { adminFetch, connectLpt, db, eventsOf, installAccount, lpt, ORIGIN, widgetFetch } from "./harness";
import { accounts, lptProjects } from "../../src/db/schema";
import { eq } from "drizzle-orm";

async function hookKeyOf(accountId: number): Promise<string> {
  const rows = await db().select().from(lptProjects).where(eq(lptProjects.accountId, accountId));
  return rows[0]!.hookKey;
}

describe.concurrent("attacks", () => {
  it("refuses forged LPTracker webhooks: no key, a wrong key, another tenant's key", async () => {
    const [a, b] = await Promise.all([connectLpt(await installAccount()), connectLpt(await installAccount())]);
    const lead = await lpt.createLead(a.projectId, { name: "Настоящий", phone: "+79170001122", webhook: false });
    const body = JSON.stringify({ action: "update", action_timestamp: Date.now(), id: lead.id, project_id: a.projectId });
    const post = (path: string) => SELF.fetch(`${ORIGIN}${path}`, { method: "POST", body, headers: { "content-type": "application/json" } });
    expect((await post("/hooks/lptracker/")).status).toBe(404);
    expect((await post("/hooks/lptracker")).status).toBe(404);
    expect((await post(`/hooks/lptracker/${"A".repeat(43)}`)).status).toBe(404);
    const aKey = await hookKeyOf(a.accountId);
    expect((await post(`/hooks/lptracker/${aKey.slice(0, -1)}${aKey.endsWith("A") ? "B" : "A"}`)).status).toBe(404);
    // B's URL with A's lead: the project does not match the URL, so it is kept as rejected and never processed.
    const viaB = await post(`/hooks/lptracker/${await hookKeyOf(b.accountId)}`);
    expect(viaB.status).toBe(400);
    expect((await eventsOf(a.accountId)).length).toBe(0);
    expect((await eventsOf(b.accountId)).map((e) => e.status)).toEqual(["rejected"]);
  });

  it("refuses a forged amoCRM webhook key and one that claims another account", async () => {
    const [a, b] = await Promise.all([installAccount(), installAccount()]);
    const form = (accountId: number) => `leads[status][0][id]=1&leads[status][0][status_id]=2&leads[status][0][pipeline_id]=3&account[id]=${accountId}`;
    const post = (key: string, accountId: number) => SELF.fetch(`${ORIGIN}/hooks/amocrm/${key}`, { method: "POST", body: form(accountId), headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect((await post("x".repeat(32), a.accountId)).status).toBe(404);
    const [bRow] = await db().select().from(accounts).where(eq(accounts.accountId, b.accountId));
    const res = await post(bRow!.amoHookKey, a.accountId);
    expect(res.status).toBe(400);
    expect(await eventsOf(a.accountId)).toHaveLength(0);
    expect(await eventsOf(b.accountId)).toHaveLength(0);
  });

  it("lets a one-time admin link work once and never again", async () => {
    const a = await installAccount();
    const link = (await (await widgetFetch(a, "/api/widget/admin-link", { method: "POST" })).json()) as { url: string };
    const path = link.url.replace(/^https?:\/\/[^/]+/, ORIGIN);
    const first = await SELF.fetch(path, { redirect: "manual" });
    expect(first.status).toBe(302);
    expect(first.headers.get("set-cookie")).toMatch(/HttpOnly/i);
    const again = await SELF.fetch(path, { redirect: "manual" });
    expect(again.status).toBe(401);
    expect(again.headers.get("set-cookie")).toBeNull();
  });

  it("refuses a cross-origin write to the admin API and changes nothing", async () => {
    const a = await installAccount();
    const forged = await SELF.fetch(`${ORIGIN}/api/admin/rules`, {
      method: "POST",
      headers: { origin: "https://evil.example", "content-type": "application/json", cookie: (await adminCookie(a)) },
      body: JSON.stringify({ name: "evil2", trigger: "lpt.lead.created", conditions: { match: "all", items: [] }, actions: [{ type: "add_tags", tags: ["x"] }] }),
    });
    expect(forged.status).toBe(403);
    const list = (await (await adminFetch(a, "/api/admin/rules")).json()) as { items: { name: string }[] };
    expect(list.items.map((r) => r.name)).not.toContain("evil2");
  });

  it("refuses oversized bodies on every entry point with 413 and stores nothing", async () => {
    const a = await connectLpt(await installAccount());
    const big = JSON.stringify({ id: 1, project_id: a.projectId, pad: "x".repeat(1_200_000) });
    const hook = await SELF.fetch(`${ORIGIN}/hooks/lptracker/${await hookKeyOf(a.accountId)}`, { method: "POST", body: big, headers: { "content-type": "application/json" } });
    expect(hook.status).toBe(413);
    const widget = await widgetFetch(a, `/api/widget/mapping/${a.projectId}`, { method: "PUT", body: big, headers: { "content-type": "application/json" } });
    expect(widget.status).toBe(413);
    expect(await eventsOf(a.accountId)).toHaveLength(0);
  });
});

async function adminCookie(a: { accountId: number; adminUserId: number }): Promise<string> {
  const cfg = config(env);
  return `${sessionCookieName(cfg)}=${(await issueSession(db(), cfg, { accountId: a.accountId, userId: a.adminUserId })).jwt}`;
}
