// Admin sign-in: an amoCRM admin's widget trades its token for a one-time link, the link becomes an
// HttpOnly, SameSite=Strict session cookie (HS256 JWT under SESSION_SECRET), and `adminAuth` guards /api/admin/*.
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { SignJWT, jwtVerify } from "jose";
import { and, eq, gt, isNotNull, isNull, lt, or } from "drizzle-orm";
import type { Config } from "../env";
import type { AdminSession, AppEnv } from "../lib/hono-env";
import { Problem } from "../lib/problem";
import { adminLinks, metadataCache } from "../db/schema";
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

export async function signSession(cfg: Pick<Config, "sessionSecret" | "publicOrigin">, s: AdminSession & { sid: string }, nowMs: number = Date.now()): Promise<string> {
  const now = Math.floor(nowMs / 1000);
  return new SignJWT({ account_id: s.accountId, user_id: s.userId, sid: s.sid })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(cfg.publicOrigin)
    .setAudience(SESSION_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + SESSION_TTL_S)
    .sign(sessionKey(cfg));
}

/** The session in a cookie value, or null for anything forged, expired or malformed. */
export async function verifySession(token: string, cfg: Pick<Config, "sessionSecret" | "publicOrigin">): Promise<(AdminSession & { sid: string }) | null> {
  try {
    const { payload } = await jwtVerify(token, sessionKey(cfg), {
      algorithms: ["HS256"],
      issuer: cfg.publicOrigin,
      audience: SESSION_AUDIENCE,
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

/** The user's name from the cached amoCRM users list, when metadata has been fetched. */
export const cachedUserName = scoped(async (t: Tenant, userId: number): Promise<string | null> => {
  const rows = await t.db
    .select({ data: metadataCache.data })
    .from(metadataCache)
    .where(and(eq(metadataCache.accountId, t.accountId), eq(metadataCache.kind, "users")))
    .limit(1);
  const users = rows[0]?.data;
  if (!Array.isArray(users)) return null;
  const user = users.find((u): u is { id: unknown; name?: unknown } => !!u && typeof u === "object" && (u as { id?: unknown }).id === userId);
  return typeof user?.name === "string" ? user.name : null;
});

function refusedPage(status: 401 | 403, text: string): Response {
  const html = `<!doctype html><html lang="ru"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Вход не выполнен / Sign-in failed</title><body style="font:16px system-ui;display:grid;place-items:center;min-height:90vh;margin:0"><main style="max-width:34rem;padding:1rem"><h1 style="font-size:1.3rem">Вход не выполнен / Sign-in failed</h1><p>${text}</p></main></body></html>`;
  return new Response(html, {
    status,
    headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "referrer-policy": "no-referrer" },
  });
}

const LINK_REFUSED =
  "Ссылка для входа недействительна: она одноразовая и живёт одну минуту. Откройте страницу администратора заново из amoCRM (настройки виджета). / This sign-in link is not valid: it works once and for one minute. Open the admin page again from amoCRM (the widget's settings).";
const UNINSTALLED =
  "Интеграция удалена из этого аккаунта amoCRM. Установите её заново из маркетплейса amoCRM. / The integration was removed from this amoCRM account. Install it again from the amoCRM marketplace.";

function unauthorized(reason: string, detail: string): Problem {
  return new Problem("unauthorized", detail, { reason });
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
      throw new Problem(
        "forbidden",
        `Изменения принимаются только со страницы администратора (${cfg.publicOrigin}); запрос с другого сайта отклонён. / Changes are accepted only from the admin page (${cfg.publicOrigin}); this cross-origin request was refused.`,
        { reason: "cross_origin" },
      );
    }
  }
  const raw = getCookie(c, sessionCookieName(cfg));
  if (!raw) {
    throw unauthorized("no_session", "Вы не вошли: откройте страницу администратора из amoCRM (настройки виджета). / Not signed in: open the admin page from amoCRM (the widget's settings).");
  }
  const session = await verifySession(raw, cfg);
  if (!session) {
    throw unauthorized("invalid_session", "Сессия истекла или недействительна: откройте страницу администратора заново из amoCRM. / The session has expired or is invalid: open the admin page again from amoCRM.");
  }
  const account = await getAccount(tenant(c.var.db, session.accountId));
  if (account?.status === "uninstalled") throw unauthorized("uninstalled", UNINSTALLED);
  c.set("admin", { accountId: session.accountId, userId: session.userId });
  await next();
};

async function login(c: Context<AppEnv>): Promise<Response> {
  const cfg = c.var.cfg;
  const token = c.req.query("token") ?? "";
  if (!LINK_TOKEN.test(token)) return refusedPage(401, LINK_REFUSED);
  const now = Date.now();
  // One statement decides: two tabs opening the same link cannot both win.
  const used = await c.var.db
    .update(adminLinks)
    .set({ usedAt: now })
    .where(and(eq(adminLinks.id, await adminLinkId(token)), isNull(adminLinks.usedAt), gt(adminLinks.expiresAt, now)))
    .returning({ accountId: adminLinks.accountId, userId: adminLinks.userId });
  const link = used[0];
  if (!link) return refusedPage(401, LINK_REFUSED);
  const t = tenant(c.var.db, link.accountId);
  const account = await getAccount(t);
  if (account?.status === "uninstalled") return refusedPage(403, UNINSTALLED);

  const sid = crypto.randomUUID();
  const jwt = await signSession(cfg, { accountId: link.accountId, userId: link.userId, sid }, now);
  await writeAudit(t, {
    source: "admin",
    action: "admin.login",
    message: `Администратор ${link.userId} вошёл на страницу администратора / Admin user ${link.userId} signed in to the admin page`,
    actor: `amo-user:${link.userId}`,
    data: { sid },
    requestId: c.var.requestId,
  });
  setCookie(c, sessionCookieName(cfg), jwt, { ...cookieOptions(cfg), maxAge: SESSION_TTL_S });
  // The link token is in this URL: keep it out of caches and of the next page's Referer.
  c.header("cache-control", "no-store");
  c.header("referrer-policy", "no-referrer");
  return c.redirect("/admin/", 302);
}

export function adminSessionRoutes() {
  const r = new Hono<AppEnv>();

  r.post("/api/widget/admin-link", requireWidgetAdmin, async (c) => {
    const cfg = c.var.cfg;
    const w = c.var.widget;
    const t = tenant(c.var.db, w.accountId);
    const account = await getAccount(t);
    if (account?.status === "uninstalled") throw new Problem("forbidden", UNINSTALLED, { reason: "uninstalled" });

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
        message: `Администратор ${w.userId} получил одноразовую ссылку на страницу администратора / Admin user ${w.userId} got a one-time admin page link`,
        actor: `amo-user:${w.userId}`,
        requestId: c.var.requestId,
      }),
    ]);
    c.header("cache-control", "no-store");
    const body: AdminLinkResponse = { url: `${cfg.publicOrigin}/admin/login?token=${token}`, expiresAt };
    return c.json(body);
  });

  r.get("/admin/login", login);

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
    await writeAudit(tenant(c.var.db, s.accountId), {
      source: "admin",
      action: "admin.logout",
      message: `Администратор ${s.userId} вышел / Admin user ${s.userId} signed out`,
      actor: `amo-user:${s.userId}`,
      requestId: c.var.requestId,
    });
    deleteCookie(c, sessionCookieName(c.var.cfg), cookieOptions(c.var.cfg));
    return c.body(null, 204);
  });

  return r;
}
