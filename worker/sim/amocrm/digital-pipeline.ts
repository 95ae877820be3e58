// Digital Pipeline widget actions of the simulated account: actions saved on a status (the widget's
// DP settings, as amoCRM keeps them), and a user moving a lead into such a status, which posts the
// unsigned DP hook amoCRM sends — form-encoded with bracket keys, or JSON when a test asks for it.
import { validateAll } from "./batch";
import { json } from "./http";
import { readLead, updateLead, type LeadChange } from "./leads-model";
import { encodeNested } from "./php-form";
import type { OutgoingHook } from "../shared/outbox";
import { perAccount, type Account, type Store } from "./store";
import { emitLeadChanges } from "./webhooks";

export interface DpAction {
  id: number;
  pipeline_id: number;
  status_id: number;
  widget_code: string;
  webhook_url: string;
  /** What the widget's dpSettings left in the manifest's dp.settings fields (strings, as amoCRM keeps them). */
  settings: Record<string, string>;
}

let seq = 0;

export const dpActions = perAccount<DpAction[]>(() => []);

export class DpControlError extends Error {
  constructor(
    public status: number,
    message: string,
  ) {
    super(message);
  }
}

function saveAction(account: Account, body: Record<string, unknown>): Response {
  const pipelineId = Number(body.pipeline_id);
  const statusId = Number(body.status_id);
  const pipeline = account.pipelines.find((p) => p.id === pipelineId);
  if (!pipeline || !pipeline.statuses.some((s) => s.id === statusId)) throw new DpControlError(400, `status ${statusId} is not in pipeline ${pipelineId}`);
  if (typeof body.widget_code !== "string" || !body.widget_code) throw new DpControlError(400, "widget_code is required");
  if (typeof body.webhook_url !== "string" || !/^https?:\/\//.test(body.webhook_url)) throw new DpControlError(400, "webhook_url must be an http(s) URL (the manifest's dp.webhook_url)");
  const raw = body.settings && typeof body.settings === "object" ? (body.settings as Record<string, unknown>) : {};
  const settings = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v === null || v === undefined ? "" : String(v)]));
  const list = dpActions(account);
  const id = Number(body.id);
  const existing = list.find((a) => a.id === id);
  const action: DpAction = { id: existing?.id ?? ++seq, pipeline_id: pipelineId, status_id: statusId, widget_code: body.widget_code, webhook_url: body.webhook_url, settings };
  if (existing) list.splice(list.indexOf(existing), 1, action);
  else list.push(action);
  return json(action, existing ? 200 : 201);
}

/** The hook body amoCRM posts for one action (`event.type` 14: the lead entered the action's status). */
export function dpHookBody(store: Store, account: Account, action: DpAction, leadId: number): Record<string, unknown> {
  return {
    event: {
      type: "14",
      type_code: "lead_status_changed",
      data: { id: String(leadId), element_type: "2", status_id: String(action.status_id), pipeline_id: String(action.pipeline_id) },
      time: String(store.nowSec()),
    },
    action: { code: "widget", settings: { widget: { settings: action.settings }, widget_code: action.widget_code } },
    subdomain: account.subdomain,
    account_id: String(account.id),
  };
}

/** A user drags a lead into a status: the account webhooks go out as usual, then each DP action of that status posts its hook. */
async function moveLead(store: Store, account: Account, body: Record<string, unknown>): Promise<Response> {
  const lead = account.leads.get(Number(body.lead_id));
  if (!lead) throw new DpControlError(404, `lead ${String(body.lead_id)} not found`);
  const format = body.format === "json" ? "json" : "form";
  const userId = body.user_id === undefined ? account.users.find((u) => u.is_admin)?.id ?? account.users[0]!.id : Number(body.user_id);
  const move = { id: lead.id, status_id: body.status_id, pipeline_id: body.pipeline_id ?? lead.pipeline_id };
  const [draft] = validateAll([move], (raw, errors) => readLead(account, raw, errors, { update: true }));
  const change: LeadChange = updateLead(store, account, lead, draft!, userId);
  emitLeadChanges(store, account, [change], userId);
  const hooks: OutgoingHook[] = [];
  for (const action of dpActions(account).filter((a) => a.pipeline_id === lead.pipeline_id && a.status_id === lead.status_id)) {
    const payload = dpHookBody(store, account, action, lead.id);
    const hook =
      format === "json"
        ? { url: action.webhook_url, method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(payload) }
        : { url: action.webhook_url, method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: encodeNested(payload) };
    hooks.push(await account.outbox.push(hook));
  }
  return json({ lead: structuredClone(lead), dp_hooks: hooks });
}

/** Control calls under /__sim/accounts/{id}/dp/…; null when the path is not one of them. */
export async function dpControl(store: Store, account: Account, method: string, rest: string, body: Record<string, unknown>): Promise<Response | null> {
  if (rest === "dp/actions" && method === "GET") return json({ actions: dpActions(account) });
  if (rest === "dp/actions" && method === "POST") return saveAction(account, body);
  const one = /^dp\/actions\/(\d+)$/.exec(rest);
  if (one && method === "DELETE") {
    const list = dpActions(account);
    const i = list.findIndex((a) => a.id === Number(one[1]));
    if (i < 0) throw new DpControlError(404, `DP action ${one[1]} not found`);
    list.splice(i, 1);
    return json({ deleted: true });
  }
  if (rest === "dp/move" && method === "POST") return moveLead(store, account, body);
  return null;
}
