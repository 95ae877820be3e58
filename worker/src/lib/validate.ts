// Validates a request value with zod and turns the first issue into a 400 problem a user can act on.
// `jsonBody` / `queryOf` are route middleware on Hono's validated-data API (`c.req.valid(...)`):
// they read the value exactly as the routes did by hand (any content type; an unreadable body is
// null), so a bad request still gets the same problem+json.
import type { z } from "zod";
import type { Context, MiddlewareHandler } from "hono";
import { Problem, problemOf } from "./problem";
import { isErrorCode } from "./errors";
import type { AppEnv } from "./hono-env";
import { isPlainObject } from "./json-guard";

export function parseOr400<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.join(".");
    // A schema may name a catalogue code as its message, for a refusal the clients explain in words.
    if (isErrorCode(issue.message)) {
      const limit = "maximum" in issue ? issue.maximum : "minimum" in issue ? issue.minimum : undefined;
      throw problemOf(issue.message, { field: path, ...(limit !== undefined ? { limit: Number(limit) } : {}) }, { field: path || undefined });
    }
    throw new Problem("request_invalid", { field: path || "body", issue: issue.message }, { field: path || undefined });
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

/** A lenient JSON body (sandbox routes): the object sent, or {} when it is missing, unreadable or not an object. */
export async function jsonObjectBody(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const body: unknown = await c.req.json().catch(() => null);
  return isPlainObject(body) ? body : {};
}
