// Sandbox-only routes (SANDBOX=1): the install status of local accounts and amoCRM-style one-time
// tokens for the local amoCRM host page, signed with the sandbox's own client secret. In any other
// deployment these paths answer 404.
import { Hono } from "hono";
import { SignJWT } from "jose";
import type { AppEnv } from "../lib/hono-env";
import { Problem } from "../lib/problem";
import { z } from "zod";
import { accounts, events, EVENT_SOURCES } from "../db/schema";
import { jsonObjectBody, parseOr400 } from "../lib/validate";
import { eq, sql } from "drizzle-orm";
import { getMetadata } from "../amocrm/metadata";
import { tenant } from "../db/tenant";
import { isAllowedOrigin } from "../auth/cors";
import type { MiddlewareHandler } from "hono";

/** The preflights this isolate answered, so the browser tests can see real ones arrive. */
const seenPreflights: { at: number; origin: string | null; requestHeaders: string | null; path: string; allowed: boolean }[] = [];

/** Mounted before the widget's CORS: notes each preflight as the CORS middleware will judge it. */
export const notePreflights: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method === "OPTIONS" && c.var.cfg.sandbox) {
    const origin = c.req.header("origin");
    seenPreflights.push({ at: Date.now(), origin: origin ?? null, requestHeaders: c.req.header("access-control-request-headers") ?? null, path: c.req.path, allowed: isAllowedOrigin(origin, c.var.cfg.publicOrigin, c.var.cfg.devHostOrigin) });
    if (seenPreflights.length > 200) seenPreflights.splice(0, seenPreflights.length - 200);
  }
  await next();
};

export function devRoutes() {
  const r = new Hono<AppEnv>();


  /**
   * The cheapest route in the same workerd: the baseline the intake latency is compared with. It
   * reads the same body the webhook sends and answers the same way, so the ratio shows only the
   * intake's own work.
   */
  r.post("/dev/bare", async (c) => {
    await c.req.arrayBuffer();
    return c.json({ ok: true });
  });

  /** How many events of a source the sandbox stored (the benchmark counts lost webhooks with it). */
  r.get("/dev/events/count", async (c) => {
    const source = parseOr400(z.enum(EVENT_SOURCES).default("lptracker"), c.req.query("source"));
    const rows = await c.var.db.select({ n: sql<number>`count(*)` }).from(events).where(eq(events.source, source));
    return c.json({ source, count: rows[0]?.n ?? 0 });
  });

  /** The account's users as the metadata cache knows them, for the host page's user switch. */
  r.get("/dev/users", async (c) => {
    const accountId = Number(c.req.query("account_id"));
    if (!Number.isSafeInteger(accountId) || accountId <= 0) throw new Problem("dev_account_required", { field: "account_id" });
    const meta = await getMetadata(tenant(c.var.db, accountId));
    return c.json({ users: meta.users.map((u) => ({ id: u.id, name: u.name, is_admin: !!u.is_admin })) });
  });

  /** One account's events in arrival order (id, status, LPTracker lead): the browser tests watch them held and resumed. */
  r.get("/dev/events", async (c) => {
    const accountId = Number(c.req.query("account_id"));
    if (!Number.isSafeInteger(accountId) || accountId <= 0) throw new Problem("dev_account_required", { field: "account_id" });
    const rows = await c.var.db
      .select({ id: events.id, status: events.status, source: events.source, externalId: events.externalId, processedAt: events.processedAt })
      .from(events)
      .where(eq(events.accountId, accountId))
      .orderBy(events.id)
      .limit(500);
    return c.json({ events: rows });
  });

  /** The CORS preflights this isolate answered (origin, requested headers): the browser tests check real ones arrive. */
  r.get("/dev/preflights", (c) => c.json({ preflights: seenPreflights }));

  r.get("/dev/status", async (c) => {
    const rows = await c.var.db.select({ accountId: accounts.accountId, subdomain: accounts.subdomain, domain: accounts.domain, status: accounts.status }).from(accounts);
    return c.json({ accounts: rows });
  });

  /** What amoCRM's `$authorizedAjax` would attach: an HS256 token signed with the client secret. */
  r.post("/dev/token", async (c) => {
    const cfg = c.var.cfg;
    const body = await jsonObjectBody(c);
    const accountId = Number(body.account_id);
    if (!accountId) throw new Problem("dev_account_required", { field: "account_id" });
    const subdomain = typeof body.subdomain === "string" ? body.subdomain : "demo";
    const aud = new URL(cfg.amoRedirectUri).origin;
    const token = await new SignJWT({
      account_id: accountId,
      subdomain,
      user_id: Number(body.user_id ?? 1),
      client_uuid: cfg.amoClientId,
      is_admin: typeof body.is_admin === "boolean" ? body.is_admin : true,
    })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer(`https://${subdomain}.amocrm.ru`)
      .setAudience(aud)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setNotBefore("0s")
      .setExpirationTime("30m")
      .sign(new TextEncoder().encode(cfg.amoClientSecret));
    return c.json({ token });
  });

  return r;
}
