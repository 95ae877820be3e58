// The browser side of routing: the current path and query as signals, moved with the history API,
// and a Link that navigates without reloading the page.
import { computed, signal } from "@preact/signals";
import type { ComponentChildren, PartialAnchorHTMLAttributes } from "preact";
import { parseRoute } from "./routes";

export const location$ = signal({ path: window.location.pathname, search: window.location.search });
export const route = computed(() => parseRoute(location$.value.path));
export const query = computed(() => new URLSearchParams(location$.value.search));

window.addEventListener("popstate", () => {
  location$.value = { path: window.location.pathname, search: window.location.search };
});

export function navigate(href: string, opts: { replace?: boolean } = {}): void {
  const url = new URL(href, window.location.href);
  if (url.pathname === window.location.pathname && url.search === window.location.search) return;
  if (opts.replace) history.replaceState(null, "", url.pathname + url.search);
  else history.pushState(null, "", url.pathname + url.search);
  location$.value = { path: url.pathname, search: url.search };
  if (!opts.replace) window.scrollTo(0, 0);
}

/** Replaces the query of the current page (filters, pages), keeping the history clean. */
export function setQuery(params: Record<string, string | number | undefined | null>, opts: { push?: boolean } = {}): void {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") p.set(k, String(v));
  const s = p.toString();
  navigate(`${window.location.pathname}${s ? `?${s}` : ""}`, { replace: !opts.push });
}

export interface LinkProps extends Omit<PartialAnchorHTMLAttributes<HTMLAnchorElement>, "href" | "role"> {
  href: string;
  children?: ComponentChildren;
}

export function Link({ href, children, ...rest }: LinkProps) {
  const onClick = (e: MouseEvent) => {
    // Let the browser handle new-tab and download gestures itself.
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
