// HTTP face of the control API under /__sim/ (no auth, plain JSON, real HTTP statuses), mapping
// each path onto SimActions; used by the sandbox and by tests through LptSimControl.
import { ControlError, type SimActions } from "./control-actions";
import { LptError, jsonResponse } from "./envelope";
import { Router, type Params } from "./router";

type ControlHandler = (ctx: { params: Params; body: any; url: URL }) => unknown;

function routes(a: SimActions): Router<ControlHandler> {
  const id = (p: Params, k = "id") => Number(p[k]);
  return new Router<ControlHandler>()
    .add("GET", "/__sim/health", () => ({ ok: true, users: a.userCount(), options: a.options }))
    .add("POST", "/__sim/reset", () => (a.reset(), { ok: true }))
    .add("POST", "/__sim/users", ({ body }) => a.createUser(body ?? {}))
    .add("GET", "/__sim/users/{login}/state", ({ params }) => a.state(params.login!))
    .add("POST", "/__sim/users/{login}/revoke-tokens", ({ params }) => a.revokeTokens(params.login!))
    .add("POST", "/__sim/users/{login}/age-tokens", ({ params, body }) => a.ageTokens(params.login!, Number(body?.seconds ?? 0)))
    .add("POST", "/__sim/users/{login}/faults", ({ params, body }) => a.setFaults(params.login!, body ?? null))
    .add("POST", "/__sim/users/{login}/drop-webhooks", ({ params, body }) => a.dropWebhooks(params.login!, body?.count))
    .add("POST", "/__sim/users/{login}/password", ({ params, body }) => a.setPassword(params.login!, body?.password))
    .add("POST", "/__sim/users/{login}/options", ({ params, body }) => a.setUserOptions(params.login!, body ?? {}))
    .add("POST", "/__sim/projects/:id/leads", ({ params, body }) => a.createLead(id(params), body ?? {}))
    .add("POST", "/__sim/leads/:id/update", ({ params, body }) => a.updateLead(id(params), body ?? {}))
    .add("POST", "/__sim/leads/:id/delete", ({ params, body }) => a.deleteLead(id(params), body ?? {}))
    .add("POST", "/__sim/leads/:id/webhook", ({ params, body }) => a.sendWebhook(id(params), body ?? {}))
    .add("GET", "/__sim/outbox", ({ url }) =>
      a.outbox({ take: ["1", "true"].includes(url.searchParams.get("take") ?? ""), login: url.searchParams.get("login") ?? undefined }),
    );
}

export function createControl(actions: SimActions): (request: Request) => Promise<Response> {
  const router = routes(actions);
  return async (request) => {
    const url = new URL(request.url);
    const match = router.match(request.method.toUpperCase(), url.pathname);
    if (!match) return jsonResponse({ error: `No control route ${request.method} ${url.pathname}` }, 404);
    let body: unknown = null;
    const text = request.method === "GET" ? "" : await request.text();
    if (text.trim()) {
      try {
        body = JSON.parse(text);
      } catch {
        return jsonResponse({ error: "Invalid JSON" }, 400);
      }
    }
    try {
      return jsonResponse(await match.route.handler({ params: match.params, body, url }));
    } catch (err) {
      if (err instanceof ControlError) return jsonResponse({ error: err.message }, err.status);
      // Validation shared with the API (unknown stage, bad custom value) surfaces as a 400 here.
      if (err instanceof LptError) return jsonResponse({ error: err.message, code: err.code }, 400);
      throw err;
    }
  };
}
