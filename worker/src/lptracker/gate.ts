// Durable Object per LPTracker connection: keeps the token (sealed), logs in again on error 401,
// keeps every call of the connection within one budget (2 req/s by default) and backs off on 503.
import { DurableObject } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { config, type Config, type Env } from "../env";
import { reseal, secretBox } from "../lib/secret-box";
import { RequestBudget, sleep } from "../lib/budget";
import { makeDb } from "../db/client";
import { lptConnections } from "../db/schema";
import { readEnvelope } from "./envelope";
import { lptLogin, LptLoginError } from "./auth";
import { buildQuery } from "../amocrm/gate";
import { errorText, errorName } from "../lib/error-text";

export interface LptRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | number | boolean | (string | number)[] | undefined>;
  body?: unknown;
}

export type LptResult =
  | { ok: true; result: unknown }
  | { ok: false; error: "not_connected" | "credentials" | "transient" | "api"; code: number; detail: string; retryAfterMs?: number };

const BACKOFF_MS = [1000, 2000, 4000];

export function lptPasswordContext(accountId: number): string {
  return `lpt-password:${accountId}`;
}

export class LptConnectionGate extends DurableObject<Env> {
  private token: string | null | undefined;
  private loggingIn: Promise<string> | null = null;
  private budget: RequestBudget | null = null;
  private inflight = new Map<string, Promise<LptResult>>();
  loginCount = 0;

  private get cfg(): Config {
    return config(this.env);
  }

  private async loadToken(accountId: number): Promise<string | null> {
    if (this.token === undefined) {
      const sealed = await this.ctx.storage.get<string>("token");
      this.token = sealed ? await secretBox(this.cfg.encryptionKey).open(sealed, `lpt-token:${accountId}`).catch(() => null) : null;
    }
    return this.token;
  }

  private async saveToken(accountId: number, token: string | null): Promise<void> {
    this.token = token;
    if (token) await this.ctx.storage.put("token", await secretBox(this.cfg.encryptionKey).seal(token, `lpt-token:${accountId}`));
    else await this.ctx.storage.delete("token");
  }

  /** A token obtained while the connection was being saved (saves one login). */
  async seedToken(accountId: number, token: string): Promise<void> {
    await this.saveToken(accountId, token);
  }

  /** Checks a login and password (before they are saved) within the connection's budget. */
  async checkLogin(login: string, password: string): Promise<{ ok: true; token: string } | { ok: false; kind: "credentials" | "transient"; detail: string }> {
    const answered = await this.takeBudget();
    try {
      return { ok: true, token: await lptLogin(this.cfg, login, password) };
    } catch (err) {
      return { ok: false, kind: err instanceof LptLoginError ? err.kind : "transient", detail: errorText(err) };
    } finally {
      answered();
    }
  }

  /**
   * Key rotation: the stored login token sealed under an older key is sealed again under the newest
   * one. One that no configured key opens is dropped: it is only a cache, the next call logs in again.
   */
  async resealToken(accountId: number): Promise<{ found: number; failed: number }> {
    const sealed = await this.ctx.storage.get<string>("token");
    const box = secretBox(this.cfg.encryptionKey);
    if (!sealed || !box.isStale(sealed)) return { found: 0, failed: 0 };
    try {
      await this.ctx.storage.put("token", await reseal(box, sealed, `lpt-token:${accountId}`));
    } catch {
      this.token = undefined;
      await this.ctx.storage.delete("token");
    }
    return { found: 1, failed: 0 };
  }

  async forget(accountId: number): Promise<void> {
    await this.saveToken(accountId, null);
  }

  private login(accountId: number): Promise<string> {
    if (!this.loggingIn) {
      this.loggingIn = (async () => {
        const db = makeDb(this.env.DB);
        const conn = (await db.select().from(lptConnections).where(eq(lptConnections.accountId, accountId)).limit(1))[0];
        if (!conn) throw new LptLoginError("credentials", "No LPTracker connection is saved for this account.");
        const password = await secretBox(this.cfg.encryptionKey).open(conn.sealedPassword, lptPasswordContext(accountId));
        this.loginCount++;
        const answered = await this.takeBudget();
        try {
          const token = await lptLogin(this.cfg, conn.login, password);
          answered();
          await this.saveToken(accountId, token);
          if (conn.status !== "active") await db.update(lptConnections).set({ status: "active", lastError: null, updatedAt: Date.now() }).where(eq(lptConnections.id, conn.id));
          return token;
        } catch (err) {
          answered();
          if (err instanceof LptLoginError && err.kind === "credentials") {
            await db.update(lptConnections).set({ status: "error", lastError: err.message, updatedAt: Date.now() }).where(eq(lptConnections.id, conn.id));
          }
          throw err;
        }
      })().finally(() => {
        this.loggingIn = null;
      });
    }
    return this.loggingIn;
  }

  private takeBudget(): Promise<() => void> {
    if (!this.budget) this.budget = new RequestBudget(this.cfg.lptRatePerSecond);
    return this.budget.take();
  }

  /**
   * One call within the connection's budget. Identical GETs already on their way are joined rather
   * than sent again: jobs that start together (a burst of webhooks) all want the same project
   * stages, fields and staff, and at 2 req/s every repeat would delay the whole burst.
   */
  async request(accountId: number, req: LptRequest): Promise<LptResult> {
    if (req.method !== "GET") return this.send(accountId, req);
    const key = `${req.path}${buildQuery(req.query)}`;
    const running = this.inflight.get(key);
    if (running) return running;
    const call = this.send(accountId, req).finally(() => this.inflight.delete(key));
    this.inflight.set(key, call);
    return call;
  }

  private async send(accountId: number, req: LptRequest): Promise<LptResult> {
    let token = await this.loadToken(accountId);
    let relogged = false;
    let attempt = 0;
    // A POST that timed out may have landed (lead creation is not idempotent): no blind retry.
    const safeToRepeat = req.method !== "POST";
    for (;;) {
      if (!token) {
        try {
          token = await this.login(accountId);
        } catch (err) {
          if (err instanceof LptLoginError && err.kind === "credentials") return { ok: false, error: "credentials", code: 401, detail: err.message };
          return { ok: false, error: "transient", code: 503, detail: errorText(err), retryAfterMs: 5000 };
        }
      }
      const answered = await this.takeBudget();
      let res: Response;
      try {
        res = await fetch(`${this.cfg.lptApiOrigin}${req.path}${buildQuery(req.query)}`, {
          method: req.method,
          headers: { token, accept: "application/json", ...(req.body !== undefined ? { "content-type": "application/json" } : {}) },
          body: req.body !== undefined ? JSON.stringify(req.body) : undefined,
          signal: AbortSignal.timeout(this.cfg.lptTimeoutMs),
        });
        answered();
      } catch (err) {
        answered();
        if (safeToRepeat && attempt < BACKOFF_MS.length) {
          await sleep(BACKOFF_MS[attempt++]!);
          continue;
        }
        return { ok: false, error: "transient", code: 504, detail: `LPTracker did not answer ${req.method} ${req.path}: ${errorName(err)}`, retryAfterMs: 4000 };
      }
      const text = await res.text();
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = null;
      }
      const env = readEnvelope(res.status, body);
      if (env.ok) return { ok: true, result: env.result };
      if (env.code === 401 && !relogged) {
        relogged = true;
        await this.saveToken(accountId, null);
        token = null;
        continue;
      }
      // 503 (rate limit) and 429 mean "not processed": repeating is safe for every method.
      const rateLimited = env.code === 503 || env.code === 429 || res.status === 503 || res.status === 429;
      const serverError = res.status >= 500 || env.code >= 500;
      if ((rateLimited || (serverError && safeToRepeat)) && attempt < BACKOFF_MS.length) {
        await sleep(BACKOFF_MS[attempt++]!);
        continue;
      }
      if (rateLimited || serverError) return { ok: false, error: "transient", code: env.code, detail: `LPTracker answered ${env.code}: ${env.message}`, retryAfterMs: 4000 };
      if (env.code === 401) return { ok: false, error: "credentials", code: 401, detail: `LPTracker refused the token even after a new login: ${env.message}` };
      return { ok: false, error: "api", code: env.code, detail: env.message };
    }
  }

  async stats(): Promise<{ loginCount: number }> {
    return { loginCount: this.loginCount };
  }
}

export function lptGate(env: Env, accountId: number): DurableObjectStub<LptConnectionGate> {
  return env.LPT_GATE.get(env.LPT_GATE.idFromName(`lpt:${accountId}`));
}
