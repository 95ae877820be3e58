// The admin page's only door to the backend: same-origin fetch with the session cookie, JSON in and
// out, and every failure turned into an ApiError that carries the server's problem+json.
import type { ApiProblem } from "../../worker/src/api-types";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: (ApiProblem & { reason?: string }) | null,
  ) {
    super(problem?.detail ?? (status === 0 ? "network" : `HTTP ${status}`));
  }
}

/** Called on any 401 so that the shell can show the sign-in screen instead of broken pages. */
let onUnauthorized: (err: ApiError) => void = () => {};
export function setUnauthorizedHandler(fn: (err: ApiError) => void): void {
  onUnauthorized = fn;
}

function isProblem(v: unknown): v is ApiProblem {
  return !!v && typeof v === "object" && typeof (v as ApiProblem).detail === "string";
}

export type Query = Record<string, string | number | undefined | null | false>;

/** `?a=1&b=x` without the empty values, so that URLs stay short and filters stay optional. */
export function queryString(q: Query = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== "" && v !== false) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
}

export async function api<T>(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: { accept: "application/json" }, credentials: "same-origin" };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, null);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = new ApiError(res.status, isProblem(data) ? data : null);
    if (res.status === 401) onUnauthorized(err);
    throw err;
  }
  return data as T;
}

export const get = <T>(path: string, q?: Query) => api<T>("GET", `${path}${queryString(q)}`);
export const post = <T>(path: string, body?: unknown) => api<T>("POST", path, body ?? {});
export const put = <T>(path: string, body: unknown) => api<T>("PUT", path, body);
export const del = <T>(path: string) => api<T>("DELETE", path);
