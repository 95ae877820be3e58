// HAL list envelopes with amoCRM's paging rules: `page` + `limit` (at most 250), `_links.next`
// while more remains, and 204 with no body when the page is empty.
import type { ApiContext } from "./context";
import { hal, noContent, ProblemError } from "./http";

export const MAX_LIMIT = 250;
const DEFAULT_LIMIT = 50;

export interface Paging {
  page: number;
  limit: number;
}

function positiveInt(raw: unknown, name: string, fallback: number): number {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (typeof raw !== "string" || !Number.isInteger(n) || n < 1) {
    throw new ProblemError(400, "Bad Request", `${name} must be a positive integer`, {
      "validation-errors": [{ request_id: "0", errors: [{ code: "InvalidType", path: name, detail: "This value should be a positive integer." }] }],
    });
  }
  return n;
}

export function readPaging(ctx: ApiContext): Paging {
  const page = positiveInt(ctx.query.page, "page", 1);
  const limit = positiveInt(ctx.query.limit, "limit", DEFAULT_LIMIT);
  if (limit > MAX_LIMIT) {
    throw new ProblemError(400, "Bad Request", `limit must not be greater than ${MAX_LIMIT}`, {
      "validation-errors": [
        { request_id: "0", errors: [{ code: "LessThanOrEqual", path: "limit", detail: `This value should be less than or equal to ${MAX_LIMIT}.` }] },
      ],
    });
  }
  return { page, limit };
}

export function href(ctx: ApiContext, path: string, search?: URLSearchParams): string {
  const qs = search?.toString();
  return `${ctx.base}${path}${qs ? `?${qs}` : ""}`;
}

export function selfLinks(ctx: ApiContext, path: string): { self: { href: string } } {
  return { self: { href: href(ctx, path) } };
}

function pageHref(ctx: ApiContext, page: number, limit: number): string {
  const search = new URLSearchParams(ctx.url.search);
  search.set("page", String(page));
  search.set("limit", String(limit));
  return href(ctx, ctx.url.pathname, search);
}

/** One page of `items` as `_embedded.{entity}`; `withPageCount` adds `_total_items`/`_page_count` (users, custom fields). */
export function halPage<T>(
  ctx: ApiContext,
  entity: string,
  items: T[],
  render: (item: T) => unknown,
  options: { withPageCount?: boolean } = {},
): Response {
  const { page, limit } = readPaging(ctx);
  const slice = items.slice((page - 1) * limit, page * limit);
  if (slice.length === 0) return noContent();
  const links: Record<string, { href: string }> = { self: { href: pageHref(ctx, page, limit) } };
  if (page * limit < items.length) links.next = { href: pageHref(ctx, page + 1, limit) };
  if (page > 1) links.prev = { href: pageHref(ctx, page - 1, limit) };
  const counts = options.withPageCount ? { _total_items: items.length, _page_count: Math.ceil(items.length / limit) } : {};
  return hal({ ...counts, _page: page, _links: links, _embedded: { [entity]: slice.map(render) } });
}

/** Unpaged collections (pipelines, statuses, webhooks) still come as HAL with `_total_items`. */
export function halAll(ctx: ApiContext, entity: string, items: unknown[]): Response {
  if (items.length === 0) return noContent();
  return hal({ _total_items: items.length, _links: { self: { href: href(ctx, ctx.url.pathname) } }, _embedded: { [entity]: items } });
}
