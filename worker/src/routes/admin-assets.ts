// Serves the admin page: every /admin path (a deep link such as /admin/audit/42 on reload) gets the
// built index.html from the static assets, with a strict CSP and the other security headers.
import { Hono, type Context } from "hono";
import type { AppEnv } from "../lib/hono-env";
import { Problem } from "../lib/problem";

/**
 * Only our own files: no inline script or style, nothing from elsewhere, never framed.
 * The page sets styles through the CSSOM only, which `style-src 'self'` allows.
 */
export const ADMIN_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export const ADMIN_SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": ADMIN_CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
};

async function indexHtml(c: Context<AppEnv>): Promise<Response> {
  const assets = c.env.ASSETS;
  if (!assets) throw new Problem("admin_assets_unbound");
  let res = await assets.fetch(new Request(new URL("/admin/index.html", c.req.url)));
  // The asset server may answer /index.html with a redirect to the directory (auto-trailing-slash).
  if (res.status >= 300 && res.status < 400) res = await assets.fetch(new Request(new URL("/admin/", c.req.url)));
  if (!res.ok) {
    throw new Problem("admin_page_not_built");
  }
  const headers = new Headers(res.headers);
  for (const [k, v] of Object.entries(ADMIN_SECURITY_HEADERS)) headers.set(k, v);
  headers.set("content-type", "text/html; charset=utf-8");
  // The HTML names the hashed bundles; a stale copy would point at files a new deploy removed.
  headers.set("cache-control", "no-cache");
  headers.delete("content-length");
  return new Response(res.body, { status: 200, headers });
}

export function adminAssetRoutes() {
  const r = new Hono<AppEnv>();

  r.get("/admin", indexHtml);

  r.get("/admin/*", async (c, next) => {
    const path = c.req.path;
    // The sign-in route belongs to the auth routes, mounted before this router.
    if (path === "/admin/login") return next();
    if (path.startsWith("/admin/assets/")) {
      // Normally served before the Worker runs; when it does reach us, a missing file must stay a 404, not the page.
      const res = c.env.ASSETS ? await c.env.ASSETS.fetch(c.req.raw) : null;
      if (!res || res.status === 404) throw new Problem("admin_asset_not_found", { path });
      const headers = new Headers(res.headers);
      headers.set("x-content-type-options", "nosniff");
      return new Response(res.body, { status: res.status, headers });
    }
    return indexHtml(c);
  });

  return r;
}
