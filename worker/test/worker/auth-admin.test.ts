import { createExecutionContext, env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SignJWT } from "jose";
import { and, eq } from "drizzle-orm";
import { createApp } from "../../src/app";
import { makeDb } from "../../src/db/client";
import { adminLinks, auditLog, metadataCache } from "../../src/db/schema";
import { adminLinkId } from "../../src/auth/admin-session";
import { insertAccount, uniqueAccountId, widgetHeaders, widgetToken } from "./auth-tokens";

const ORIGIN = "https://sync.test";
const COOKIE = "__Host-admin_session";

async function requestLink(accountId: number, userId = 501, isAdmin = true) {
  return SELF.fetch(`${ORIGIN}/api/widget/admin-link`, {
    method: "POST",
    headers: widgetHeaders(await widgetToken({ account_id: accountId, user_id: userId, is_admin: isAdmin }), { Origin: "https://acme.amocrm.ru" }),
  });
}

function openLink(url: string) {
  return SELF.fetch(url, { redirect: "manual" });
}

/** The whole flow: admin link from the widget, then the login page; returns the `Cookie` header value. */
async function signIn(accountId: number, userId = 501): Promise<string> {
  const { url } = (await (await requestLink(accountId, userId)).json()) as { url: string };
  const res = await openLink(url);
  expect(res.status).toBe(302);
  return res.headers.get("set-cookie")!.split(";")[0]!;
}

function adminFetch(path: string, init: RequestInit & { cookie?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set("cookie", init.cookie);
  return SELF.fetch(`${ORIGIN}${path}`, { ...init, headers });
}

describe("admin link (POST /api/widget/admin-link)", () => {
  it("refuses an amoCRM user who is not an admin with 403", async () => {
    const res = await requestLink(uniqueAccountId(), 501, false);
    expect(res.status).toBe(403);
    const body = (await res.json()) as { detail: string; code: string };
    expect(body.code).toBe("amo_admin_required");
    expect(body.detail).toMatch(/admin rights required/);
  });

  it("refuses a call without a widget token", async () => {
    const res = await SELF.fetch(`${ORIGIN}/api/widget/admin-link`, { method: "POST" });
    expect(res.status).toBe(401);
  });

  it("gives an admin a one-minute link on our origin and audits it without the token", async () => {
    const accountId = uniqueAccountId();
    await insertAccount({ accountId });
    const before = Date.now();
    const res = await requestLink(accountId);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { url: string; expiresAt: number };
    expect(body.url).toMatch(/^https:\/\/sync\.test\/admin\/login\?token=[A-Za-z0-9_-]{43}$/);
    expect(body.expiresAt).toBeGreaterThanOrEqual(before + 59_000);
    expect(body.expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);

    const token = new URL(body.url).searchParams.get("token")!;
    const db = makeDb(env.DB);
    const rows = await db.select().from(adminLinks).where(eq(adminLinks.accountId, accountId));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).not.toBe(token);
    expect(rows[0]!.usedAt).toBeNull();
    const audit = await db.select().from(auditLog).where(and(eq(auditLog.accountId, accountId), eq(auditLog.action, "admin.link_created")));
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(token);
  });
});

describe("admin login (GET /admin/login)", () => {
  it("turns a link into an HttpOnly, SameSite=Strict, Secure session cookie and redirects to /admin/", async () => {
    const accountId = uniqueAccountId();
    await insertAccount({ accountId });
    const { url } = (await (await requestLink(accountId)).json()) as { url: string };
    const res = await openLink(url);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toMatch(/\/admin\/$/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(new RegExp(`^${COOKIE}=`));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Secure/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).toMatch(/Max-Age=28800/);
  });

  it("works once: the same link opened again is refused with a page that says what to do", async () => {
    const accountId = uniqueAccountId();
    const { url } = (await (await requestLink(accountId)).json()) as { url: string };
    expect((await openLink(url)).status).toBe(302);
    const again = await openLink(url);
    expect(again.status).toBe(401);
    expect(again.headers.get("set-cookie")).toBeNull();
    expect(again.headers.get("content-type")).toContain("text/html");
    const html = await again.text();
    expect(html).toMatch(/Откройте страницу администратора заново из amoCRM/);
    expect(html).toMatch(/Open the admin page again from amoCRM/);
  });

  it("lets only one of two simultaneous openings of a link in", async () => {
    const { url } = (await (await requestLink(uniqueAccountId())).json()) as { url: string };
    const statuses = (await Promise.all([openLink(url), openLink(url), openLink(url)])).map((r) => r.status).sort();
    expect(statuses).toEqual([302, 401, 401]);
  });

  it("refuses an expired link", async () => {
    const accountId = uniqueAccountId();
    const token = "A".repeat(43);
    await makeDb(env.DB).insert(adminLinks).values({ id: await adminLinkId(token), accountId, userId: 501, expiresAt: Date.now() - 1000 });
    const res = await openLink(`${ORIGIN}/admin/login?token=${token}`);
    expect(res.status).toBe(401);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("refuses an unknown or malformed link", async () => {
    expect((await openLink(`${ORIGIN}/admin/login?token=${"B".repeat(43)}`)).status).toBe(401);
    expect((await openLink(`${ORIGIN}/admin/login?token=short`)).status).toBe(401);
    expect((await openLink(`${ORIGIN}/admin/login`)).status).toBe(401);
  });
});

describe("admin API guard (/api/admin/*)", () => {
  it("refuses a request without a session cookie with 401", async () => {
    const res = await adminFetch("/api/admin/session");
    expect(res.status).toBe(401);
    expect(((await res.json()) as { reason: string }).reason).toBe("no_session");
  });

  it("refuses a forged cookie", async () => {
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ account_id: uniqueAccountId(), user_id: 1, sid: "x" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(ORIGIN)
      .setAudience("admin-session")
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(new TextEncoder().encode("not-the-session-secret-not-the-session-secret"));
    const res = await adminFetch("/api/admin/session", { cookie: `${COOKIE}=${forged}` });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { reason: string }).reason).toBe("invalid_session");
  });

  it("refuses a widget token presented as a session cookie", async () => {
    const token = await widgetToken({ account_id: uniqueAccountId(), is_admin: true });
    expect((await adminFetch("/api/admin/session", { cookie: `${COOKIE}=${token}` })).status).toBe(401);
  });

  it("answers the session with account, user name from cached metadata and install status", async () => {
    const accountId = uniqueAccountId();
    await insertAccount({ accountId, subdomain: "acme" });
    await makeDb(env.DB)
      .insert(metadataCache)
      .values({ accountId, kind: "users", data: [{ id: 501, name: "Ирина Админова" }, { id: 502, name: "Other" }] });
    const cookie = await signIn(accountId, 501);
    const res = await adminFetch("/api/admin/session", { cookie });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ account_id: accountId, subdomain: "acme", user_id: 501, user_name: "Ирина Админова", install_status: "active" });
  });

  it("answers a null user name when metadata was not fetched yet", async () => {
    const accountId = uniqueAccountId();
    const cookie = await signIn(accountId, 501);
    const body = (await (await adminFetch("/api/admin/session", { cookie })).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ account_id: accountId, user_name: null, subdomain: "", install_status: "not_installed" });
  });

  it("refuses a cross-origin write with 403 even with a valid session", async () => {
    const cookie = await signIn(uniqueAccountId());
    const res = await adminFetch("/api/admin/logout", { method: "POST", cookie, headers: { Origin: "https://evil.example" } });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { reason: string; detail: string };
    expect(body.reason).toBe("cross_origin");
    expect(body.detail).toContain("https://sync.test");
  });

  it("refuses a write without Origin unless the browser marks it same-origin", async () => {
    const cookie = await signIn(uniqueAccountId());
    expect((await adminFetch("/api/admin/logout", { method: "POST", cookie })).status).toBe(403);
    expect((await adminFetch("/api/admin/logout", { method: "POST", cookie, headers: { "Sec-Fetch-Site": "cross-site" } })).status).toBe(403);
    expect((await adminFetch("/api/admin/logout", { method: "POST", cookie, headers: { "Sec-Fetch-Site": "same-origin" } })).status).toBe(204);
  });

  it("lets a same-origin write through the guard", async () => {
    const cookie = await signIn(uniqueAccountId());
    const res = await adminFetch("/api/admin/logout", { method: "POST", cookie, headers: { Origin: ORIGIN } });
    expect(res.status).toBe(204);
  });

  it("refuses the session of an account that was uninstalled", async () => {
    const accountId = uniqueAccountId();
    await insertAccount({ accountId });
    const cookie = await signIn(accountId);
    await env.DB.prepare("update accounts set status = 'uninstalled' where account_id = ?").bind(accountId).run();
    const res = await adminFetch("/api/admin/session", { cookie });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { reason: string }).reason).toBe("uninstalled");
  });
});

describe("admin logout (POST /api/admin/logout)", () => {
  it("clears the session cookie and audits the sign-out", async () => {
    const accountId = uniqueAccountId();
    const cookie = await signIn(accountId);
    const res = await adminFetch("/api/admin/logout", { method: "POST", cookie, headers: { Origin: ORIGIN } });
    expect(res.status).toBe(204);
    const cleared = res.headers.get("set-cookie")!;
    expect(cleared).toMatch(new RegExp(`^${COOKIE}=;`));
    expect(cleared).toMatch(/Max-Age=0/);
    const audit = await makeDb(env.DB).select().from(auditLog).where(and(eq(auditLog.accountId, accountId), eq(auditLog.action, "admin.logout")));
    expect(audit).toHaveLength(1);
  });
});

describe("admin cookie on a plain-http sandbox", () => {
  it("is not Secure and has no __Host- prefix when PUBLIC_ORIGIN is http", async () => {
    const app = createApp();
    const local = { ...env, PUBLIC_ORIGIN: "http://127.0.0.1:8787" };
    const accountId = uniqueAccountId();
    const token = await widgetToken({ account_id: accountId, is_admin: true });
    const linkRes = await app.fetch(new Request("http://127.0.0.1:8787/api/widget/admin-link", { method: "POST", headers: widgetHeaders(token) }), local, createExecutionContext());
    const { url } = (await linkRes.json()) as { url: string };
    expect(url.startsWith("http://127.0.0.1:8787/admin/login?token=")).toBe(true);
    const res = await app.fetch(new Request(url, { redirect: "manual" }), local, createExecutionContext());
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^admin_session=/);
    expect(cookie).not.toMatch(/Secure/i);
    expect(cookie).toMatch(/HttpOnly/i);
  });
});
