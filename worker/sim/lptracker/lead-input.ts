// Turns an API lead body (SDK `Lead::toArray(true)` shape, §2.5) into a LeadPatch: stage as `funnel`
// or `stage_id`, owner as `owner` or `owner_id`, source/UTM only inside `view` (a top-level `source` is ignored).
import { parseDmyHi } from "./dates";
import { invalid } from "./envelope";
import { type Body, optInt, optObject, optString } from "./input";
import type { LeadPatch } from "./lead-ops";
import type { Store } from "./store";
import type { Payment } from "./types";

export function parsePayment(raw: unknown): Payment {
  if (!raw || typeof raw !== "object") throw invalid("Invalid payment");
  const p = raw as Body;
  const sum = typeof p.sum === "string" ? Number(p.sum) : p.sum;
  if (typeof sum !== "number" || !Number.isFinite(sum)) throw invalid("Invalid payment sum");
  return {
    sum,
    purpose_id: null,
    purpose_name: optString(p.purpose, "purpose") ?? null,
    category_id: null,
    category_name: optString(p.category, "category") ?? null,
  };
}

function parseView(value: unknown): Record<string, unknown> | undefined {
  const view = optObject(value, "view");
  if (!view) return undefined;
  const { id: _id, project_id: _p, ...rest } = view;
  return rest;
}

export function leadPatchFromBody(store: Store, body: Body): LeadPatch {
  const patch: LeadPatch = {
    name: optString(body.name, "name"),
    stageId: optInt(body.funnel ?? body.stage_id, "funnel"),
    view: parseView(body.view),
    custom: optObject(body.custom, "custom"),
  };
  if ("owner" in body || "owner_id" in body) {
    patch.ownerId = optInt(body.owner ?? body.owner_id, "owner") ?? null;
  }
  if (body.payments !== undefined) {
    if (!Array.isArray(body.payments)) throw invalid("Invalid payments");
    patch.payments = body.payments.map(parsePayment);
  }
  if (body.lead_date !== undefined && body.lead_date !== null && body.lead_date !== "") {
    const ms = typeof body.lead_date === "string" ? parseDmyHi(body.lead_date, store.options.utcOffsetMinutes) : null;
    if (ms === null) throw invalid("Invalid lead_date, expected d.m.Y H:i");
    patch.leadDate = ms;
  }
  return patch;
}
