// Test hook: answers of one API route come back in another shape (a field dropped or replaced), so
// tests can show how the Worker copes with an amoCRM answer it did not expect. Off unless set.
import { isRecord } from "./http";

/** A change to the JSON answers of one route, e.g. `{ route: "GET /api/v4/leads", drop: ["_embedded.leads.*.id"] }`. */
export interface ReshapeRule {
  /** The route as the request counters name it: "GET /api/v4/leads/{id}", "POST /api/v4/calls". */
  route: string;
  /** Dotted paths to delete; `*` stands for every item of an array or every key of an object. */
  drop?: string[];
  /** Dotted paths to set to a value (created on the way when missing). */
  set?: Record<string, unknown>;
  /** How many answers to change (default: all of them until the rules are cleared). */
  times?: number;
}

export function readReshapeRules(body: unknown): ReshapeRule[] | string {
  if (body === null || body === undefined) return [];
  const list = Array.isArray(body) ? body : [body];
  const out: ReshapeRule[] = [];
  for (const r of list) {
    if (!isRecord(r) || typeof r.route !== "string") return "each rule needs a route such as \"GET /api/v4/leads\"";
    if (r.drop !== undefined && !(Array.isArray(r.drop) && r.drop.every((p) => typeof p === "string"))) return "drop must be a list of dotted paths";
    if (r.set !== undefined && !isRecord(r.set)) return "set must be an object of dotted paths to values";
    if (r.times !== undefined && !(typeof r.times === "number" && Number.isInteger(r.times) && r.times > 0)) return "times must be a positive integer";
    out.push({ route: r.route, drop: r.drop as string[] | undefined, set: r.set as Record<string, unknown> | undefined, times: r.times as number | undefined });
  }
  return out;
}

function children(node: unknown): [string | number, unknown][] {
  if (Array.isArray(node)) return node.map((v, i) => [i, v]);
  return isRecord(node) ? Object.entries(node) : [];
}

/** Walks `path` in `node`, calling `at` on each parent and last key the path reaches. */
function visit(node: unknown, keys: string[], create: boolean, at: (parent: Record<string, unknown> | unknown[], key: string) => void): void {
  const [key, ...rest] = keys;
  if (key === undefined || node === null || typeof node !== "object") return;
  if (rest.length === 0) {
    if (key === "*") for (const [k] of children(node)) at(node as Record<string, unknown>, String(k));
    else at(node as Record<string, unknown>, key);
    return;
  }
  if (key === "*") {
    for (const [, child] of children(node)) visit(child, rest, create, at);
    return;
  }
  const holder = node as Record<string, unknown>;
  if (create && (holder[key] === null || typeof holder[key] !== "object")) holder[key] = {};
  visit(holder[key], rest, create, at);
}

export function reshape(body: unknown, rule: ReshapeRule): unknown {
  const copy = structuredClone(body);
  for (const path of rule.drop ?? []) {
    visit(copy, path.split("."), false, (parent, key) => {
      if (Array.isArray(parent)) parent.splice(Number(key), 1, undefined);
      else delete parent[key];
    });
  }
  for (const [path, value] of Object.entries(rule.set ?? {})) {
    visit(copy, path.split("."), true, (parent, key) => {
      (parent as Record<string, unknown>)[key] = structuredClone(value);
    });
  }
  return copy;
}

/** The answer as the first matching rule shapes it (the rule's count goes down); others pass unchanged. */
export async function reshapeAnswer(rules: ReshapeRule[], route: string, response: Response): Promise<Response> {
  const rule = rules.find((r) => r.route === route);
  if (!rule || !(response.headers.get("content-type") ?? "").includes("json")) return response;
  const text = await response.text();
  if (!text) return new Response(null, { status: response.status, headers: response.headers });
  if (rule.times !== undefined && --rule.times <= 0) rules.splice(rules.indexOf(rule), 1);
  return new Response(JSON.stringify(reshape(JSON.parse(text), rule)), { status: response.status, headers: response.headers });
}
