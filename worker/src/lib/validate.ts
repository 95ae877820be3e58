// Validates a request value with zod and turns the first issue into a 400 problem a user can act on.
// `jsonBody` / `queryOf` are route middleware on Hono's validated-data API (`c.req.valid(...)`):
// they read the value exactly as the routes did by hand (any content type; an unreadable body is
// null), so a bad request still gets the same problem+json.
import type { z } from "zod";
import type { MiddlewareHandler } from "hono";
import { Problem } from "./problem";
import type { AppEnv } from "./hono-env";

export function parseOr400<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.join(".");
    throw new Problem("validation", `${path ? `${path}: ` : ""}${issue.message}`, { field: path || undefined });
  }
  return r.data;
}

type Validated<Target extends "json" | "query", S extends z.ZodType> = {
  in: { [K in Target]: z.input<S> };
  out: { [K in Target]: z.output<S> };
};

/** The JSON body, checked by `schema`; `empty` stands for a body that is missing or not JSON. */
export function jsonBody<S extends z.ZodType<object>>(schema: S, empty: unknown = null): MiddlewareHandler<AppEnv, string, Validated<"json", S>> {
  return async (c, next) => {
    c.req.addValidatedData("json", parseOr400(schema, await c.req.json().catch(() => empty)));
    await next();
  };
}

/** The query string (one value per name), checked by `schema`. */
export function queryOf<S extends z.ZodType<object>>(schema: S): MiddlewareHandler<AppEnv, string, Validated<"query", S>> {
  return async (c, next) => {
    c.req.addValidatedData("query", parseOr400(schema, c.req.query()));
    await next();
  };
}
