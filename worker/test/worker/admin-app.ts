// Helpers for the admin API suites: the real app (so that another env, e.g. a fake ASSETS, can be
// passed in), signed-in requests, and row factories that write straight to D1.
import { createExecutionContext, env } from "cloudflare:test";
import { createApp } from "../../src/app";
import { makeDb } from "../../src/db/client";
import { auditLog, callResults, events } from "../../src/db/schema";
import { config } from "../../src/env";
import { issueSession, sessionCookieName } from "../../src/auth/admin-session";
import { insertAccount, uniqueAccountId } from "./auth-tokens";
import { TEST_BINDINGS } from "./bindings";

export const ORIGIN = TEST_BINDINGS.PUBLIC_ORIGIN;
export const db = () => makeDb(env.DB);


export interface Admin {
  accountId: number;
  userId: number;
}

/** A fresh installed account and its admin. */
export async function newAdmin(subdomain = "acme"): Promise<Admin> {
  const accountId = uniqueAccountId();
  await insertAccount({ accountId, subdomain });
  return { accountId, userId: 501 };
}

/** A request with a valid admin session cookie from our own origin. */
export async function asAdmin(a: Admin | null, path: string, init: RequestInit & { env?: Record<string, unknown> } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (a) {
    const { jwt } = await issueSession(db(), config(env), { accountId: a.accountId, userId: a.userId });
    headers.set("cookie", `${sessionCookieName(config(env))}=${jwt}`);
  }
  headers.set("origin", ORIGIN);
  const workerEnv = init.env ? { ...env, ...init.env } : env;
  return createApp().fetch(new Request(`${ORIGIN}${path}`, { ...init, headers }), workerEnv, createExecutionContext());
}

type EventInsert = typeof events.$inferInsert;
export async function addEvent(a: Admin, e: Partial<EventInsert> & { receivedAt: number }): Promise<number> {
  const rows = await db()
    .insert(events)
    .values({ accountId: a.accountId, source: "lptracker", action: "create", dedupeKey: crypto.randomUUID(), status: "done", payload: "{}", ...e })
    .returning({ id: events.id });
  return rows[0]!.id;
}

type AuditInsert = typeof auditLog.$inferInsert;
export async function addAudit(a: Admin, e: Partial<AuditInsert> & { message: string }): Promise<number> {
  const rows = await db()
    .insert(auditLog)
    .values({ accountId: a.accountId, source: "lptracker", action: "sync.step", ...e })
    .returning({ id: auditLog.id });
  return rows[0]!.id;
}

type CallInsert = typeof callResults.$inferInsert;
export async function addCall(a: Admin, c: Partial<CallInsert> = {}): Promise<void> {
  await db()
    .insert(callResults)
    .values({ accountId: a.accountId, source: "lptracker", callId: crypto.randomUUID(), duration: 0, syncStatus: "posted", ...c });
}

export { uniqueAccountId };
