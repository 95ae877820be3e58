// The one error shape of every API answer (RFC 9457 `application/problem+json`) and the one place
// that maps error kinds to statuses.
export type ProblemCode =
  | "bad-request"
  | "validation"
  | "unauthorized"
  | "forbidden"
  | "not-found"
  | "conflict"
  | "payload-too-large"
  | "unsupported-media-type"
  | "rate-limited"
  | "missing-config"
  | "invalid-config"
  | "upstream"
  | "reauth-required"
  | "internal";

const STATUS: Record<ProblemCode, number> = {
  "bad-request": 400,
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  "not-found": 404,
  conflict: 409,
  "payload-too-large": 413,
  "unsupported-media-type": 415,
  "rate-limited": 429,
  "missing-config": 500,
  "invalid-config": 500,
  upstream: 502,
  "reauth-required": 409,
  internal: 500,
};

const TITLE: Record<ProblemCode, string> = {
  "bad-request": "Bad request",
  validation: "Invalid input",
  unauthorized: "Not signed in",
  forbidden: "Not allowed",
  "not-found": "Not found",
  conflict: "Conflict",
  "payload-too-large": "Request body too large",
  "unsupported-media-type": "Unsupported media type",
  "rate-limited": "Too many requests",
  "missing-config": "Server configuration missing",
  "invalid-config": "Server configuration invalid",
  upstream: "Upstream service failed",
  "reauth-required": "Reinstall required",
  internal: "Internal error",
};

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId?: string;
  [extra: string]: unknown;
}

export class Problem extends Error {
  readonly status: number;
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.status = STATUS[code];
  }

  body(requestId?: string): ProblemBody {
    return { type: `/problems/${this.code}`, title: TITLE[this.code], status: this.status, detail: this.detail, requestId, ...this.extra };
  }
}

export function problemResponse(problem: Problem, requestId?: string, headers?: HeadersInit): Response {
  const h = new Headers(headers);
  h.set("content-type", "application/problem+json; charset=utf-8");
  if (requestId) h.set("x-request-id", requestId);
  return new Response(JSON.stringify(problem.body(requestId)), { status: problem.status, headers: h });
}
