// amoCRM's unsorted webhook items (`unsorted[delete][N][action|uid|accept_result|…]`) as events to
// store: pure and bounded, shared by the intake route and the job that applies them.
import type { NewEvent } from "../../db/events";
import { z } from "zod";
import type { FormValue } from "../../lib/php-form";

/** The form parser's output (lib/php-form.ts, depth-capped): strings in lists and objects. */
const formValueSchema: z.ZodType<FormValue> = z.lazy(() => z.union([z.string(), z.array(formValueSchema), z.record(z.string(), formValueSchema)]));
/** One webhook item (or a stored event's payload made of one) as fields. */
export const formItemSchema = z.record(z.string(), formValueSchema);

const ACTIONS = new Set(["accept", "decline", "link"]);
/** A body naming more entries than this is cut there: amoCRM sends one per manager action. */
const MAX_ITEMS = 50;

function items(v: FormValue | undefined): Record<string, FormValue>[] {
  const list = Array.isArray(v) ? v : v && typeof v === "object" ? Object.values(v) : [];
  return list.filter((x): x is Record<string, FormValue> => !!x && typeof x === "object" && !Array.isArray(x)).slice(0, MAX_ITEMS);
}

function firstId(v: FormValue | undefined): string | null {
  if (typeof v === "string") return /^\d{1,15}$/.test(v) ? v : null;
  if (Array.isArray(v)) return firstId(v[0]);
  if (v && typeof v === "object") {
    if ("id" in v) return firstId(v.id);
    return firstId(Object.values(v)[0]);
  }
  return null;
}

/** The lead an unsorted webhook item ends in: `accept_result`/`link_result`/`decline_result` leads[0]. */
export function resultLead(item: Record<string, FormValue>): string | null {
  for (const key of ["accept_result", "link_result", "decline_result"]) {
    const r = item[key];
    if (r && typeof r === "object" && !Array.isArray(r)) {
      const id = firstId(r.leads);
      if (id) return id;
    }
  }
  return firstId(item.lead_id);
}

/** Events for the `unsorted[delete]` items of an amoCRM webhook body (`add`/`update` carry no decision). */
export function unsortedHookEvents(unsorted: unknown): Omit<NewEvent, "receivedAt">[] {
  const form = formItemSchema.safeParse(unsorted);
  if (!form.success) return [];
  const out: Omit<NewEvent, "receivedAt">[] = [];
  for (const item of items(form.data.delete)) {
    const uid = typeof item.uid === "string" ? item.uid : "";
    const action = typeof item.action === "string" ? item.action : "";
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(uid) || !ACTIONS.has(action)) continue;
    const lead = resultLead(item);
    out.push({ source: "amocrm", action: `unsorted_${action}`, dedupeKey: `amo:unsorted:${uid}:${action}:${lead ?? ""}`, externalId: lead, payload: JSON.stringify(item) });
  }
  return out;
}
