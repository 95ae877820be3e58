// LPTracker answers errors with HTTP 200 and `{status:"error", errors:[{code,message}]}`; some pages
// show a bare array or an outer array. One reader for every shape; what the result holds is for the
// caller's schema (contracts/lptracker.ts) to check.
import { z } from "zod";

export type LptEnvelope = { ok: true; result: unknown } | { ok: false; code: number; message: string };

const envelopeSchema = z.looseObject({ status: z.unknown().optional(), result: z.unknown().optional(), errors: z.unknown().optional() });
const errorSchema = z.looseObject({ code: z.unknown().optional(), message: z.unknown().optional() });

export function readEnvelope(httpStatus: number, body: unknown): LptEnvelope {
  let b = body;
  if (Array.isArray(b) && b.length === 1 && envelopeSchema.safeParse(b[0]).data?.status !== undefined) b = b[0];
  if (Array.isArray(b)) return { ok: true, result: b };
  const o = envelopeSchema.safeParse(b).data;
  if (o) {
    if (Array.isArray(o.errors) && o.errors.length > 0) {
      const first: unknown = o.errors[0];
      if (typeof first === "string") return { ok: false, code: httpStatus >= 400 ? httpStatus : 400, message: first };
      const e = errorSchema.safeParse(first).data ?? { code: undefined, message: undefined };
      return { ok: false, code: Number(e.code ?? httpStatus) || 400, message: String(e.message ?? "LPTracker error") };
    }
    if (o.status === "success") return { ok: true, result: o.result ?? null };
    if (o.status === "error") return { ok: false, code: httpStatus >= 400 ? httpStatus : 400, message: "LPTracker error" };
    if (httpStatus < 400) return { ok: true, result: b };
  }
  return { ok: false, code: httpStatus >= 400 ? httpStatus : 502, message: `LPTracker answered HTTP ${httpStatus} with no usable body` };
}
