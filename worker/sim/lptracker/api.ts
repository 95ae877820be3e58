// Dispatcher of the public API: login, token check, per-user request counting, the 3 req/s limit,
// injected faults, routing, and mapping thrown LptErrors onto the HTTP-200 error envelope.
import type { ApiHandler } from "./api-context";
import { contactRoutes } from "./api-contacts";
import { leadActivityRoutes } from "./api-lead-activity";
import { leadRoutes } from "./api-leads";
import { projectRoutes } from "./api-projects";
import { authRoutes, login, loginUser, resolveToken } from "./auth";
import { failure, LptError, success } from "./envelope";
import { type Body, readBody } from "./input";
import { Router } from "./router";
import type { Store, UserRec } from "./store";

function rateLimited(store: Store, user: UserRec): Response {
  // The docs disagree on whether the 503 is an HTTP status or only inside the JSON (§4).
  const http = store.behaviour(user).rateLimitStatus === "http503";
  return failure(503, "Too many requests", http ? 503 : 200);
}

function renderFault(store: Store, user: UserRec, status: number): Response {
  if (status === 503) return rateLimited(store, user);
  if (status === 429) return failure(429, "Too many requests", 429);
  // 500/502 come from the web server in front of the app, so they carry HTML, not the envelope.
  return new Response(`<html><body><h1>${status}</h1></body></html>`, { status, headers: { "content-type": "text/html" } });
}

/** Charges a call to the user; returns the response that replaces the real answer, if any. */
async function admit(store: Store, user: UserRec, key: string, path: string): Promise<Response | null> {
  user.requests.set(key, (user.requests.get(key) ?? 0) + 1);
  if (!user.rate.hit(user.login)) {
    user.rateLimited++;
    user.served503++;
    return rateLimited(store, user);
  }
  await user.faults.delay(path);
  const fault = user.faults.pick(path);
  if (fault === "503") user.served503++;
  return fault ? user.faults.apply(fault, (status) => renderFault(store, user, status)) : null;
}

function asFailure(err: unknown): Response {
  if (err instanceof LptError) return failure(err.code, err.message);
  throw err;
}

export function createApi(store: Store): (request: Request) => Promise<Response> {
  const router = new Router<ApiHandler>().addAll([
    ...authRoutes,
    ...projectRoutes,
    ...contactRoutes,
    ...leadRoutes,
    ...leadActivityRoutes,
  ]);

  return async (request) => {
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    let body: Body = {};
    let bodyError: unknown;
    try {
      body = await readBody(request);
    } catch (err) {
      bodyError = err;
    }

    if (method === "POST" && url.pathname === "/login") {
      const user = loginUser(store, body);
      const gate = user && (await admit(store, user, "POST /login", url.pathname));
      if (gate) return gate;
      try {
        if (bodyError) throw bodyError;
        return success(login(store, body));
      } catch (err) {
        return asFailure(err);
      }
    }

    const auth = resolveToken(store, request.headers.get("token"));
    const match = router.match(method, url.pathname);
    if ("user" in auth) {
      const key = match ? `${method} ${match.route.pattern}` : `${method} (unknown route)`;
      const gate = await admit(store, auth.user, key, url.pathname);
      if (gate) return gate;
    }
    if (!match) return failure(404, "Route not found");
    if (!("user" in auth)) return failure(401, auth.error);
    try {
      if (bodyError) throw bodyError;
      const result = await match.route.handler({ store, user: auth.user, token: auth.token, url, body, params: match.params });
      return result instanceof Response ? result : success(result);
    } catch (err) {
      return asFailure(err);
    }
  };
}
