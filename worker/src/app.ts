// The Hono app: request ids, configuration check, body limits, one error shape, and the routers
// of each area mounted under their paths.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "./lib/hono-env";
import { config } from "./env";
import { makeDb } from "./db/client";
import { Problem, problemResponse } from "./lib/problem";
import { healthRoutes } from "./routes/health";
import { privacyRoutes } from "./routes/privacy";
import { keyStatusRoutes } from "./routes/key-status";
import { adminAuth, authRoutes, widgetAuth, widgetCors } from "./auth";
import { oauthRoutes } from "./routes/oauth";
import { hookRoutes } from "./routes/hooks";
import { widgetRoutes } from "./routes/widget";
import { adminEventRoutes } from "./routes/admin-events";
import { adminRuleRoutes } from "./routes/admin-rules";
import { adminImportRoutes } from "./routes/admin-imports";
import { adminDashboardRoutes } from "./routes/admin-dashboard";
import { adminAuditRoutes } from "./routes/admin-audit";
import { adminCallRoutes } from "./routes/admin-calls";
import { adminAssetRoutes } from "./routes/admin-assets";
import { dpHookRoutes } from "./routes/hooks-dp";
import { widgetActionRoutes } from "./routes/widget-actions";
import { logError } from "./lib/log";
import { jsonTooDeep, MAX_JSON_DEPTH } from "./lib/json-guard";

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * `extend` mounts extra routers after the shared middleware and before the catch-all admin assets;
 * `early` adds middleware right after the configuration is read, before CORS and auth. Only the
 * sandbox entry (sandbox.ts) passes them, so the production bundle carries no dev routes.
 */
export function createApp(extend?: (app: Hono<AppEnv>) => void, early?: (app: Hono<AppEnv>) => void) {
  const app = new Hono<AppEnv>();

  app.use("*", async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", requestId);
    await next();
    c.res.headers.set("x-request-id", requestId);
  });

  app.use("*", async (c, next) => {
    c.set("cfg", config(c.env));
    c.set("db", makeDb(c.env.DB));
    await next();
  });
  early?.(app);

  // Uploads have their own, larger limit; everything else gets the general one.
  app.use("*", async (c, next) => {
    const isUpload = c.req.method === "POST" && c.req.path === "/api/admin/imports";
    const maxSize = isUpload ? c.var.cfg.maxUploadBytes : c.var.cfg.maxBodyBytes;
    return bodyLimit({
      maxSize,
      onError: (c) =>
        problemResponse(
          new Problem(isUpload ? "upload_too_large" : "body_too_large", { limit: formatBytes(maxSize), limitBytes: maxSize }, { limitBytes: maxSize }),
          c.var.requestId,
        ),
    })(c, next);
  });

  app.use("/api/widget/*", widgetCors);
  app.use("/api/widget/*", widgetAuth);
  app.use("/api/admin/*", adminAuth);

  // JSON bodies of the APIs are checked for nesting before any route parses and validates them
  // recursively (a 1 MB `[[[[…` would otherwise overflow the stack as a 500).
  app.use("/api/*", async (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && (c.req.header("content-type") ?? "").toLowerCase().includes("application/json")) {
      if (jsonTooDeep(await c.req.text())) throw new Problem("json_too_deep", { limitDepth: MAX_JSON_DEPTH }, { limitDepth: MAX_JSON_DEPTH });
    }
    await next();
  });

  app.route("/", healthRoutes());
  app.route("/", privacyRoutes());
  app.route("/", keyStatusRoutes());
  app.route("/", authRoutes());
  app.route("/", oauthRoutes());
  // Before hookRoutes: its /hooks/amocrm/:hookKey would take the DP path as a key.
  app.route("/", dpHookRoutes());
  app.route("/", hookRoutes());
  app.route("/", widgetRoutes());
  app.route("/", widgetActionRoutes());
  app.route("/", adminEventRoutes());
  app.route("/", adminRuleRoutes());
  app.route("/", adminImportRoutes());
  app.route("/", adminDashboardRoutes());
  app.route("/", adminAuditRoutes());
  app.route("/", adminCallRoutes());
  extend?.(app);
  app.route("/", adminAssetRoutes());

  app.notFound((c) => problemResponse(new Problem("route_not_found", { method: c.req.method, path: c.req.path }), c.var.requestId));

  app.onError((err, c) => {
    const requestId = c.get("requestId");
    if (err instanceof Problem) return problemResponse(err, requestId);
    logError("unhandled error", err, { requestId, path: c.req.path });
    return problemResponse(new Problem("internal_error"), requestId);
  });

  return app;
}

function formatBytes(n: number): string {
  if (n >= 1_048_576) return `${Math.round((n / 1_048_576) * 10) / 10} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}
