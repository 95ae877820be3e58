// Minimal method + path matcher. In a pattern `:name` matches digits only (LPTracker ids are
// integers, so `/lead/abc` is an unknown route) and `{name}` matches any single segment.
export type Params = Record<string, string>;

export interface Route<H> {
  method: string;
  pattern: string;
  handler: H;
}

interface Compiled<H> extends Route<H> {
  regex: RegExp;
  keys: string[];
}

export class Router<H> {
  private routes: Compiled<H>[] = [];

  add(method: string, pattern: string, handler: H): this {
    const keys: string[] = [];
    const source = pattern
      .split("/")
      .map((seg) => {
        if (seg.startsWith(":")) {
          keys.push(seg.slice(1));
          return "(\\d+)";
        }
        if (seg.startsWith("{") && seg.endsWith("}")) {
          keys.push(seg.slice(1, -1));
          return "([^/]+)";
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      })
      .join("/");
    this.routes.push({ method, pattern, handler, keys, regex: new RegExp(`^${source}$`) });
    return this;
  }

  addAll(routes: Route<H>[]): this {
    for (const r of routes) this.add(r.method, r.pattern, r.handler);
    return this;
  }

  match(method: string, path: string): { route: Route<H>; params: Params } | null {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      const params: Params = {};
      route.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1]!)));
      return { route, params };
    }
    return null;
  }
}
