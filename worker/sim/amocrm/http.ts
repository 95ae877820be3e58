// Response and error shapes of amoCRM: HAL JSON for data, problem+json for errors (validation
// errors in amoCRM's `validation-errors` form), and the nginx HTML page of an account block.
export const HAL_JSON = "application/hal+json";
export const PROBLEM_JSON = "application/problem+json";

export interface FieldError {
  code: string;
  path: string;
  detail: string;
}

export interface ItemErrors {
  request_id: string;
  errors: FieldError[];
}

/** Thrown anywhere in a handler to answer with a problem+json body. */
export class ProblemError extends Error {
  constructor(
    public status: number,
    public title: string,
    public detail: string,
    public extra: Record<string, unknown> = {},
  ) {
    super(`${status} ${title}: ${detail}`);
  }
}

/** Thrown when a request body fails validation; nothing of the request has been written. */
export class ValidationFailure extends Error {
  constructor(public items: ItemErrors[]) {
    super("validation failed");
  }
}

export function json(body: unknown, status = 200, contentType = "application/json"): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": `${contentType}; charset=utf-8` } });
}

export function hal(body: unknown, status = 200): Response {
  return json(body, status, HAL_JSON);
}

export function noContent(): Response {
  return new Response(null, { status: 204 });
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export function problem(status: number, detail: string, extra: Record<string, unknown> = {}, title?: string): Response {
  return json(
    { title: title ?? TITLES[status] ?? "Error", type: `https://httpstatus.es/${status}`, status, detail, ...extra },
    status,
    PROBLEM_JSON,
  );
}

export function validationProblem(items: ItemErrors[]): Response {
  return problem(400, "Request validation failed", { "validation-errors": items });
}

/** What nginx in front of amoCRM answers for a blocked account: HTML, not JSON. */
export function blockedPage(): Response {
  const body =
    "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n<center><h1>403 Forbidden</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
  return new Response(body, { status: 403, headers: { "content-type": "text/html" } });
}

/** Maps thrown errors to responses in one place; anything unknown is the caller's to log. */
export function renderError(err: unknown): Response | null {
  if (err instanceof ValidationFailure) return validationProblem(err.items);
  if (err instanceof ProblemError) return problem(err.status, err.detail, err.extra, err.title);
  return null;
}

/** Reads a JSON body (or a form body, which amoCRM's OAuth endpoint also takes). */
export async function readBody(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === "") return undefined;
  const type = request.headers.get("content-type") ?? "";
  if (type.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProblemError(400, "Bad Request", "Request body is not valid JSON");
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
