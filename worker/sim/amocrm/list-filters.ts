// The list filters leads and contacts share: `query` (plain substring), `filter[id]`,
// `filter[created_at|updated_at][from|to]`, and `order[created_at|updated_at|id]`.
import type { ApiContext } from "./context";
import { ProblemError } from "./http";
import { child, leaves } from "./php-form";

interface Listable {
  id: number;
  created_at: number;
  updated_at: number;
}

function numbers(values: string[], name: string): number[] {
  return values.map((v) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new ProblemError(400, "Bad Request", `${name} must be numeric`);
    return n;
  });
}

export function filterIds(ctx: ApiContext, key: string): Set<number> | null {
  const raw = leaves(child(ctx.query.filter, key));
  return raw.length ? new Set(numbers(raw, `filter[${key}]`)) : null;
}

export function inRange(ctx: ApiContext, key: string, value: number | null): boolean {
  const node = child(ctx.query.filter, key);
  if (node === undefined) return true;
  if (value === null) return false;
  if (typeof node === "string") return value === Number(node);
  const from = leaves(child(node, "from"))[0];
  const to = leaves(child(node, "to"))[0];
  return (from === undefined || value >= Number(from)) && (to === undefined || value <= Number(to));
}

/** `query` matches as plain text, case-insensitively: no phone normalisation, like amoCRM's search. */
export function matchesQuery(ctx: ApiContext, text: string): boolean {
  const q = ctx.url.searchParams.get("query");
  return q === null || q === "" || text.includes(q.toLowerCase());
}

export function applyCommonFilters<T extends Listable>(ctx: ApiContext, items: T[], text: (item: T) => string): T[] {
  const ids = filterIds(ctx, "id");
  return items.filter(
    (item) =>
      (!ids || ids.has(item.id)) &&
      inRange(ctx, "created_at", item.created_at) &&
      inRange(ctx, "updated_at", item.updated_at) &&
      matchesQuery(ctx, text(item)),
  );
}

export function applyOrder<T extends Listable>(ctx: ApiContext, items: T[]): T[] {
  const order = ctx.query.order;
  const entry = typeof order === "object" ? Object.entries(order)[0] : undefined;
  if (!entry) return [...items].sort((a, b) => a.id - b.id);
  const [field, dirNode] = entry;
  if (field !== "id" && field !== "created_at" && field !== "updated_at") {
    throw new ProblemError(400, "Bad Request", `order[${field}] is not supported`);
  }
  const dir = typeof dirNode === "string" && dirNode.toLowerCase() === "desc" ? -1 : 1;
  return [...items].sort((a, b) => (a[field] - b[field] || a.id - b.id) * dir);
}

export function withList(ctx: ApiContext): Set<string> {
  return new Set(leaves(ctx.query.with));
}
