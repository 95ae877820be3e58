// The page's addresses: real paths under /admin/ (no hash), parsed into a route and built back.
// Pure, so the mapping is tested without a browser.
export const BASE = "/admin";

export type Route =
  | { name: "dashboard" }
  | { name: "rules" }
  | { name: "rule"; id: number | "new" }
  | { name: "uploads" }
  | { name: "calls" }
  | { name: "audit" }
  | { name: "event"; id: number }
  | { name: "notFound"; path: string };

export type Section = "dashboard" | "rules" | "uploads" | "calls" | "audit";

const ID = /^[1-9]\d{0,15}$/;

export function parseRoute(pathname: string): Route {
  if (pathname !== BASE && !pathname.startsWith(`${BASE}/`)) return { name: "notFound", path: pathname };
  const parts = pathname.slice(BASE.length).split("/").filter(Boolean).map(decodeURIComponent);
  const [section, id, extra] = parts;
  if (extra !== undefined) return { name: "notFound", path: pathname };
  if (section === undefined) return { name: "dashboard" };
  if (section === "rules") {
    if (id === undefined) return { name: "rules" };
    if (id === "new") return { name: "rule", id: "new" };
    if (ID.test(id)) return { name: "rule", id: Number(id) };
  }
  if (section === "audit") {
    if (id === undefined) return { name: "audit" };
    if (ID.test(id)) return { name: "event", id: Number(id) };
  }
  if (id === undefined && (section === "uploads" || section === "calls")) return { name: section };
  return { name: "notFound", path: pathname };
}

export function routePath(route: Exclude<Route, { name: "notFound" }>): string {
  switch (route.name) {
    case "dashboard":
      return `${BASE}/`;
    case "rule":
      return `${BASE}/rules/${route.id}`;
    case "event":
      return `${BASE}/audit/${route.id}`;
    default:
      return `${BASE}/${route.name}`;
  }
}

/** Which navigation tab a route belongs to. */
export function sectionOf(route: Route): Section | null {
  switch (route.name) {
    case "rule":
      return "rules";
    case "event":
      return "audit";
    case "notFound":
      return null;
    default:
      return route.name;
  }
}
