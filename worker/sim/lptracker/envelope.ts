// LPTracker's response envelope: `{status:"success", result}` or `{status:"error", errors:[{code,message}]}`,
// both normally sent with HTTP 200 (docs §1); LptError carries an application error to the dispatcher.
export class LptError extends Error {
  constructor(
    public code: number,
    message: string,
  ) {
    super(message);
  }
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: JSON_HEADERS });
}

export function success(result: unknown): Response {
  return jsonResponse({ status: "success", result: result ?? null });
}

export function errorBody(code: number, message: string) {
  return { status: "error", errors: [{ code, message }] };
}

/** Application errors travel as HTTP 200 unless `httpStatus` says otherwise (the 503 variant). */
export function failure(code: number, message: string, httpStatus = 200): Response {
  return jsonResponse(errorBody(code, message), httpStatus);
}

export const notFound = (what: string) => new LptError(404, `${what} not found`);
export const invalid = (message: string) => new LptError(400, message);
