// Parses PHP-style nested form keys (`leads[status][0][id]=1`) into objects and arrays, the way
// amoCRM sends its webhooks. Guards against prototype pollution and absurd nesting.
export type FormValue = string | FormValue[] | { [key: string]: FormValue };

const FORBIDDEN = new Set(["__proto__", "prototype", "constructor"]);

export function parseNestedForm(params: URLSearchParams, maxDepth = 6): Record<string, FormValue> {
  const root: Record<string, FormValue> = Object.create(null);
  for (const [rawKey, value] of params) {
    const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(rawKey);
    if (!m) continue;
    const path = [m[1]!, ...[...m[2]!.matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1]!)];
    if (path.length > maxDepth || path.some((p) => FORBIDDEN.has(p))) continue;
    let node: Record<string, FormValue> = root;
    for (let i = 0; i < path.length; i++) {
      const key = path[i] === "" ? String(Object.keys(node).length) : path[i]!;
      if (i === path.length - 1) {
        node[key] = value;
      } else {
        const next = node[key];
        if (!next || typeof next !== "object" || Array.isArray(next)) node[key] = Object.create(null) as Record<string, FormValue>;
        node = node[key] as Record<string, FormValue>;
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
