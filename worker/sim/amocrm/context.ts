// What an API route handler receives once the gate has admitted the call.
import type { Nested } from "./php-form";
import type { Account, Store } from "./store";

export interface ApiContext {
  store: Store;
  account: Account;
  /** The user the access token was issued for (`sub`). */
  userId: number;
  /** Whether an account admin granted the token's access. */
  byAdmin: boolean;
  request: Request;
  url: URL;
  query: Record<string, Nested>;
  /** Path parameters of the matched route, e.g. `id`, `entity`. */
  params: Record<string, string>;
  /** Origin for `_links`: where the caller aimed. */
  base: string;
  body(): Promise<unknown>;
  nowSec(): number;
}

export type RouteHandler = (ctx: ApiContext) => Promise<Response> | Response;

export interface Route {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** `{id}` matches digits, `{entity}` matches leads|contacts; the pattern is also the request-count key. */
  pattern: string;
  handler: RouteHandler;
}

/** The handlers of an entity collection the way amoCRM lays out /api/v4/leads and /api/v4/contacts. */
export interface EntityHandlers {
  list: RouteHandler;
  create: RouteHandler;
  patchMany: RouteHandler;
  one: RouteHandler;
  patchOne: RouteHandler;
}

/** `GET|POST|PATCH base` and `GET|PATCH base/{id}`. */
export function entityRoutes(base: string, h: EntityHandlers): Route[] {
  return [
    { method: "GET", pattern: base, handler: h.list },
    { method: "POST", pattern: base, handler: h.create },
    { method: "PATCH", pattern: base, handler: h.patchMany },
    { method: "GET", pattern: `${base}/{id}`, handler: h.one },
    { method: "PATCH", pattern: `${base}/{id}`, handler: h.patchOne },
  ];
}
