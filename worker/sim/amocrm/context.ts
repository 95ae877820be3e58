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
