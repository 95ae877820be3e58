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
import { adminAuth, authRoutes, widgetAuth, widgetCors } from "./auth";
import { oauthRoutes } from "./routes/oauth";
import { hookRoutes } from "./routes/hooks";
import { devRoutes } from "./routes/dev";
import { widgetRoutes } from "./routes/widget";
import { adminEventRoutes } from "./routes/admin-events";
import { adminRuleRoutes } from "./routes/admin-rules";
import { adminImportRoutes } from "./routes/admin-imports";
import { adminDashboardRoutes } from "./routes/admin-dashboard";
import { adminAuditRoutes } from "./routes/admin-audit";
import { adminCallRoutes } from "./routes/admin-calls";
import { adminAssetRoutes } from "./routes/admin-assets";
import { devHostRoutes } from "./routes/dev-host";
import { devHostActionRoutes } from "./routes/dev-host-actions";
import { dpHookRoutes } from "./routes/hooks-dp";
import { widgetActionRoutes } from "./routes/widget-actions";
import { logError } from "./lib/log";

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

export function createApp() {
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

  // Uploads have their own, larger limit; everything else gets the general one.
  app.use("*", async (c, next) => {
    const isUpload = c.req.method === "POST" && c.req.path === "/api/admin/imports";
    const maxSize = isUpload ? c.var.cfg.maxUploadBytes : c.var.cfg.maxBodyBytes;
    return bodyLimit({
      maxSize,
      onError: (c) =>
        problemResponse(
          new Problem("payload-too-large", `The request body is larger than ${formatBytes(maxSize)}. Send a smaller body${isUpload ? " or split the file" : ""}.`, {
            limitBytes: maxSize,
          }),
          c.var.requestId,
        ),
    })(c, next);
  });

  app.use("/api/widget/*", widgetCors);
  app.use("/api/widget/*", widgetAuth);
  app.use("/api/admin/*", adminAuth);

  app.route("/", healthRoutes());
  app.route("/", privacyRoutes());
  app.route("/", authRoutes());
  app.route("/", oauthRoutes());
  // Before hookRoutes: its /hooks/amocrm/:hookKey would take the DP path as a key.
  app.route("/", dpHookRoutes());
  app.route("/", hookRoutes());
  app.route("/", devRoutes());
  app.route("/", widgetRoutes());
  app.route("/", widgetActionRoutes());
  app.route("/", adminEventRoutes());
  app.route("/", adminRuleRoutes());
  app.route("/", adminImportRoutes());
  app.route("/", adminDashboardRoutes());
  app.route("/", adminAuditRoutes());
  app.route("/", adminCallRoutes());
  app.route("/", devHostRoutes());
  app.route("/", devHostActionRoutes());
  app.route("/", adminAssetRoutes());

  app.notFound((c) => problemResponse(new Problem("not-found", `No route for ${c.req.method} ${c.req.path}.`), c.var.requestId));

  app.onError((err, c) => {
    const requestId = c.get("requestId");
    if (err instanceof Problem) return problemResponse(err, requestId);
    logError("unhandled error", err, { requestId, path: c.req.path });
    return problemResponse(new Problem("internal", "Something went wrong on our side. Try again; if it keeps failing, contact support with the request id."), requestId);
  });

  return app;
}

function formatBytes(n: number): string {
  if (n >= 1_048_576) return `${Math.round((n / 1_048_576) * 10) / 10} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}
