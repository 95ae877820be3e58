// Dispatches /api/v4 calls: every call first passes the gate (attribution, rate, faults, auth),
// then goes to the route whose pattern matches; the pattern doubles as the request-count key.
import { accountRoutes } from "./api-account";
import { callRoutes } from "./api-calls";
import { complexRoutes } from "./api-complex";
import { contactRoutes } from "./api-contacts";
import { leadRoutes } from "./api-leads";
import { noteRoutes } from "./api-notes";
import { taskRoutes } from "./api-tasks";
import { unsortedRoutes } from "./amocrm-unsorted";
import { webhookRoutes } from "./api-webhooks";
import type { ApiContext, Route } from "./context";
import { gate, linkBase } from "./gate";
import { problem, readBody, renderError } from "./http";
import { parseNested } from "./php-form";
import { reshapeAnswer } from "./reshape";
import type { Store } from "./store";

interface Compiled {
  route: Route;
  regex: RegExp;
  names: string[];
}

const ROUTES: Route[] = [
  ...accountRoutes,
  ...complexRoutes,
  ...unsortedRoutes,
  ...leadRoutes,
  ...contactRoutes,
  ...noteRoutes,
  ...taskRoutes,
  ...callRoutes,
  ...webhookRoutes,
];

function compile(route: Route): Compiled {
  const names: string[] = [];
  const source = route.pattern.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return name === "entity" ? "(leads|contacts)" : name === "uid" ? "([A-Za-z0-9_-]+)" : "(\\d+)";
  });
  return { route, regex: new RegExp(`^${source}/?$`), names };
}

const COMPILED = ROUTES.map(compile);

function match(method: string, path: string): { found?: Compiled; params: Record<string, string>; pattern: string; pathKnown: boolean } {
  let pathKnown = false;
  for (const c of COMPILED) {
    const m = c.regex.exec(path);
    if (!m) continue;
    pathKnown = true;
    if (c.route.method !== method) continue;
    const params = Object.fromEntries(c.names.map((n, i) => [n, m[i + 1]!]));
    // Counts read better per entity: "GET /api/v4/leads/{id}/notes", not "{entity}".
    const pattern = params.entity ? c.route.pattern.replace("{entity}", params.entity) : c.route.pattern;
    return { found: c, params, pattern, pathKnown };
  }
  return { params: {}, pattern: path.replace(/\/\d+(?=\/|$)/g, "/{id}"), pathKnown };
}

export async function handleApi(store: Store, request: Request, url: URL): Promise<Response> {
  const { found, params, pattern, pathKnown } = match(request.method, url.pathname);
  const admitted = await gate(store, request, pattern);
  if (admitted instanceof Response) return admitted;
  if (!found) return pathKnown ? problem(405, `${request.method} is not allowed here`) : problem(404, `No API method at ${url.pathname}`);
  let body: Promise<unknown> | null = null;
  const ctx: ApiContext = {
    store,
    account: admitted.account,
    userId: admitted.userId,
    byAdmin: admitted.byAdmin,
    request,
    url,
    query: parseNested(url.searchParams),
    params,
    base: linkBase(request),
    body: () => (body ??= readBody(request)),
    nowSec: () => store.nowSec(),
  };
  try {
    const answer = await found.route.handler(ctx);
    return admitted.account.reshape.length ? await reshapeAnswer(admitted.account.reshape, `${request.method} ${pattern}`, answer) : answer;
  } catch (err) {
    const rendered = renderError(err);
    if (rendered) return rendered;
    throw err;
  }
}
