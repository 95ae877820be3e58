// Admin sessions live on the server: logout revokes them, the user's admin right is re-checked with
// amoCRM, and a one-time link never silently replaces a signed-in session of someone else.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { adminLinks, adminSessions, auditLog } from "../../src/db/schema";
import { adminLinkId, RIGHTS_GRACE_MS } from "../../src/auth/admin-session";
import { amo, db, installAccount, ORIGIN, widgetFetch, type Installed } from "./harness";

const SESSION = "__Host-admin_session";
const WHO = "__Host-admin_who";

async function link(a: Installed): Promise<string> {
  const res = await widgetFetch(a, "/api/widget/admin-link", { method: "POST" });
  expect(res.status).toBe(200);
  return ((await res.json()) as { url: string }).url;
}

/** Every Set-Cookie line (workerd has getSetCookie; the workers types do not list it yet). */
function setCookies(res: Response): string[] {
  return (res.headers as unknown as { getSetCookie(): string[] }).getSetCookie();
}

/** name=value of every cookie the response sets. */
function cookiesOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of setCookies(res)) {
    const [pair] = line.split(";");
    const at = pair!.indexOf("=");
    out[pair!.slice(0, at)] = pair!.slice(at + 1);
  }
  return out;
}

async function signIn(a: Installed, cookie?: string): Promise<{ session: string; who: string; sid: string }> {
  const res = await SELF.fetch(await link(a), { redirect: "manual", headers: cookie ? { cookie } : {} });
  expect(res.status).toBe(302);
  const c = cookiesOf(res);
  const rows = await db().select().from(adminSessions).where(eq(adminSessions.accountId, a.accountId));
  return { session: `${SESSION}=${c[SESSION]}`, who: `${WHO}=${c[WHO]}`, sid: rows.at(-1)!.id };
}

function api(path: string, cookie: string, init: RequestInit = {}) {
  return SELF.fetch(`${ORIGIN}${path}`, { ...init, headers: { cookie, origin: ORIGIN, ...(init.headers as Record<string, string>) } });
}

async function reason(res: Response): Promise<string> {
  return ((await res.json()) as { reason: string }).reason;
}

/** Makes the session's admin-right check due now (as if ten minutes had passed). */
async function checkDue(sid: string, confirmedAgoMs = 0) {
  await db()
    .update(adminSessions)
    .set({ nextCheckAt: Date.now() - 1, rightsCheckedAt: Date.now() - confirmedAgoMs })
    .where(eq(adminSessions.id, sid));
}

describe("logout", () => {
  it("revokes the session on the server: a kept copy of the cookie no longer works", async () => {
    const a = await installAccount();
    const s = await signIn(a);
    expect((await api("/api/admin/session", s.session)).status).toBe(200);
    const out = await api("/api/admin/logout", s.session, { method: "POST" });
    expect(out.status).toBe(204);
    expect(Object.keys(cookiesOf(out)).sort()).toEqual([SESSION, WHO].sort());
    const again = await api("/api/admin/session", s.session);
    expect(again.status).toBe(401);
    expect(await reason(again)).toBe("revoked");
    const row = (await db().select().from(adminSessions).where(eq(adminSessions.id, s.sid)))[0]!;
    expect(row.revokedReason).toBe("logout");
  });
});

describe("admin right re-check", () => {
  it("asks amoCRM when due: an admin goes on, a demoted admin is signed out for good", async () => {
    const a = await installAccount();
    const s = await signIn(a);
    await checkDue(s.sid);
    expect((await api("/api/admin/session", s.session)).status).toBe(200);
    const confirmed = (await db().select().from(adminSessions).where(eq(adminSessions.id, s.sid)))[0]!;
    expect(confirmed.nextCheckAt).toBeGreaterThan(Date.now() + 5 * 60_000);

    await amo.setUserRights(a.accountId, a.adminUserId, { is_admin: false });
    // Not due yet: the last confirmation stands.
    expect((await api("/api/admin/session", s.session)).status).toBe(200);
    await checkDue(s.sid);
    const refused = await api("/api/admin/session", s.session);
    expect(refused.status).toBe(401);
    expect(await reason(refused)).toBe("not_admin");
    // Even as an admin again, the revoked session stays revoked: a new link is needed.
    await amo.setUserRights(a.accountId, a.adminUserId, { is_admin: true });
    expect(await reason(await api("/api/admin/session", s.session))).toBe("not_admin");
    const audit = await db().select().from(auditLog).where(and(eq(auditLog.accountId, a.accountId), eq(auditLog.action, "admin.rights_lost")));
    expect(audit).toHaveLength(1);
  });

  it("signs out a user deactivated in amoCRM", async () => {
    const a = await installAccount();
    const s = await signIn(a);
    await amo.setUserRights(a.accountId, a.adminUserId, { is_active: false });
    await checkDue(s.sid);
    expect(await reason(await api("/api/admin/dashboard", s.session))).toBe("not_admin");
  });

  it("tolerates an unreachable amoCRM for a while after the last confirmation, then refuses until it answers", async () => {
    const a = await installAccount();
    const s = await signIn(a);
    await amo.setFaults(a.accountId, { rate: 1, kinds: ["503"], seed: 1, paths: ["/api/v4/users"] });
    await checkDue(s.sid, 10 * 60_000);
    expect((await api("/api/admin/session", s.session)).status).toBe(200);
    await checkDue(s.sid, RIGHTS_GRACE_MS + 60_000);
    const refused = await api("/api/admin/session", s.session);
    expect(refused.status).toBe(502);
    expect(await reason(refused)).toBe("rights_unconfirmed");
    await amo.setFaults(a.accountId, null);
    await checkDue(s.sid, RIGHTS_GRACE_MS + 60_000);
    expect((await api("/api/admin/session", s.session)).status).toBe(200);
  });
});

describe("a one-time link while another account is signed in", () => {
  it("shows a choice instead of replacing the session, without using the link up", async () => {
    const a = await installAccount();
    const b = await installAccount();
    const sa = await signIn(a);
    const url = await link(b);
    // The session cookie (same-site) or only the Lax companion (a link opened from amoCRM) — both are seen.
    for (const cookie of [sa.session, sa.who]) {
      const res = await SELF.fetch(url, { redirect: "manual", headers: { cookie } });
      expect(res.status).toBe(200);
      expect(setCookies(res)).toEqual([]);
      const html = await res.text();
      expect(html).toContain('data-testid="login-choice"');
      expect(html).toContain(`${a.subdomain} (${a.accountId})`);
      expect(html).toContain(`${b.subdomain} (${b.accountId})`);
    }
    const token = new URL(url).searchParams.get("token")!;
    const row = (await db().select().from(adminLinks).where(eq(adminLinks.id, await adminLinkId(token))))[0]!;
    expect(row.usedAt).toBeNull();
    expect((await api("/api/admin/session", sa.session)).status).toBe(200);
  });

  it("switches only when the person confirms from our page; the old session ends", async () => {
    const a = await installAccount();
    const b = await installAccount();
    const sa = await signIn(a);
    const token = new URL(await link(b)).searchParams.get("token")!;
    const form = { "content-type": "application/x-www-form-urlencoded" };

    const forged = await SELF.fetch(`${ORIGIN}/admin/login`, { method: "POST", redirect: "manual", headers: { ...form, cookie: sa.session, origin: "https://evil.example" }, body: `token=${token}` });
    expect(forged.status).toBe(403);
    const crossSite = await SELF.fetch(`${ORIGIN}/admin/login`, { method: "POST", redirect: "manual", headers: { ...form, cookie: sa.session, origin: "null", "sec-fetch-site": "cross-site" }, body: `token=${token}` });
    expect(crossSite.status).toBe(403);
    expect((await api("/api/admin/session", sa.session)).status).toBe(200);

    const res = await SELF.fetch(`${ORIGIN}/admin/login`, { method: "POST", redirect: "manual", headers: { ...form, cookie: sa.session, origin: ORIGIN }, body: `token=${token}` });
    expect(res.status).toBe(302);
    const sb = `${SESSION}=${cookiesOf(res)[SESSION]}`;
    const me = (await (await api("/api/admin/session", sb)).json()) as { account_id: number };
    expect(me.account_id).toBe(b.accountId);
    expect(await reason(await api("/api/admin/session", sa.session))).toBe("revoked");
    // The link was used by the switch.
    const again = await SELF.fetch(`${ORIGIN}/admin/login`, { method: "POST", redirect: "manual", headers: { ...form, origin: ORIGIN }, body: `token=${token}` });
    expect(again.status).toBe(401);
  });

  it("a new link of the same user simply renews the session (the old one ends)", async () => {
    const a = await installAccount();
    const first = await signIn(a);
    const second = await signIn(a, first.session);
    expect(second.sid).not.toBe(first.sid);
    expect((await api("/api/admin/session", second.session)).status).toBe(200);
    expect(await reason(await api("/api/admin/session", first.session))).toBe("revoked");
  });
});
