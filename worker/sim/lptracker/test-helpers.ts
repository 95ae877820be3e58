// Helpers for the simulator's own tests: a tiny LPTracker client that talks either over HTTP or
// straight to handle(), a fake clock, and a "fresh user, logged in" fixture.
import type { LpTrackerSim } from "./index";
import type { CreatedUser, CreateUserBody, LpTrackerBehaviour } from "./types";

export const SERVICE = "amoCRM sync";

export type Target = { url: string } | LpTrackerSim;

export interface Reply {
  http: number;
  body: any;
}

export async function send(
  target: Target,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers.token = opts.token;
  if (opts.body !== undefined) headers["content-type"] ??= "application/json";
  const init: RequestInit = { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) };
  if ("url" in target) return fetch(`${target.url}${path}`, init);
  return target.handle(new Request(`http://direct.lptracker.test${path}`, init));
}

export async function call(target: Target, method: string, path: string, opts: Parameters<typeof send>[3] = {}): Promise<Reply> {
  const res = await send(target, method, path, opts);
  const text = await res.text();
  return { http: res.status, body: text ? JSON.parse(text) : null };
}

/** The result of a successful call; fails the test with the error envelope otherwise. */
export async function ok(target: Target, method: string, path: string, opts: Parameters<typeof send>[3] = {}): Promise<any> {
  const reply = await call(target, method, path, opts);
  if (reply.http !== 200 || reply.body?.status !== "success") {
    throw new Error(`${method} ${path} → HTTP ${reply.http} ${JSON.stringify(reply.body)}`);
  }
  return reply.body.result;
}

export async function login(target: Target, user: { login: string; password: string }, service = SERVICE): Promise<string> {
  const result = await ok(target, "POST", "/login", { body: { login: user.login, password: user.password, service, version: "1.0" } });
  return result.token as string;
}

export interface Session {
  user: CreatedUser;
  token: string;
  projectId: number;
  /** API call as this user. */
  ok(method: string, path: string, body?: unknown): Promise<any>;
  call(method: string, path: string, body?: unknown): Promise<Reply>;
}

/** A fresh user with a generous rate limit (unless overridden), already logged in. */
export async function session(
  target: Target,
  createUser: (body: CreateUserBody) => Promise<CreatedUser> | CreatedUser,
  options: Partial<LpTrackerBehaviour> = {},
  body: CreateUserBody = {},
): Promise<Session> {
  const user = await createUser({ ...body, options: { rateLimitPerSecond: 1000, ...options } });
  const token = await login(target, user);
  return {
    user,
    token,
    projectId: user.projects[0]!.id,
    ok: (method, path, b) => ok(target, method, path, { token, body: b }),
    call: (method, path, b) => call(target, method, path, { token, body: b }),
  };
}

export function fakeClock(start = Date.UTC(2025, 0, 15, 9, 0, 0)) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

/** The JSON inside a webhook body, whichever encoding it used. */
export function webhookJson(hook: { headers: Record<string, string>; body: string }): any {
  const type = hook.headers["content-type"] ?? "";
  if (type.includes("x-www-form-urlencoded")) return JSON.parse(new URLSearchParams(hook.body).get("data")!);
  return JSON.parse(hook.body);
}
