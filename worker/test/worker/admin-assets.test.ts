import { describe, expect, it } from "vitest";
import { asAdmin } from "./admin-app";
import { ADMIN_CSP } from "../../src/routes/admin-assets";

const INDEX = '<!doctype html><html lang="ru"><head><script type="module" src="/admin/assets/index-abc.js"></script></head><body><div id="app"></div></body></html>';

/** An asset server holding the built page; `/admin/index.html` redirects like auto-trailing-slash does. */
function fakeAssets(opts: { built?: boolean; redirectIndex?: boolean } = {}) {
  const seen: string[] = [];
  const fetcher = {
    fetch: async (input: RequestInfo | URL) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      seen.push(url.pathname);
      if (opts.built === false) return new Response("not found", { status: 404 });
      if (url.pathname === "/admin/index.html" && opts.redirectIndex) return new Response(null, { status: 307, headers: { location: "/admin/" } });
      if (url.pathname === "/admin/index.html" || url.pathname === "/admin/") return new Response(INDEX, { headers: { "content-type": "text/html" } });
      if (url.pathname === "/admin/assets/index-abc.js") return new Response("console.log(1)", { headers: { "content-type": "text/javascript" } });
      return new Response("not found", { status: 404 });
    },
  };
  return { fetcher, seen };
}

describe("admin page assets (GET /admin, /admin/*)", () => {
  it("serves index.html for the root and every deep link, so a reload works", async () => {
    const { fetcher } = fakeAssets();
    for (const path of ["/admin", "/admin/", "/admin/rules", "/admin/uploads", "/admin/calls", "/admin/audit", "/admin/audit/42", "/admin/rules/7"]) {
      const res = await asAdmin(null, path, { env: { ASSETS: fetcher } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(await res.text()).toBe(INDEX);
    }
  });

  it("follows the asset server's redirect from /admin/index.html to the directory", async () => {
    const { fetcher, seen } = fakeAssets({ redirectIndex: true });
    const res = await asAdmin(null, "/admin/calls", { env: { ASSETS: fetcher } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(INDEX);
    expect(seen).toEqual(["/admin/index.html", "/admin/"]);
  });

  it("sends a strict CSP without inline scripts, no framing, nosniff and no referrer", async () => {
    const { fetcher } = fakeAssets();
    const res = await asAdmin(null, "/admin/", { env: { ASSETS: fetcher } });
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toBe(ADMIN_CSP);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("cache-control")).toBe("no-cache");
  });

  it("leaves /admin/login to the sign-in route", async () => {
    const { fetcher, seen } = fakeAssets();
    const res = await asAdmin(null, "/admin/login?token=short", { env: { ASSETS: fetcher } });
    expect(res.status).toBe(401);
    expect(await res.text()).toMatch(/Откройте страницу администратора заново из amoCRM/);
    expect(seen).toEqual([]);
  });

  it("answers a missing bundle with 404 instead of the page", async () => {
    const { fetcher } = fakeAssets();
    const missing = await asAdmin(null, "/admin/assets/gone-123.js", { env: { ASSETS: fetcher } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toContain("application/problem+json");
    const present = await asAdmin(null, "/admin/assets/index-abc.js", { env: { ASSETS: fetcher } });
    expect(present.status).toBe(200);
    expect(await present.text()).toBe("console.log(1)");
  });

  it("says how to build the page when it is not built", async () => {
    const { fetcher } = fakeAssets({ built: false });
    const res = await asAdmin(null, "/admin/rules", { env: { ASSETS: fetcher } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/admin:build/);
  });

  it("does not serve paths that only look like the admin page", async () => {
    const { fetcher } = fakeAssets();
    expect((await asAdmin(null, "/administrator", { env: { ASSETS: fetcher } })).status).toBe(404);
  });
});
