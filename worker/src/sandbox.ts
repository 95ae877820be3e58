// The sandbox entry (`npm start`, the browser suites, the bench): the production Worker plus the
// local amoCRM host page, the /dev/* helpers and the parse bench. Never deployed: wrangler.toml's
// `main` is index.ts, and a test checks that the production bundle carries none of this.
import type { Hono } from "hono";
import { createApp } from "./app";
import { trimOrigin, type Env } from "./env";
import type { AppEnv } from "./lib/hono-env";
import type { HookMessage, JobMessage } from "./queue/messages";
import { handleQueue } from "./queue/consumer";
import { handleScheduled } from "./queue/scheduled";
import { Problem } from "./lib/problem";
import { devRoutes, notePreflights } from "./routes/dev";
import { devBenchRoutes } from "./routes/dev-bench";
import { devHostRoutes } from "./routes/dev-host";
import { devHostActionRoutes } from "./routes/dev-host-actions";
import { devHostUnsortedRoutes } from "./routes/dev-host-unsorted";

export { AmoAccountGate } from "./amocrm/gate";
export { LptConnectionGate } from "./lptracker/gate";

/**
 * A second lock besides the entry itself: sandbox mode (dev routes, the host page's origin in the
 * widget API's CORS) is on only when SANDBOX=1 is set too.
 */
function sandboxMode(app: Hono<AppEnv>): void {
  app.use("*", async (c, next) => {
    const on = c.env.SANDBOX === "1" || c.env.SANDBOX === "true";
    if (on) c.set("cfg", { ...c.var.cfg, sandbox: true, devHostOrigin: c.env.DEV_HOST_ORIGIN ? trimOrigin(c.env.DEV_HOST_ORIGIN) : null });
    await next();
  });
  app.use("/api/widget/*", notePreflights);
}

function mountSandbox(app: Hono<AppEnv>): void {
  // One lock for every /dev route: without SANDBOX=1 they answer 404 like any unknown path.
  app.use("/dev/*", async (c, next) => {
    if (!c.var.cfg.sandbox) throw new Problem("route_not_found", { method: c.req.method, path: c.req.path });
    await next();
  });
  app.route("/", devRoutes());
  app.route("/", devBenchRoutes());
  app.route("/", devHostRoutes());
  app.route("/", devHostActionRoutes());
  app.route("/", devHostUnsortedRoutes());
}

const app = createApp(mountSandbox, sandboxMode);

export default {
  fetch: app.fetch,
  queue: (batch, env, ctx) => handleQueue(batch, env, ctx),
  scheduled: (controller, env, ctx) => handleScheduled(controller, env, ctx),
} satisfies ExportedHandler<Env, JobMessage | HookMessage>;
