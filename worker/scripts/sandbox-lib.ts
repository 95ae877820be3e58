// Starts the whole product locally: both simulators in this process, the Worker under
// `wrangler dev` (workerd with local D1, Queues, R2, Durable Objects) in its own process group,
// then installs a demo amoCRM account through the real OAuth route and connects a demo LPTracker
// project through the real widget API. Used by `npm start` and by the browser tests.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { copyFileSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { serve, type RunningServer } from "../sim/shared/node-server";
import { createAmoCrmSim } from "../sim/amocrm/index";
import { createLpTrackerSim } from "../sim/lptracker/index";
import { AmoSimControl } from "../sim/amocrm/control";
import { LptSimControl } from "../sim/lptracker/control";
import { HOST_PROXY_HEADER } from "../src/routes/dev-host-proxy";

export const ROOT = path.resolve(import.meta.dirname, "../..");
/**
 * The sandbox runs this entry instead of wrangler.toml's `main`: the production Worker wrapped with
 * the /dev/* routes and the local amoCRM host page, which the production bundle does not carry.
 */
export const SANDBOX_ENTRY = path.join("worker", "src", "sandbox.ts");

export interface SandboxOptions {
  workerPort?: number;
  amoPort?: number;
  lptPort?: number;
  /** The local amoCRM host page's own origin (a proxy of the Worker's /dev/ paths), default workerPort + 3. */
  hostPort?: number;
  /** Where local D1/R2/DO state lives; a fresh directory gives a clean sandbox. */
  persistTo?: string;
  fresh?: boolean;
  log?: (line: string) => void;
  /** Extra vars for the Worker (e.g. a shorter timeout in tests). */
  vars?: Record<string, string>;
  /**
   * Serve a bundled copy of the Worker, its assets and its config taken at start, instead of the
   * source tree: wrangler dev reloads on every edit, and a reload drops the local queue's messages
   * and the requests in flight. For runs that must not be disturbed (benchmarks) while other work
   * goes on in the same checkout.
   */
  frozen?: boolean;
}

export interface Sandbox {
  workerUrl: string;
  /** Where the local amoCRM pages live: another origin than the Worker, as amoCRM is. */
  hostUrl: string;
  amoUrl: string;
  lptUrl: string;
  amo: AmoSimControl;
  lpt: LptSimControl;
  demo: { accountId: number; subdomain: string; lptLogin: string; lptPassword: string; projectId: number | null };
  clientId: string;
  clientSecret: string;
  /** A token as amoCRM's $authorizedAjax would send it, for the demo account. */
  widgetToken(opts?: { userId?: number; isAdmin?: boolean; accountId?: number; subdomain?: string }): Promise<string>;
  stop(): Promise<void>;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < until) {
    try {
      if (await check()) return;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ""}`);
}

function runOnce(cmd: string, args: string[], env: NodeJS.ProcessEnv, log: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => {
      if (code === 0) resolve();
      else {
        log(out);
        reject(new Error(`${cmd} ${args.join(" ")} exited with ${code}`));
      }
    });
  });
}

/** Bundles the Worker once and copies its assets and config aside; `args` make wrangler dev serve that copy. */
async function freezeWorker(wrangler: string, env: NodeJS.ProcessEnv, log: (l: string) => void): Promise<{ dir: string; args: string[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), "sandbox-worker-"));
  await runOnce(wrangler, ["deploy", SANDBOX_ENTRY, "--dry-run", "--outdir", path.join(dir, "bundle")], env, log);
  cpSync(path.join(ROOT, "worker", "public"), path.join(dir, "public"), { recursive: true });
  copyFileSync(path.join(ROOT, "wrangler.toml"), path.join(dir, "wrangler.toml"));
  return { dir, args: [path.join(dir, "bundle", "sandbox.js"), "--no-bundle", "--config", path.join(dir, "wrangler.toml"), "--assets", path.join(dir, "public")] };
}

/**
 * The origin of the local amoCRM pages: forwards /dev/ paths (the host page, the widget files, the
 * one-time tokens and amoCRM's server actions) to the Worker. Widget requests to /api/ from there
 * are cross-origin, so the browser sends real CORS preflights with X-Auth-Token, as under amoCRM.
 */
function hostPageProxy(workerUrl: string) {
  return async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    if (!url.pathname.startsWith("/dev/")) return new Response("This origin stands in for amoCRM's pages: open /dev/amocrm.", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
    const headers = new Headers(req.headers);
    headers.delete("host");
    headers.set(HOST_PROXY_HEADER, "1");
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer();
    const res = await fetch(`${workerUrl}${url.pathname}${url.search}`, { method: req.method, headers, body, redirect: "manual" });
    const out = new Headers(res.headers);
    // fetch() has already decoded the body.
    out.delete("content-encoding");
    out.delete("content-length");
    return new Response(req.method === "HEAD" ? null : await res.arrayBuffer(), { status: res.status, headers: out });
  };
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  // TEST_PORT_OFFSET lets several checkouts run their browser suites on one machine at once.
  const offset = Number(process.env.TEST_PORT_OFFSET ?? 0) || 0;
  const workerPort = (opts.workerPort ?? 8787) + offset;
  const amoPort = (opts.amoPort ?? 8788) + offset;
  const lptPort = (opts.lptPort ?? 8789) + offset;
  // Next to the Worker's port unless given, so that sandboxes with their own ports never share it.
  const hostPort = (opts.hostPort ?? (opts.workerPort ?? 8787) + 3) + offset;
  const persistTo = opts.persistTo ?? path.join(ROOT, ".wrangler", "sandbox-state");
  if (opts.fresh) rmSync(persistTo, { recursive: true, force: true });

  const workerUrl = `http://127.0.0.1:${workerPort}`;
  const clientId = randomUUID();
  const clientSecret = randomBytes(32).toString("hex");
  const redirectUri = `${workerUrl}/oauth/amocrm/callback`;

  const amoSim = createAmoCrmSim({ clientId, clientSecret, redirectUri, webhookMode: "http" });
  const lptSim = createLpTrackerSim({ webhookMode: "http", webhookEncoding: "form" });
  const servers: RunningServer[] = [];
  servers.push(await serve((r) => amoSim.handle(r), amoPort));
  servers.push(await serve((r) => lptSim.handle(r), lptPort));
  const amoUrl = `http://127.0.0.1:${amoPort}`;
  const lptUrl = `http://127.0.0.1:${lptPort}`;
  servers.push(await serve(hostPageProxy(workerUrl), hostPort));
  const hostUrl = `http://127.0.0.1:${hostPort}`;

  const vars: Record<string, string> = {
    PUBLIC_ORIGIN: workerUrl,
    AMOCRM_CLIENT_ID: clientId,
    AMOCRM_CLIENT_SECRET: clientSecret,
    AMOCRM_REDIRECT_URI: redirectUri,
    AMOCRM_API_ORIGIN: amoUrl,
    LPTRACKER_API_ORIGIN: lptUrl,
    ENCRYPTION_KEY: `v1:${randomBytes(32).toString("base64")}`,
    SESSION_SECRET: randomBytes(32).toString("hex"),
    SANDBOX: "1",
    DEV_HOST_ORIGIN: hostUrl,
    ...opts.vars,
  };
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1", CI: "1" };
  const wrangler = path.join(ROOT, "node_modules", ".bin", "wrangler");

  await runOnce(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], env, log);

  const snapshot = opts.frozen ? await freezeWorker(wrangler, env, log) : null;
  const args = ["dev", ...(snapshot?.args ?? [SANDBOX_ENTRY]), "--ip", "127.0.0.1", "--port", String(workerPort), "--persist-to", persistTo, "--show-interactive-dev-session=false", "--log-level", "log"];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  // The last lines wrangler printed, kept whatever `log` does, so a failed start says why.
  const tail: string[] = [];
  const prefix = (d: Buffer) =>
    String(d)
      .split("\n")
      .filter((l) => l.trim())
      .forEach((l) => {
        const line = `[worker] ${l.replace(/(token|secret|password)=\S+/gi, "$1=[redacted]")}`;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        log(line);
      });
  let child!: ChildProcess;
  let exited = false;
  const launch = () => {
    exited = false;
    child = spawn(wrangler, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    child.stdout?.on("data", prefix);
    child.stderr?.on("data", prefix);
    child.on("exit", () => (exited = true));
  };
  launch();

  const stop = async () => {
    if (!exited && child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        /* already gone */
      }
      await waitFor(async () => exited, 5000, "wrangler to stop").catch(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          /* gone */
        }
      });
    }
    await Promise.all(servers.map((s) => s.close()));
    if (snapshot) rmSync(snapshot.dir, { recursive: true, force: true });
  };

  try {
    // wrangler dev can exit while starting on a loaded machine (a port still held by the last
    // suite's process, a watcher race): started once more before the suite is failed.
    for (let attempt = 1; ; attempt++) {
      // Stops waiting as soon as the process is gone.
      await waitFor(async () => exited || (await fetch(`${workerUrl}/healthz`)).status === 200, 90_000, "the Worker's /healthz");
      if (!exited) break;
      if (attempt >= 2) throw new Error(`wrangler dev exited while starting:\n${tail.join("\n")}`);
      log("wrangler dev exited while starting; starting it again");
      await new Promise((r) => setTimeout(r, 2000));
      launch();
    }

    const amo = new AmoSimControl(amoUrl);
    const lpt = new LptSimControl(lptUrl);

    // Demo amoCRM account, installed the way the marketplace does it.
    const account = await amo.createAccount({ subdomain: "demo" });
    const { code } = await amo.issueCode(account.id);
    const cb = await fetch(`${workerUrl}/oauth/amocrm/callback?code=${encodeURIComponent(code)}&referer=${account.subdomain}.amocrm.ru&from_widget=1`);
    if (cb.status !== 200) throw new Error(`install callback answered ${cb.status}`);
    await waitFor(async () => {
      const s = (await (await fetch(`${workerUrl}/dev/status`)).json()) as { accounts: { accountId: number; status: string }[] };
      return s.accounts.some((a) => a.accountId === account.id && a.status === "active");
    }, 30_000, "the demo install");

    const widgetToken = async (o: { userId?: number; isAdmin?: boolean; accountId?: number; subdomain?: string } = {}) => {
      const res = await fetch(`${workerUrl}/dev/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ account_id: o.accountId ?? account.id, user_id: o.userId ?? account.users[0]?.id ?? 1, is_admin: o.isAdmin ?? true, subdomain: o.subdomain ?? account.subdomain }),
      });
      return ((await res.json()) as { token: string }).token;
    };

    // Demo LPTracker project, connected through the widget's settings API.
    const user = await lpt.createUser({ projects: 1 });
    const projectId = user.projects[0]?.id ?? null;
    const put = await fetch(`${workerUrl}/api/widget/lptracker`, {
      method: "PUT",
      headers: { "content-type": "application/json", "x-auth-token": await widgetToken() },
      body: JSON.stringify({ login: user.login, password: user.password, projects: projectId ? [projectId] : [], consent: true }),
    });
    if (put.status !== 200) log(`LPTracker connection not made yet (${put.status}): ${(await put.text()).slice(0, 300)}`);

    return {
      workerUrl,
      hostUrl,
      amoUrl,
      lptUrl,
      amo,
      lpt,
      clientId,
      clientSecret,
      demo: { accountId: account.id, subdomain: account.subdomain, lptLogin: user.login, lptPassword: user.password, projectId },
      widgetToken,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
