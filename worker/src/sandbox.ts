// The sandbox entry (`npm start`, the browser suites, the bench): the production Worker plus the
// local amoCRM host page, the /dev/* helpers and the parse bench. Never deployed: wrangler.toml's
// `main` is index.ts, and a test checks that the production bundle carries none of this.
import type { Hono } from "hono";
import { createApp } from "./app";
import type { Env } from "./env";
import type { AppEnv } from "./lib/hono-env";
import type { HookMessage, JobMessage } from "./queue/messages";
import { handleQueue } from "./queue/consumer";
import { handleScheduled } from "./queue/scheduled";
import { devRoutes } from "./routes/dev";
import { devBenchRoutes } from "./routes/dev-bench";
import { devHostRoutes } from "./routes/dev-host";

export { AmoAccountGate } from "./amocrm/gate";
export { LptConnectionGate } from "./lptracker/gate";

function mountSandbox(app: Hono<AppEnv>): void {
  // A second lock besides the entry itself: the dev routes answer only when SANDBOX=1 is set too.
  app.use("/dev/*", async (c, next) => {
    const on = c.env.SANDBOX === "1" || c.env.SANDBOX === "true";
    if (on) c.set("cfg", { ...c.var.cfg, sandbox: true });
    await next();
  });
  app.use("/dev/imports/*", async (c, next) => {
    if (!c.var.cfg.sandbox) return c.notFound();
    await next();
  });
  app.route("/", devRoutes());
  app.route("/", devBenchRoutes());
  app.route("/", devHostRoutes());
}

const app = createApp(mountSandbox);

export default {
  fetch: app.fetch,
  queue: (batch, env, ctx) => handleQueue(batch, env, ctx),
  scheduled: (controller, env, ctx) => handleScheduled(controller, env, ctx),
} satisfies ExportedHandler<Env, JobMessage | HookMessage>;
