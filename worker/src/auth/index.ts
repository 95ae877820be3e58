// Sign-in for the widget (amoCRM one-time X-Auth-Token) and the admin page (one-time link → session
// cookie), CORS for amoCRM origins, and the uninstall hook; app.ts mounts what this file exports.
import { Hono } from "hono";
import type { AppEnv } from "../lib/hono-env";
import { widgetMeRoutes } from "./widget-me";
import { adminSessionRoutes } from "./admin-session";
import { disconnectRoutes } from "./disconnect";

export { widgetCors, isAllowedOrigin } from "./cors";
export { widgetAuth, requireWidgetAdmin, verifyWidgetToken, TOKEN_HEADER } from "./widget-token";
export { adminAuth, sessionCookieName } from "./admin-session";

export function authRoutes() {
  const r = new Hono<AppEnv>();
  r.route("/", widgetMeRoutes());
  r.route("/", adminSessionRoutes());
  r.route("/", disconnectRoutes());
  return r;
}
