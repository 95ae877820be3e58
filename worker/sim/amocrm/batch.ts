// Batch write bodies: an array of items, a size cap, and all-or-nothing validation whose errors
// carry each item's request_id the way amoCRM reports them.
import type { ApiContext } from "./context";
import { selfLinks } from "./hal";
import { hal, isRecord, ProblemError, ValidationFailure, type FieldError, type ItemErrors } from "./http";

export function requestIdOf(raw: unknown, index: number): string {
  return isRecord(raw) && (typeof raw.request_id === "string" || typeof raw.request_id === "number") ? String(raw.request_id) : String(index);
}

export async function readArrayBody(ctx: ApiContext, max: number): Promise<unknown[]> {
  const body = await ctx.body();
  if (!Array.isArray(body) || body.length === 0) throw new ProblemError(400, "Bad Request", "Body must be a non-empty array");
  if (body.length > max) {
    throw new ProblemError(400, "Bad Request", `At most ${max} items per request`, {
      "validation-errors": [{ request_id: "0", errors: [{ code: "LessThanOrEqual", path: "", detail: `This collection should contain ${max} elements or less.` }] }],
    });
  }
  return body;
}

export async function readObjectBody(ctx: ApiContext): Promise<Record<string, unknown>> {
  const body = await ctx.body();
  if (!isRecord(body)) throw new ProblemError(400, "Bad Request", "Body must be a JSON object");
  return body;
}

/** Reads every item; throws one ValidationFailure listing all bad items, so nothing is written. */
export function validateAll<D>(items: unknown[], read: (raw: unknown, errors: FieldError[], index: number) => D): D[] {
  const failures: ItemErrors[] = [];
  const drafts = items.map((raw, i) => {
    const errors: FieldError[] = [];
    const draft = read(raw, errors, i);
    if (errors.length) failures.push({ request_id: requestIdOf(raw, i), errors });
    return draft;
  });
  if (failures.length) throw new ValidationFailure(failures);
  return drafts;
}

/**
 * The answer to a batch write: `_embedded.{entity}` lists each written item in request order — its
 * `fields`, the request_id it came with and its own link — under the collection's self link.
 */
export function halWritten<T>(
  ctx: ApiContext,
  collection: string,
  entity: string,
  raws: unknown[],
  written: T[],
  row: (item: T) => { fields: Record<string, unknown>; self: string },
): Response {
  return hal({
    _links: selfLinks(ctx, collection),
    _embedded: {
      [entity]: written.map((item, i) => {
        const { fields, self } = row(item);
        return { ...fields, request_id: requestIdOf(raws[i], i), _links: selfLinks(ctx, self) };
      }),
    },
  });
}
