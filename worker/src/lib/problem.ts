// The one error shape of every API answer (RFC 9457 `application/problem+json`) and the one place
// that maps error kinds to statuses; the codes themselves and their texts live in errors.ts.
import { ERRORS, renderDetail, type ErrorCode, type ErrorParams, type ParamValue } from "./errors";

export type ProblemKind =
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

const STATUS: Record<ProblemKind, number> = {
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

const TITLE: Record<ProblemKind, string> = {
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
  /** The stable machine code the clients translate (errors.ts). */
  code: ErrorCode;
  params: Record<string, ParamValue>;
  requestId?: string;
  [extra: string]: unknown;
}

type UncheckedArgs = [params?: Record<string, ParamValue>, extra?: Record<string, unknown>];

// A code known only at run time (C is the whole ErrorCode union) cannot have its params checked.
type ProblemArgs<C extends ErrorCode> = [ErrorCode] extends [C]
  ? UncheckedArgs
  : ErrorParams<C> extends Record<string, never>
    ? UncheckedArgs
    : [params: ErrorParams<C> & Record<string, ParamValue>, extra?: Record<string, unknown>];

/**
 * `params` fill the catalogue's detail template and travel to the clients for their own texts;
 * `extra` members are machine fields kept at the top level of the body (`reason`, `field`, `missing`…).
 */
export class Problem<C extends ErrorCode = ErrorCode> extends Error {
  readonly status: number;
  readonly kind: ProblemKind;
  readonly detail: string;
  readonly params: Record<string, ParamValue>;
  readonly extra: Record<string, unknown>;
  constructor(
    readonly code: C,
    ...[params, extra]: ProblemArgs<C>
  ) {
    const p: Record<string, ParamValue> = params ?? {};
    const detail = renderDetail(code, p);
    super(detail);
    this.kind = ERRORS[code].kind;
    this.status = STATUS[this.kind];
    this.detail = detail;
    this.params = p;
    this.extra = extra ?? {};
  }

  body(requestId?: string): ProblemBody {
    return { type: `/problems/${this.kind}`, title: TITLE[this.kind], status: this.status, detail: this.detail, code: this.code, params: this.params, requestId, ...this.extra };
  }
}

/** For a code chosen at run time (a schema's message, a reader's code): its params are not type-checked. */
export function problemOf(code: ErrorCode, params: Record<string, ParamValue>, extra?: Record<string, unknown>): Problem {
  return new Problem<ErrorCode>(code, params, extra);
}

export function problemResponse(problem: Problem, requestId?: string, headers?: HeadersInit): Response {
  const h = new Headers(headers);
  h.set("content-type", "application/problem+json; charset=utf-8");
  if (requestId) h.set("x-request-id", requestId);
  return new Response(JSON.stringify(problem.body(requestId)), { status: problem.status, headers: h });
}
