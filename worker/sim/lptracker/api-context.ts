// What an API route handler receives, and what it may return: a result for the success
// envelope, a ready Response (e.g. a bare array), or a thrown LptError.
import type { Body } from "./input";
import type { Params, Route } from "./router";
import type { Store, TokenRec, UserRec } from "./store";

export interface ApiCtx {
  store: Store;
  user: UserRec;
  token: TokenRec;
  url: URL;
  body: Body;
  params: Params;
}

export type ApiHandler = (ctx: ApiCtx) => unknown;
export type ApiRoute = Route<ApiHandler>;

export const intParam = (ctx: ApiCtx, name: string) => Number(ctx.params[name]);
