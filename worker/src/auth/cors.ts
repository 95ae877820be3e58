// CORS for the widget API: the widget runs on the account's own amoCRM/Kommo origin and calls us
// with `X-Auth-Token`, so only those origins (and our own page) may read the answers.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../lib/hono-env";

/** One DNS label of an account subdomain, then an amoCRM or Kommo base domain; https only. */
const AMO_ORIGIN = /^https:\/\/[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.(?:amocrm\.ru|amocrm\.com|kommo\.com)$/;

export const CORS_ALLOW_HEADERS = "X-Auth-Token, Content-Type";
export const CORS_ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE";
// Browsers cap this anyway (Chrome: 2 h); 10 minutes keeps a rollout of new headers quick.
const PREFLIGHT_MAX_AGE_S = "600";

/** `devHostOrigin` is the sandbox's local amoCRM page; only the sandbox entry sets it (config() leaves it null). */
export function isAllowedOrigin(origin: string | undefined, publicOrigin: string, devHostOrigin: string | null = null): boolean {
  if (!origin) return false;
  return origin === publicOrigin || AMO_ORIGIN.test(origin) || (devHostOrigin !== null && origin === devHostOrigin);
}

function setHeaders(res: Response, headers: Record<string, string>): boolean {
  try {
    for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
    return true;
  } catch {
    return false;
  }
}

/**
 * Answers preflights itself (so they never reach the token check) and adds the allow headers to
 * every other answer, error answers included: the widget has to be able to read why it was refused.
 */
export const widgetCors: MiddlewareHandler<AppEnv> = async (c, next) => {
  const origin = c.req.header("origin");
  const allowed = isAllowedOrigin(origin, c.var.cfg.publicOrigin, c.var.cfg.devHostOrigin);
  const base: Record<string, string> = { Vary: "Origin" };
  if (allowed) base["Access-Control-Allow-Origin"] = origin!;

  if (c.req.method === "OPTIONS") {
    const headers = { ...base };
    if (allowed) {
      headers["Access-Control-Allow-Methods"] = CORS_ALLOW_METHODS;
      headers["Access-Control-Allow-Headers"] = CORS_ALLOW_HEADERS;
      headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE_S;
    }
    // A refused origin gets the same 204 without allow headers: the browser then blocks the call.
    return new Response(null, { status: 204, headers });
  }

  await next();
  const extra = { ...base };
  if (allowed) extra["Access-Control-Expose-Headers"] = "X-Request-Id";
  if (!setHeaders(c.res, extra)) {
    // Responses passed through from fetch() have immutable headers: copy, then set.
    const copy = new Response(c.res.body, c.res);
    setHeaders(copy, extra);
    c.res = copy;
  }
};
