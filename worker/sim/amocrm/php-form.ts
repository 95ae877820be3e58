// PHP-style nested keys in both directions: amoCRM reads filters as `filter[id][]=1` and sends its
// webhooks as `leads[status][0][id]=1`.
export type Nested = string | { [key: string]: Nested };

/** Turns `a[b][]=1&a[b][]=2&c=3` into `{a: {b: {0: "1", 1: "2"}}, c: "3"}`. */
export function parseNested(params: URLSearchParams): Record<string, Nested> {
  const root: Record<string, Nested> = {};
  for (const [key, value] of params) {
    const match = /^([^[\]]+)((?:\[[^\]]*\])*)$/.exec(key);
    if (!match) {
      root[key] = value;
      continue;
    }
    const path = [match[1]!, ...Array.from(match[2]!.matchAll(/\[([^\]]*)\]/g), (m) => m[1]!)];
    let node: Record<string, Nested> = root;
    path.forEach((segment, i) => {
      const name = segment === "" ? String(Object.keys(node).length) : segment;
      if (i === path.length - 1) {
        node[name] = value;
        return;
      }
      const next = node[name];
      if (typeof next === "object") node = next;
      else {
        const created: Record<string, Nested> = {};
        node[name] = created;
        node = created;
      }
    });
  }
  return root;
}

/** Every leaf string under a node: `filter[id]=1`, `filter[id][]=1` and `filter[id][0]=1` all read the same. */
export function leaves(node: Nested | undefined): string[] {
  if (node === undefined) return [];
  if (typeof node === "string") return node.split(",").filter((s) => s !== "");
  return Object.values(node).flatMap((child) => leaves(child));
}

export function child(node: Nested | undefined, key: string): Nested | undefined {
  return typeof node === "object" ? node[key] : undefined;
}

/** Flattens a value into PHP-style form pairs, the way PHP's http_build_query does. */
export function encodeNested(value: Record<string, unknown>): string {
  const params = new URLSearchParams();
  const walk = (prefix: string, v: unknown): void => {
    if (v === undefined || v === null) return;
    if (Array.isArray(v)) v.forEach((item, i) => walk(`${prefix}[${i}]`, item));
    else if (typeof v === "object") for (const [k, item] of Object.entries(v)) walk(`${prefix}[${k}]`, item);
    else if (typeof v === "boolean") params.append(prefix, v ? "1" : "0");
    else params.append(prefix, String(v));
  };
  for (const [k, v] of Object.entries(value)) walk(k, v);
  return params.toString();
}
