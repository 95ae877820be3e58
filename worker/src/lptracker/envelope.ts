// LPTracker answers errors with HTTP 200 and `{status:"error", errors:[{code,message}]}`; some pages
// show a bare array or an outer array. One reader for every shape.
export type LptEnvelope<T> = { ok: true; result: T } | { ok: false; code: number; message: string };

export function readEnvelope<T>(httpStatus: number, body: unknown): LptEnvelope<T> {
  let b = body;
  if (Array.isArray(b) && b.length === 1 && b[0] && typeof b[0] === "object" && "status" in (b[0] as object)) b = b[0];
  if (Array.isArray(b)) return { ok: true, result: b as T };
  if (b && typeof b === "object") {
    const o = b as { status?: string; result?: unknown; errors?: unknown[] };
    if (Array.isArray(o.errors) && o.errors.length > 0) {
      const first = o.errors[0];
      if (typeof first === "string") return { ok: false, code: httpStatus >= 400 ? httpStatus : 400, message: first };
      const e = first as { code?: number | string; message?: string };
      return { ok: false, code: Number(e.code ?? httpStatus) || 400, message: String(e.message ?? "LPTracker error") };
    }
    if (o.status === "success") return { ok: true, result: (o.result ?? null) as T };
    if (o.status === "error") return { ok: false, code: httpStatus >= 400 ? httpStatus : 400, message: "LPTracker error" };
    if (httpStatus < 400) return { ok: true, result: b as T };
  }
  return { ok: false, code: httpStatus >= 400 ? httpStatus : 502, message: `LPTracker answered HTTP ${httpStatus} with no usable body` };
}
