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

type Node = Record<string, FormValue>;

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
      throw new Problem("payload-too-large", `The form has more than ${limits.maxKeys} fields. Send fewer at once.`, { limitKeys: limits.maxKeys });
    }
  }
  return parseNestedForm(new URLSearchParams(raw), limits);
}

export function parseNestedForm(params: URLSearchParams, limits: FormLimits = FORM_LIMITS): Record<string, FormValue> {
  const root: Node = Object.create(null);
  // Keys per object node, so `a[]` finds its next index in O(1) instead of counting keys again.
  const sizes = new Map<Node, number>([[root, 0]]);
  let count = 0;
  for (const [rawKey, value] of params) {
    if (++count > limits.maxKeys) {
      throw new Problem("payload-too-large", `The form has more than ${limits.maxKeys} fields. Send fewer at once.`, { limitKeys: limits.maxKeys });
    }
    const path = splitFormKey(rawKey);
    if (!path) continue;
    if (path.length > limits.maxDepth) {
      throw new Problem("bad-request", `The form field "${rawKey.slice(0, 60)}" is nested ${path.length} levels deep; at most ${limits.maxDepth} are accepted.`, {
        limitDepth: limits.maxDepth,
      });
    }
    if (path.some((p) => FORBIDDEN.has(p))) continue;
    let node = root;
    for (let i = 0; i < path.length; i++) {
      const size = sizes.get(node)!;
      const key = path[i] === "" ? String(size) : path[i]!;
      const existing = node[key];
      if (existing === undefined) sizes.set(node, size + 1);
      if (i === path.length - 1) {
        node[key] = value;
      } else {
        if (!existing || typeof existing !== "object" || Array.isArray(existing)) {
          const child: Node = Object.create(null);
          node[key] = child;
          sizes.set(child, 0);
        }
        node = node[key] as Node;
      }
    }
  }
  return toArrays(root) as Record<string, FormValue>;
}

/** Objects whose keys are 0..n-1 become arrays. */
function toArrays(v: FormValue): FormValue {
  if (typeof v === "string" || Array.isArray(v)) return v;
  const keys = Object.keys(v);
  const converted: Record<string, FormValue> = {};
  for (const k of keys) converted[k] = toArrays(v[k]!);
  if (keys.length && keys.every((k, i) => k === String(i))) return keys.map((k) => converted[k]!);
  return converted;
}
