// Install callbacks from amoCRM: the marketplace install (code, referer, from_widget; 3 s, never
// resent) and the button install (code, referer, our signed state). Both answer at once and leave
// the code exchange to the queue.
import { Hono } from "hono";
import { SignJWT, jwtVerify } from "jose";
import type { AppEnv } from "../lib/hono-env";
import { Problem, problemResponse } from "../lib/problem";
import { installs } from "../db/schema";
import { secretBox } from "../lib/secret-box";
import { installCodeContext } from "../amocrm/install";

const AMO_HOST = /^[a-z0-9][a-z0-9-]{0,62}\.(amocrm\.ru|amocrm\.com|kommo\.com)$/;
const STATE_TTL_S = 600;
/** amoCRM's codes are about a kilobyte; our state is a short JWT; an account host is under 80 characters. */
export const MAX_CODE_LENGTH = 4096;
export const MAX_STATE_LENGTH = 1024;
export const MAX_REFERER_LENGTH = 255;
/** The INSTALL_LIMITER period in wrangler.toml. */
const INSTALL_LIMIT_PERIOD_S = 60;

function page(title: string, text: string, status = 200): Response {
  const html = `<!doctype html><html lang="ru"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title><body style="font:16px system-ui;background:#111827;color:#e5e7eb;display:grid;place-items:center;min-height:90vh"><main style="max-width:32rem"><h1 style="font-size:1.3rem">${title}</h1><p>${text}</p></main></body></html>`;
  return new Response(html, { status, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } });
}

/** The host of amoCRM's `referer` (sent bare, or as a URL by some clients), without scheme or path. */
function hostOf(referer: string | undefined): string | undefined {
  let v = referer?.trim().toLowerCase();
  if (!v) return v;
  const scheme = v.indexOf("://");
  if (scheme >= 0 && /^https?$/.test(v.slice(0, scheme))) v = v.slice(scheme + 3);
  const slash = v.indexOf("/");
  return slash >= 0 ? v.slice(0, slash) : v;
}

function stateKey(secret: string): Uint8Array {
  return new TextEncoder().encode(`install-state:${secret}`);
}

export function oauthRoutes() {
  const r = new Hono<AppEnv>();

  // Starts a button install: a signed, short-lived state, then amoCRM's consent page.
  r.get("/oauth/amocrm/start", async (c) => {
    const cfg = c.var.cfg;
    const state = await new SignJWT({ purpose: "install" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuedAt()
      .setExpirationTime(`${STATE_TTL_S}s`)
      .setJti(crypto.randomUUID())
      .sign(stateKey(cfg.sessionSecret));
    const url = new URL("https://www.amocrm.ru/oauth");
    url.searchParams.set("client_id", cfg.amoClientId);
    url.searchParams.set("state", state);
    url.searchParams.set("mode", "post_message");
    return c.redirect(url.toString(), 302);
  });

  r.get("/oauth/amocrm/callback", async (c) => {
    const cfg = c.var.cfg;
    // Each callback writes a pending install and a queue message: a client (by the address
    // Cloudflare saw) gets a few per minute, enough for a person installing, retrying, reinstalling.
    const ip = c.req.header("cf-connecting-ip");
    if (ip && !(await c.env.INSTALL_LIMITER.limit({ key: `install:${ip}` })).success) {
      return problemResponse(
        new Problem("install_rate_limited", { retryAfterSeconds: INSTALL_LIMIT_PERIOD_S }, { retryAfterSeconds: INSTALL_LIMIT_PERIOD_S }),
        c.var.requestId,
        { "retry-after": String(INSTALL_LIMIT_PERIOD_S) },
      );
    }
    const q = c.req.query();
    for (const [name, max] of [["code", MAX_CODE_LENGTH], ["state", MAX_STATE_LENGTH], ["referer", MAX_REFERER_LENGTH]] as const) {
      if ((q[name]?.length ?? 0) > max) throw new Problem("install_param_too_long", { field: name, limit: max }, { field: name, limit: max });
    }
    if (q.error) {
      return page("Установка отменена / Install cancelled", "Доступ не выдан, ничего не сохранено. Установите интеграцию заново из amoCRM. / Access was not granted; nothing was saved.");
    }
    const code = q.code?.trim();
    const referer = hostOf(q.referer);
    if (!code || !referer) throw new Problem("install_params_missing");
    if (!AMO_HOST.test(referer)) throw new Problem("install_referer_invalid", { referer: referer.slice(0, 80) });
    let flow: "marketplace" | "button";
    if (q.state !== undefined) {
      try {
        const { payload } = await jwtVerify(q.state, stateKey(cfg.sessionSecret), { algorithms: ["HS256"] });
        if (payload.purpose !== "install") throw new Error("wrong purpose");
      } catch {
        throw new Problem("install_state_invalid");
      }
      flow = "button";
    } else if (q.from_widget !== undefined) {
      flow = "marketplace";
    } else {
      throw new Problem("install_flow_unknown");
    }
    const id = crypto.randomUUID();
    const sealedCode = await secretBox(cfg.encryptionKey).seal(code, installCodeContext(id));
    await c.var.db.insert(installs).values({ id, referer, flow, sealedCode });
    await c.env.SYNC_QUEUE.send({ kind: "install", installId: id });
    return page(
      "Интеграция устанавливается / Installing",
      "Мы получили доступ и заканчиваем установку: это займёт несколько секунд. Вернитесь в amoCRM. / Access received; the install finishes in a few seconds. Return to amoCRM.",
    );
  });

  return r;
}
