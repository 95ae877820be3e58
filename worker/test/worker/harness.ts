// End-to-end helpers for the Worker suites: install an amoCRM account through the real OAuth route,
// connect LPTracker through the real widget API, deliver the simulators' webhooks to the Worker,
// and wait for the queue to finish.
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { vi } from "vitest";
import { and, eq, inArray, sql } from "drizzle-orm";
import { AmoSimControl } from "../../sim/amocrm/control";
import { LptSimControl } from "../../sim/lptracker/control";
import type { CreateAccountInput } from "../../sim/amocrm/types";
import { makeDb } from "../../src/db/client";
import { events, installs } from "../../src/db/schema";
import type { HookMessage } from "../../src/queue/messages";
import { TEST_BINDINGS } from "./bindings";
import { widgetToken } from "./auth-tokens";
import { amoGate } from "../../src/amocrm/gate";
import { runLanes } from "../../src/imports/pipeline-lanes";
import { config } from "../../src/env";
import { issueSession, sessionCookieName } from "../../src/auth/admin-session";

export const amo = new AmoSimControl(env.AMOCRM_API_ORIGIN!);
export const lpt = new LptSimControl(env.LPTRACKER_API_ORIGIN!);
export const ORIGIN = TEST_BINDINGS.PUBLIC_ORIGIN;
export const db = () => makeDb(env.DB);

let counter = 0;
export function uniqueSubdomain(prefix = "t"): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter}${Math.floor(Math.random() * 1e4)}`;
}

export interface Installed {
  accountId: number;
  subdomain: string;
  adminUserId: number;
  info: Awaited<ReturnType<AmoSimControl["createAccount"]>>;
}

/** A marketplace install: amoCRM calls our redirect URI; we wait until the queue finished it. */
export async function installAccount(subdomain = uniqueSubdomain(), input: Omit<CreateAccountInput, "subdomain"> = {}): Promise<Installed> {
  const info = await amo.createAccount({ ...input, subdomain });
  const { code } = await amo.issueCode(info.id);
  const res = await SELF.fetch(`${ORIGIN}/oauth/amocrm/callback?code=${encodeURIComponent(code)}&referer=${info.domain}&from_widget=1`);
  if (res.status !== 200) throw new Error(`install callback answered ${res.status}: ${await res.text()}`);
  await vi.waitUntil(
    async () => {
      const rows = await db().select().from(installs).where(eq(installs.accountId, info.id));
      return rows.some((r) => r.status === "done");
    },
    { timeout: 60_000, interval: 100 },
  );
  return { accountId: info.id, subdomain: info.subdomain, adminUserId: info.admin_user_id, info };
}

export function adminToken(a: Pick<Installed, "accountId" | "subdomain" | "adminUserId">, isAdmin = true): Promise<string> {
  return widgetToken({ account_id: a.accountId, subdomain: a.subdomain, user_id: a.adminUserId, is_admin: isAdmin });
}

export async function widgetFetch(a: Pick<Installed, "accountId" | "subdomain" | "adminUserId">, path: string, init: RequestInit & { json?: unknown; admin?: boolean } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("X-Auth-Token", await adminToken(a, init.admin ?? true));
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return SELF.fetch(`${ORIGIN}${path}`, { ...init, headers, body });
}

export interface Connected extends Installed {
  login: string;
  password: string;
  projectId: number;
  stages: { id: number; name: string }[];
}

/** Connects LPTracker (one project) through the widget's settings API. */
export async function connectLpt(a: Installed): Promise<Connected> {
  const user = await lpt.createUser({ projects: 1 });
  const project = user.projects[0]!;
  const res = await widgetFetch(a, "/api/widget/lptracker", { method: "PUT", json: { login: user.login, password: user.password, projects: [project.id], consent: true } });
  if (res.status !== 200) throw new Error(`connect answered ${res.status}: ${await res.text()}`);
  return { ...a, login: user.login, password: user.password, projectId: project.id, stages: project.funnel.map((s) => ({ id: s.id, name: s.name })) };
}

/** Delivers the LPTracker simulator's pending webhooks of one user to the Worker. */
/**
 * Runs `fn` over `items` with at most `limit` calls in flight, answers in item order. SELF.fetch
 * slows down far worse than linearly with hundreds of bodies in flight at once (400 concurrent
 * POSTs to a 404 route take ~30 s, 100 take 0.15 s), so floods of webhooks go through this.
 */
export async function inPool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  await runLanes(items.length, limit, async (i) => {
    out[i] = await fn(items[i]!);
    return true;
  });
  return out;
}

const DELIVERY_LANES = 16;

export async function deliverLptHooks(login: string, storedTimeout = 30_000): Promise<Response[]> {
  const hooks = await lpt.outbox({ take: true, login });
  const responses = await inPool(hooks, DELIVERY_LANES, (h) => SELF.fetch(h.url.replace(/^https?:\/\/[^/]+/, ORIGIN), { method: h.method, headers: h.headers, body: h.body }));
  await hooksStored(responses, storedTimeout);
  return responses;
}

/** Waits until the events the intake accepted (and queued) are written to D1 by the hook consumer. */
export async function hooksStored(responses: Response[], timeout = 30_000): Promise<void> {
  const keys: string[] = [];
  for (const res of responses) {
    if (res.status !== 200) continue;
    const body = (await res.clone().json()) as { dedupeKey?: string; dedupeKeys?: string[] };
    if (body.dedupeKey) keys.push(body.dedupeKey);
    keys.push(...(body.dedupeKeys ?? []));
  }
  const wanted = [...new Set(keys)];
  if (wanted.length === 0) return;
  await vi.waitUntil(
    async () => {
      let found = 0;
      for (let i = 0; i < wanted.length; i += 90) {
        const rows = await db().select({ n: sql<number>`count(distinct ${events.dedupeKey})` }).from(events).where(inArray(events.dedupeKey, wanted.slice(i, i + 90)));
        found += rows[0]?.n ?? 0;
      }
      return found >= wanted.length;
    },
    { timeout, interval: 100 },
  );
}

/** Delivers the amoCRM simulator's pending webhooks of one account to the Worker. */
export async function deliverAmoHooks(accountId: number, storedTimeout = 30_000): Promise<Response[]> {
  const hooks = await amo.takeOutbox({ accountId, take: true });
  const responses = await inPool(hooks, DELIVERY_LANES, (h) => SELF.fetch(h.url.replace(/^https?:\/\/[^/]+/, ORIGIN), { method: h.method, headers: h.headers, body: h.body ?? undefined }));
  await hooksStored(responses, storedTimeout);
  return responses;
}

/** Waits until no event of the account is waiting or running. */
export async function settle(accountId: number, timeout = 30_000): Promise<void> {
  await vi.waitUntil(
    async () => {
      const busy = await db()
        .select({ id: events.id })
        .from(events)
        .where(and(eq(events.accountId, accountId), inArray(events.status, ["received", "processing"])))
        .limit(1);
      return busy.length === 0;
    },
    { timeout, interval: 200 },
  );
}

export async function eventsOf(accountId: number) {
  return db().select().from(events).where(eq(events.accountId, accountId)).orderBy(events.id);
}

/** An admin-page call with a valid session cookie, from our own origin. */
export async function adminFetch(a: Pick<Installed, "accountId" | "adminUserId">, path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const cfg = config(env);
  const { jwt } = await issueSession(db(), cfg, { accountId: a.accountId, userId: a.adminUserId });
  const headers = new Headers(init.headers);
  headers.set("cookie", `${sessionCookieName(cfg)}=${jwt}`);
  headers.set("origin", ORIGIN);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return SELF.fetch(`${ORIGIN}${path}`, { ...init, headers, body });
}

/** Makes the stored access token look like it expires in ten minutes (inside the refresh window). */
export async function nearlyExpire(accountId: number): Promise<void> {
  await runInDurableObject(amoGate(env, accountId), async (gate, state) => {
    const tokens = await state.storage.get<{ expiresAt: number }>("tokens");
    await state.storage.put("tokens", { ...tokens!, expiresAt: Date.now() + 10 * 60 * 1000 });
    // The object caches what it read; make it read the storage again.
    (gate as unknown as { tokens: unknown }).tokens = undefined;
  });
}

/** A lead in the LPTracker simulator and the intake message its webhook would have become. */
export async function leadHookMessage(a: Connected, name: string, phone = `+7916${String(1_000_000 + Math.floor(Math.random() * 8_999_999))}`): Promise<HookMessage> {
  const lead = await lpt.createLead(a.projectId, { name, phone });
  await lpt.outbox({ take: true, login: a.login });
  return {
    kind: "hook",
    accountId: a.accountId,
    projectId: a.projectId,
    action: "update",
    dedupeKey: `lpt:${a.projectId}:${lead.id}:update:${Date.now()}`,
    externalId: String(lead.id),
    payload: JSON.stringify({ id: lead.id, project_id: a.projectId, action: "update" }),
    receivedAt: Date.now() - 5_000,
  };
}
