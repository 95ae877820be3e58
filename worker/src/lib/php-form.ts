// Parses PHP-style nested form keys (`leads[status][0][id]=1`) into objects and arrays, the way
// amoCRM sends its webhooks. Linear in the body (one pass per key, `[]` appends counted, not
// recounted), capped in keys and depth, and guarded against prototype pollution.
import { Problem } from "./problem";

export type FormValue = string | FormValue[] | { [key: string]: FormValue };

const FORBIDDEN = new Set(["__proto__", "prototype", "constructor"]);

export interface FormLimits {
  /** Pairs in one body; more is refused with 413. */
  maxKeys: number;
  /** Segments of one key (`leads[update][0][custom_fields][0][values][0][value]` has 8); more is refused with 400. */
  maxDepth: number;
}

/** amoCRM's deepest keys (custom field values) have 8 segments; a batch of leads stays far under 10,000 pairs. */
export const FORM_LIMITS: FormLimits = { maxKeys: 10_000, maxDepth: 12 };

/** Splits `a[b][]` into ["a", "b", ""]; null when the key is not of that shape (such keys are ignored). */
export function splitFormKey(rawKey: string): string[] | null {
  let open = rawKey.indexOf("[");
  const head = open < 0 ? rawKey : rawKey.slice(0, open);
  if (!head || head.includes("]")) return null;
  const path = [head];
  while (open >= 0) {
    const close = rawKey.indexOf("]", open + 1);
    if (close < 0) return null;
    const segment = rawKey.slice(open + 1, close);
    if (segment.includes("[")) return null;
    path.push(segment);
    if (close + 1 === rawKey.length) break;
    if (rawKey.charCodeAt(close + 1) !== 0x5b) return null;
    open = close + 1;
  }
  return path;
}

/** Parses a raw `application/x-www-form-urlencoded` body; refuses one over the key or depth cap. */
export function parseNestedFormBody(raw: string, limits: FormLimits = FORM_LIMITS): Record<string, FormValue> {
  // Counted before URLSearchParams builds its list, so a body of a million `&` costs one scan.
  let pairs = 1;
  for (let at = raw.indexOf("&"); at >= 0; at = raw.indexOf("&", at + 1)) {
    if (++pairs > limits.maxKeys) {
      throw new Problem("form_too_many_fields", { limitKeys: limits.maxKeys }, { limitKeys: limits.maxKeys });
    }
  }
  return parseNestedForm(new URLSearchParams(raw), limits);
}

export function parseNestedForm(params: URLSearchParams, limits: FormLimits = FORM_LIMITS): Record<string, FormValue> {
  // Built from Maps: O(1) inserts and sizes whatever the keys (`[]` appends read the size), turned
  // into plain objects and arrays once at the end.
  const root: Tree = new Map();
  let count = 0;
  for (const [rawKey, value] of params) {
    if (++count > limits.maxKeys) {
      throw new Problem("form_too_many_fields", { limitKeys: limits.maxKeys }, { limitKeys: limits.maxKeys });
    }
    const path = splitFormKey(rawKey);
    if (!path) continue;
    if (path.length > limits.maxDepth) {
      throw new Problem("form_too_deep", { key: rawKey.slice(0, 60), depth: path.length, limitDepth: limits.maxDepth }, { limitDepth: limits.maxDepth });
    }
    if (path.some((p) => FORBIDDEN.has(p))) continue;
    let node = root;
    for (let i = 0; i < path.length; i++) {
      const key = path[i] === "" ? String(node.size) : path[i]!;
      if (i === path.length - 1) {
        node.set(key, value);
      } else {
        let next = node.get(key);
        if (!(next instanceof Map)) {
          next = new Map();
          node.set(key, next);
        }
        node = next;
      }
    }
  }
  return toPlainObject(root);
}

type Tree = Map<string, string | Tree>;

/** Maps become objects; a Map whose keys are exactly 0..n-1 becomes an array in that order. */
function toPlain(v: string | Tree): FormValue {
  if (typeof v === "string") return v;
  let sequential = v.size > 0;
  for (const k of v.keys()) {
    const n = Number(k);
    if (!(Number.isInteger(n) && n >= 0 && n < v.size && String(n) === k)) {
      sequential = false;
      break;
    }
  }
  if (sequential) return Array.from({ length: v.size }, (_, i) => toPlain(v.get(String(i))!));
  return toPlainObject(v);
}

/** The body itself is always an object, even when its keys are 0..n-1. */
function toPlainObject(v: Tree): Record<string, FormValue> {
  const out: Record<string, FormValue> = {};
  for (const [k, child] of v) out[k] = toPlain(child);
  return out;
}
