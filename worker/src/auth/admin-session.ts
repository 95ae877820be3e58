// Admin sign-in: an amoCRM admin's widget trades its token for a one-time link, the link becomes an
// HttpOnly, SameSite=Strict session cookie (HS256 JWT under SESSION_SECRET) backed by a row in
// admin_sessions, and `adminAuth` guards /api/admin/*: the row must be live (logout revokes it) and
// the user must still be an amoCRM admin (asked of amoCRM every few minutes).
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { SignJWT, jwtVerify } from "jose";
import { and, eq, gt, isNotNull, isNull, lt, lte, or } from "drizzle-orm";
import type { Config, Env } from "../env";
import type { AdminSession, AppEnv } from "../lib/hono-env";
import { Problem, problemOf } from "../lib/problem";
import type { ErrorCode } from "../lib/errors";
import { auditText, type AUDIT_WORDS } from "../lib/audit-texts";
import { adminLinks, adminSessions, metadataCache } from "../db/schema";
import type { Db } from "../db/client";
import { AmoClient, AmoError } from "../amocrm/client";
import { isPlainObject } from "../lib/json-guard";
import { z } from "zod";
import { logWarn } from "../lib/log";
import { errorText } from "../lib/error-text";
import { getAccount } from "../db/accounts";
import { scoped, tenant, type Tenant } from "../db/tenant";
import { auditInsert, writeAudit } from "../db/audit";
import { requireWidgetAdmin } from "./widget-token";
import type { AdminLinkResponse, AdminSessionResponse } from "../api-types";
import { installStatusFields } from "./install-status";

export const ADMIN_LINK_TTL_MS = 60_000;
export const SESSION_TTL_S = 8 * 60 * 60;
/** Links are useless after a minute; rows older than a day only make the table grow. */
const LINK_KEEP_MS = 24 * 60 * 60 * 1000;
const LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** Separates session tokens from any other JWT that might be signed with the same secret. */
const SESSION_AUDIENCE = "admin-session";
/** The Lax companion cookie: names who is signed in, so that a link opened from amoCRM sees it. */
const WHO_AUDIENCE = "admin-who";
/** How often amoCRM is asked whether the session's user is still an admin. */
export const RIGHTS_RECHECK_MS = 10 * 60_000;
/** After a failed check (amoCRM unreachable) the next request asks again this much later. */
const RIGHTS_RETRY_MS = 60_000;
/** How long the page keeps working while amoCRM cannot confirm the admin right. */
export const RIGHTS_GRACE_MS = 60 * 60_000;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function isSecureOrigin(cfg: Pick<Config, "publicOrigin">): boolean {
  // Only the plain-http localhost sandbox goes without `Secure`: browsers drop Secure cookies there.
  return !cfg.publicOrigin.startsWith("http:");
}

/** `__Host-` pins the cookie to our exact host and path `/`; browsers only accept it when Secure. */
export function sessionCookieName(cfg: Pick<Config, "publicOrigin">): string {
  return isSecureOrigin(cfg) ? "__Host-admin_session" : "admin_session";
}

function cookieOptions(cfg: Pick<Config, "publicOrigin">) {
  return { httpOnly: true, sameSite: "Strict", path: "/", secure: isSecureOrigin(cfg) } as const;
}

/**
 * SameSite=Strict keeps the session cookie off a link opened from amoCRM (a cross-site navigation),
 * so the sign-in page could not see who is signed in. This Lax cookie only names the session (its
 * own audience: it is never accepted as a session) so that a link cannot silently replace it.
 */
export function whoCookieName(cfg: Pick<Config, "publicOrigin">): string {
  return isSecureOrigin(cfg) ? "__Host-admin_who" : "admin_who";
}

function whoCookieOptions(cfg: Pick<Config, "publicOrigin">) {
  return { httpOnly: true, sameSite: "Lax", path: "/", secure: isSecureOrigin(cfg) } as const;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/={1,2}$/, "");
}

/** The row id is a hash of the link token, so a copy of the table holds no usable link. */
export async function adminLinkId(token: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))));
}

function sessionKey(cfg: Pick<Config, "sessionSecret">): Uint8Array {
  return new TextEncoder().encode(cfg.sessionSecret);
}

export async function signSession(cfg: Pick<Config, "sessionSecret" | "publicOrigin">, s: AdminSession & { sid: string }, nowMs: number = Date.now(), audience = SESSION_AUDIENCE): Promise<string> {
  const now = Math.floor(nowMs / 1000);
  return new SignJWT({ account_id: s.accountId, user_id: s.userId, sid: s.sid })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(cfg.publicOrigin)
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + SESSION_TTL_S)
    .sign(sessionKey(cfg));
}

/** The session in a cookie value, or null for anything forged, expired or malformed. */
export async function verifySession(token: string, cfg: Pick<Config, "sessionSecret" | "publicOrigin">, audience = SESSION_AUDIENCE): Promise<(AdminSession & { sid: string }) | null> {
  try {
    const { payload } = await jwtVerify(token, sessionKey(cfg), {
      algorithms: ["HS256"],
      issuer: cfg.publicOrigin,
      audience,
      requiredClaims: ["exp", "sid"],
    });
    const accountId = payload.account_id;
    const userId = payload.user_id;
    if (typeof accountId !== "number" || !Number.isSafeInteger(accountId) || accountId <= 0) return null;
    if (typeof userId !== "number" || !Number.isSafeInteger(userId) || userId <= 0) return null;
    if (typeof payload.sid !== "string") return null;
    return { accountId, userId, sid: payload.sid };
  } catch {
    return null;
  }
}

export type SessionRow = typeof adminSessions.$inferSelect;

/** A new server-side session for a user whose admin right was just confirmed (the widget token said so). */
export async function issueSession(db: Db, cfg: Pick<Config, "sessionSecret" | "publicOrigin">, s: AdminSession, nowMs: number = Date.now()): Promise<{ sid: string; jwt: string; who: string }> {
  const sid = crypto.randomUUID();
  // Sessions past their end are kept a day (for the audit trail's sake), then dropped.
  await db.delete(adminSessions).where(and(eq(adminSessions.accountId, s.accountId), lt(adminSessions.expiresAt, nowMs - LINK_KEEP_MS)));
  await db.insert(adminSessions).values({
    id: sid,
    accountId: s.accountId,
    userId: s.userId,
    expiresAt: nowMs + SESSION_TTL_S * 1000,
    rightsCheckedAt: nowMs,
    nextCheckAt: nowMs + RIGHTS_RECHECK_MS,
    createdAt: nowMs,
  });
  return { sid, jwt: await signSession(cfg, { ...s, sid }, nowMs), who: await signSession(cfg, { ...s, sid }, nowMs, WHO_AUDIENCE) };
}

/** Ends a session on the server: its cookie is worthless from now on, wherever a copy of it is. */
export async function revokeSession(db: Db, sid: string, reason: string, nowMs: number = Date.now()): Promise<void> {
  await db.update(adminSessions).set({ revokedAt: nowMs, revokedReason: reason }).where(and(eq(adminSessions.id, sid), isNull(adminSessions.revokedAt)));
}

async function sessionRow(db: Db, s: AdminSession & { sid: string }): Promise<SessionRow | null> {
  const row = (await db.select().from(adminSessions).where(eq(adminSessions.id, s.sid)).limit(1))[0];
  return row && row.accountId === s.accountId && row.userId === s.userId ? row : null;
}

/** The live session a browser holds (the Strict cookie, or else the Lax companion), if any. */
async function currentSession(c: Context<AppEnv>): Promise<SessionRow | null> {
  const cfg = c.var.cfg;
  const now = Date.now();
  for (const [name, audience] of [
    [sessionCookieName(cfg), SESSION_AUDIENCE],
    [whoCookieName(cfg), WHO_AUDIENCE],
  ] as const) {
    const raw = getCookie(c, name);
    const s = raw ? await verifySession(raw, cfg, audience) : null;
    const row = s ? await sessionRow(c.var.db, s) : null;
    if (row && !row.revokedAt && row.expiresAt > now) return row;
  }
  return null;
}

/** What the rights check reads of GET /api/v4/users/{id}; a body of another shape counts as no rights. */
const userRightsSchema = z.object({ rights: z.object({ is_admin: z.unknown(), is_active: z.unknown() }).partial().nullish() }).partial();

type RightsAnswer = { kind: "admin" } | { kind: "lost"; why: keyof typeof AUDIT_WORDS.why } | { kind: "unknown"; detail: string };

/** Asks amoCRM (through the account's gate and budget) whether the user is still an active admin. */
async function askAdminRight(env: Env, accountId: number, userId: number): Promise<RightsAnswer> {
  try {
    const { status, body } = await new AmoClient(env, accountId).call({ method: "GET", path: `/api/v4/users/${userId}` });
    if (status !== 200) return { kind: "unknown", detail: `GET /api/v4/users/${userId} answered ${status}` };
    const parsed = userRightsSchema.safeParse(body);
    const rights = parsed.success ? parsed.data.rights : undefined;
    if (rights?.is_active === false) return { kind: "lost", why: "user_inactive" };
    if (rights?.is_admin !== true) return { kind: "lost", why: "not_admin" };
    return { kind: "admin" };
  } catch (err) {
    if (err instanceof AmoError && err.status === 404) return { kind: "lost", why: "user_gone" };
    if (err instanceof AmoError && err.kind === "http") return { kind: "unknown", detail: `GET /api/v4/users/${userId} answered ${err.status}` };
    return { kind: "unknown", detail: errorText(err) };
  }
}

/**
 * Re-checks the admin right when it is due. One request claims the check (the others go on under
 * the last confirmation); a lost right revokes the session; an unreachable amoCRM is tolerated for
 * RIGHTS_GRACE_MS after the last confirmation.
 */
async function recheckRights(c: Context<AppEnv>, row: SessionRow, now: number): Promise<void> {
  const db = c.var.db;
  const claimed = await db
    .update(adminSessions)
    .set({ nextCheckAt: now + RIGHTS_RETRY_MS })
    .where(and(eq(adminSessions.id, row.id), lte(adminSessions.nextCheckAt, now)))
    .returning({ id: adminSessions.id });
  if (claimed.length) {
    const answer = await askAdminRight(c.env, row.accountId, row.userId);
    if (answer.kind === "admin") {
      await db.update(adminSessions).set({ rightsCheckedAt: now, nextCheckAt: now + RIGHTS_RECHECK_MS }).where(eq(adminSessions.id, row.id));
      return;
    }
    if (answer.kind === "lost") {
      await revokeSession(db, row.id, "not_admin", now);
      await writeAudit(tenant(db, row.accountId), {
        level: "warn",
        source: "admin",
        action: "admin.rights_lost",
        ...auditText("admin_rights_lost", { userId: row.userId, why: answer.why }, { sid: row.id }),
        actor: `amo-user:${row.userId}`,
        requestId: c.var.requestId,
      });
      throw unauthorized("not_admin", "admin_not_admin");
    }
    logWarn("admin right could not be re-checked", { accountId: row.accountId, userId: row.userId, detail: answer.detail, requestId: c.var.requestId });
  }
  if (now - row.rightsCheckedAt > RIGHTS_GRACE_MS) throw new Problem("admin_rights_unconfirmed", {}, { reason: "rights_unconfirmed" });
}

/** The user's name from the cached amoCRM users list, when metadata has been fetched. */
export const cachedUserName = scoped(async (t: Tenant, userId: number): Promise<string | null> => {
  const rows = await t.db
    .select({ data: metadataCache.data })
    .from(metadataCache)
    .where(and(eq(metadataCache.accountId, t.accountId), eq(metadataCache.kind, "users")))
    .limit(1);
  const users: unknown = rows[0]?.data;
  if (!Array.isArray(users)) return null;
  const user = users.find((u) => isPlainObject(u) && u.id === userId);
  return isPlainObject(user) && typeof user.name === "string" ? user.name : null;
});

function refusedPage(status: 401 | 403, text: string): Response {
  const html = `<!doctype html><html lang="ru"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Вход не выполнен / Sign-in failed</title><body style="font:16px system-ui;display:grid;place-items:center;min-height:90vh;margin:0"><main style="max-width:34rem;padding:1rem"><h1 style="font-size:1.3rem">Вход не выполнен / Sign-in failed</h1><p>${text}</p></main></body></html>`;
  return new Response(html, {
    status,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "referrer-policy": "no-referrer" },
  });
}

// The sign-in pages are HTML served before any language is known, so they carry both languages.
const LINK_REFUSED =
  "Ссылка для входа недействительна: она одноразовая и живёт одну минуту. Откройте страницу администратора заново из amoCRM (настройки виджета). / This sign-in link is not valid: it works once and for one minute. Open the admin page again from amoCRM (the widget's settings).";
const UNINSTALLED =
  "Интеграция удалена из этого аккаунта amoCRM. Установите её заново из маркетплейса amoCRM. / The integration was removed from this amoCRM account. Install it again from the amoCRM marketplace.";

function unauthorized(reason: string, code: ErrorCode): Problem {
  return problemOf(code, {}, { reason });
}

/**
 * `/api/admin/*`: a valid session cookie of an account that is still installed, and writes only
 * from our own origin (a second line behind SameSite=Strict).
 */
export const adminAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const cfg = c.var.cfg;
  if (!SAFE_METHODS.has(c.req.method)) {
    const origin = c.req.header("origin");
    const sameOrigin = origin ? origin === cfg.publicOrigin : c.req.header("sec-fetch-site") === "same-origin";
    if (!sameOrigin) {
      throw new Problem("admin_cross_origin", { origin: cfg.publicOrigin }, { reason: "cross_origin" });
    }
  }
  const raw = getCookie(c, sessionCookieName(cfg));
  if (!raw) {
    throw unauthorized("no_session", "admin_no_session");
  }
  const session = await verifySession(raw, cfg);
  const row = session ? await sessionRow(c.var.db, session) : null;
  const now = Date.now();
  if (!row || row.expiresAt <= now) {
    throw unauthorized("invalid_session", "admin_session_invalid");
  }
  if (row.revokedAt) {
    if (row.revokedReason === "not_admin") throw unauthorized("not_admin", "admin_not_admin");
    throw unauthorized("revoked", "admin_session_revoked");
  }
  const account = await getAccount(tenant(c.var.db, row.accountId));
  if (account?.status === "uninstalled") throw unauthorized("uninstalled", "admin_uninstalled");
  if (row.nextCheckAt <= now) await recheckRights(c, row, now);
  c.set("admin", { accountId: row.accountId, userId: row.userId, sid: row.id });
  await next();
};

/** The link's owner while it can still be used, without using it up. */
async function peekLink(db: Db, token: string, now: number): Promise<AdminSession | null> {
  const rows = await db
    .select({ accountId: adminLinks.accountId, userId: adminLinks.userId })
    .from(adminLinks)
    .where(and(eq(adminLinks.id, await adminLinkId(token)), isNull(adminLinks.usedAt), gt(adminLinks.expiresAt, now)))
    .limit(1);
  return rows[0] ?? null;
}

/** Uses the link up; one statement decides, so two tabs opening the same link cannot both win. */
async function consumeLink(db: Db, token: string, now: number): Promise<AdminSession | null> {
  const used = await db
    .update(adminLinks)
    .set({ usedAt: now })
    .where(and(eq(adminLinks.id, await adminLinkId(token)), isNull(adminLinks.usedAt), gt(adminLinks.expiresAt, now)))
    .returning({ accountId: adminLinks.accountId, userId: adminLinks.userId });
  return used[0] ?? null;
}

async function signIn(c: Context<AppEnv>, link: AdminSession, now: number, previous: SessionRow | null): Promise<Response> {
  const cfg = c.var.cfg;
  const t = tenant(c.var.db, link.accountId);
  const account = await getAccount(t);
  if (account?.status === "uninstalled") return refusedPage(403, UNINSTALLED);
  // The browser holds one session at a time: the one this link replaces ends on the server too.
  if (previous) await revokeSession(c.var.db, previous.id, "replaced", now);
  const { sid, jwt, who } = await issueSession(c.var.db, cfg, link, now);
  await writeAudit(t, {
    source: "admin",
    action: "admin.login",
    ...auditText("admin_signed_in", { userId: link.userId }, previous ? { sid, replaced: previous.id, replacedAccountId: previous.accountId, replacedUserId: previous.userId } : { sid }),
    actor: `amo-user:${link.userId}`,
    requestId: c.var.requestId,
  });
  setCookie(c, sessionCookieName(cfg), jwt, { ...cookieOptions(cfg), maxAge: SESSION_TTL_S });
  setCookie(c, whoCookieName(cfg), who, { ...whoCookieOptions(cfg), maxAge: SESSION_TTL_S });
  // The link token is in this URL: keep it out of caches and of the next page's Referer.
  c.header("cache-control", "no-store");
  c.header("referrer-policy", "no-referrer");
  return c.redirect("/admin/", 302);
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

async function describeUser(db: Db, s: AdminSession): Promise<{ account: string; user: string }> {
  const t = tenant(db, s.accountId);
  const [account, name] = await Promise.all([getAccount(t), cachedUserName(t, s.userId)]);
  return { account: account?.subdomain ? `${account.subdomain} (${s.accountId})` : String(s.accountId), user: name ? `${name} (${s.userId})` : String(s.userId) };
}

/**
 * The browser is signed in as someone else (another account or user): the link is not used up and
 * nothing is replaced until the person chooses. Switching posts the link back from this page.
 */
async function choicePage(c: Context<AppEnv>, token: string, current: SessionRow, link: AdminSession): Promise<Response> {
  const [now, next] = await Promise.all([describeUser(c.var.db, current), describeUser(c.var.db, link)]);
  const html = `<!doctype html><html lang="ru"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Вы уже вошли / Already signed in</title>
<body style="font:16px system-ui;display:grid;place-items:center;min-height:90vh;margin:0"><main style="max-width:36rem;padding:1rem" data-testid="login-choice">
<h1 style="font-size:1.3rem">Вы уже вошли под другой учётной записью / You are already signed in as someone else</h1>
<p>Сейчас: аккаунт amoCRM <b data-testid="current-account">${esc(now.account)}</b>, пользователь <b>${esc(now.user)}</b>.<br>Ссылка открывает: аккаунт <b data-testid="link-account">${esc(next.account)}</b>, пользователь <b>${esc(next.user)}</b>.</p>
<p>Now: amoCRM account <b>${esc(now.account)}</b>, user <b>${esc(now.user)}</b>. The link signs in to account <b>${esc(next.account)}</b>, user <b>${esc(next.user)}</b>.</p>
<form method="post" action="/admin/login" style="display:flex;gap:.75rem;flex-wrap:wrap;align-items:center">
<input type="hidden" name="token" value="${esc(token)}">
<button type="submit" data-testid="login-switch" style="font:inherit;padding:.5rem 1rem">Войти по ссылке (текущая сессия завершится) / Sign in with the link (ends the current session)</button>
<a href="/admin/" data-testid="login-stay">Остаться в текущей сессии / Stay in the current session</a>
</form>
<p style="color:#666">Ссылка действует одну минуту с момента создания. / The link works for one minute after it was made.</p>
</main></body></html>`;
  return new Response(html, {
    status: 200,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    },
  });
}

async function login(c: Context<AppEnv>): Promise<Response> {
  const token = c.req.query("token") ?? "";
  if (!LINK_TOKEN.test(token)) return refusedPage(401, LINK_REFUSED);
  const now = Date.now();
  const link = await peekLink(c.var.db, token, now);
  if (!link) return refusedPage(401, LINK_REFUSED);
  const current = await currentSession(c);
  if (current && (current.accountId !== link.accountId || current.userId !== link.userId)) return choicePage(c, token, current, link);
  const used = await consumeLink(c.var.db, token, now);
  if (!used) return refusedPage(401, LINK_REFUSED);
  return signIn(c, used, now, current);
}

/** The choice page's "sign in with the link": only from our own page, never from another site. */
async function loginSwitch(c: Context<AppEnv>): Promise<Response> {
  const cfg = c.var.cfg;
  // The choice page sends no Referer, so browsers post its form with `Origin: null`; Sec-Fetch-Site
  // (set by the browser, not by pages) still tells our own page from another site.
  const sameOrigin = c.req.header("origin") === cfg.publicOrigin || c.req.header("sec-fetch-site") === "same-origin";
  if (!sameOrigin) return refusedPage(403, "Вход отклонён: запрос пришёл с другого сайта. Откройте страницу администратора из amoCRM. / Sign-in refused: the request came from another site. Open the admin page from amoCRM.");
  const form: Record<string, unknown> = await c.req.parseBody().catch(() => ({}));
  const token = typeof form.token === "string" ? form.token : "";
  if (!LINK_TOKEN.test(token)) return refusedPage(401, LINK_REFUSED);
  const now = Date.now();
  const used = await consumeLink(c.var.db, token, now);
  if (!used) return refusedPage(401, LINK_REFUSED);
  return signIn(c, used, now, await currentSession(c));
}

export function adminSessionRoutes() {
  const r = new Hono<AppEnv>();

  r.post("/api/widget/admin-link", requireWidgetAdmin, async (c) => {
    const cfg = c.var.cfg;
    const w = c.var.widget;
    const t = tenant(c.var.db, w.accountId);
    const account = await getAccount(t);
    if (account?.status === "uninstalled") throw new Problem("admin_link_uninstalled", {}, { reason: "uninstalled" });

    const token = base64url(crypto.getRandomValues(new Uint8Array(32)));
    const now = Date.now();
    const expiresAt = now + ADMIN_LINK_TTL_MS;
    await c.var.db.batch([
      c.var.db
        .delete(adminLinks)
        .where(and(eq(adminLinks.accountId, t.accountId), or(lt(adminLinks.expiresAt, now - LINK_KEEP_MS), and(isNotNull(adminLinks.usedAt), lt(adminLinks.usedAt, now - LINK_KEEP_MS))))),
      c.var.db.insert(adminLinks).values({ id: await adminLinkId(token), accountId: t.accountId, userId: w.userId, expiresAt, createdAt: now }),
      auditInsert(t, {
        source: "widget",
        action: "admin.link_created",
        ...auditText("admin_link_issued", { userId: w.userId }),
        actor: `amo-user:${w.userId}`,
        requestId: c.var.requestId,
      }),
    ]);
    c.header("cache-control", "no-store");
    const body: AdminLinkResponse = { url: `${cfg.publicOrigin}/admin/login?token=${token}`, expiresAt };
    return c.json(body);
  });

  r.get("/admin/login", login);
  r.post("/admin/login", loginSwitch);

  r.get("/api/admin/session", async (c) => {
    const s = c.var.admin;
    const t = tenant(c.var.db, s.accountId);
    const [account, userName] = await Promise.all([getAccount(t), cachedUserName(t, s.userId)]);
    const body: AdminSessionResponse & { action?: string } = {
      account_id: s.accountId,
      // No row yet while the install's code exchange is still running.
      subdomain: account?.subdomain ?? "",
      user_id: s.userId,
      user_name: userName,
      ...installStatusFields(account),
    };
    c.header("cache-control", "no-store");
    return c.json(body);
  });

  r.post("/api/admin/logout", async (c) => {
    const s = c.var.admin;
    if (s.sid) await revokeSession(c.var.db, s.sid, "logout");
    await writeAudit(tenant(c.var.db, s.accountId), {
      source: "admin",
      action: "admin.logout",
      ...auditText("admin_signed_out", { userId: s.userId }),
      actor: `amo-user:${s.userId}`,
      requestId: c.var.requestId,
    });
    deleteCookie(c, sessionCookieName(c.var.cfg), cookieOptions(c.var.cfg));
    deleteCookie(c, whoCookieName(c.var.cfg), whoCookieOptions(c.var.cfg));
    return c.body(null, 204);
  });

  return r;
}
